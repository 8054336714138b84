"""The pre-screen box on the trial page, filled from the patient's session."""

from django import template

from trials.prescreen import prescreen_panel

register = template.Library()


@register.inclusion_tag("trials/includes/prescreen.html", takes_context=True)
def prescreen_box(context, trial):
    return prescreen_panel(session=context["request"].session, trial=trial)
