"""The pre-screen box on the trial page, filled from the patient's session."""

from django import template
from django.utils.safestring import mark_safe

from trials.prescreen import prescreen_panel, saved_answers
from trials.trial_pages import trial_part

register = template.Library()
TEMPLATE = "trials/includes/prescreen.html"


@register.simple_tag(takes_context=True)
def prescreen_box(context, trial):
    """The questions, or the patient's answers and what they mean.

    Before a patient answers, the box is the same for everyone who reads the
    trial in this language: rendered once per trial update (the questions
    are edited with the trial)."""
    request = context["request"]

    def render(stored_part: bool = False) -> str:
        box = context.new(prescreen_panel(session=request.session, trial=trial))
        box["csrf_token"] = context.get("csrf_token")
        box["stored_part"] = stored_part
        return context.template.engine.get_template(TEMPLATE).render(box)

    if saved_answers(request, trial):
        return render()
    return mark_safe(trial_part(trial, "prescreen", lambda: render(stored_part=True)))
