"""Pre-screening questions, edited on their trial's admin page."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from trials.models import PrescreenQuestion


class PrescreenQuestionInline(admin.StackedInline):
    model = PrescreenQuestion
    extra = 0
    ordering = ["order", "pk"]
    fieldsets = [
        (None, {"fields": [("order", "kind"), "text", "criterion", "reason"]}),
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
                    "choices",
                    "qualifying_choices",
                ],
            },
        ),
    ]
