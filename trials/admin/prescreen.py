"""Pre-screening questions, edited on their trial's admin page."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from trials.models import PrescreenQuestion
from trials.translations import side_by_side, translations_form


class PrescreenQuestionInline(admin.StackedInline):
    model = PrescreenQuestion
    form = translations_form(PrescreenQuestion, ("text", "reason", "choices"))
    extra = 0
    ordering = ["order", "pk"]
    fieldsets = [
        (
            None,
            {
                "fields": [("order", "kind"), *side_by_side("text"), "criterion"],
                "description": _(
                    "The criterion is quoted from the registry as it stands, in English."
                ),
            },
        ),
        (
            _("What a patient reads when the answer does not qualify"),
            {"fields": side_by_side("reason")},
        ),
        (
            _("Answer that qualifies"),
            {
                "description": _(
                    "Fill in the part that matches the kind: “yes” or “no”; a number range "
                    "(either end may stay empty); or the options, as a JSON list, and those "
                    "that qualify."
                ),
                "fields": [
                    "qualifying_answer",
                    ("minimum", "maximum"),
                    *side_by_side("choices"),
                    "qualifying_choices",
                ],
            },
        ),
    ]
