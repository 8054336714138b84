"""Pre-screening questions staff write per trial, drawn from its criteria."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .trials import Trial


class PrescreenQuestion(models.Model):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes or no")
        NUMBER = "number", _("Number")
        CHOICE = "choice", _("Single choice")

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="prescreen_questions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # YES_NO: the answer that qualifies ("yes" or "no").
    qualifying_answer = models.CharField(_("answer that qualifies"), max_length=3, blank=True)
    # NUMBER: the qualifying range, either end open.
    minimum = models.DecimalField(
        _("minimum"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("maximum"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # CHOICE: the options offered, and those that qualify.
    choices = models.JSONField(_("options"), default=list, blank=True)
    qualifying_choices = models.JSONField(_("options that qualify"), default=list, blank=True)
    criterion = models.TextField(_("criterion it comes from"))
    # What the patient reads when their answer does not qualify, in plain words.
    reason = models.CharField(_("reason shown when not met"), max_length=300)
    # Other languages of text, choices and reason: see trials/translations.py.
    translations = models.JSONField(_("translations"), default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["trial", "order", "pk"]
        verbose_name = _("pre-screening question")
        verbose_name_plural = _("pre-screening questions")

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        """The qualifying answer must fit the kind, or every patient would be told "no"."""
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.YES_NO and self.qualifying_answer not in ("yes", "no"):
            raise ValidationError({"qualifying_answer": _("Enter “yes” or “no”.")})
        if self.kind == self.Kind.NUMBER and self.minimum is None and self.maximum is None:
            raise ValidationError({"minimum": _("Give a minimum, a maximum or both.")})
        if self.kind == self.Kind.CHOICE:
            if not isinstance(self.choices, list) or len(self.choices) < 2:
                raise ValidationError({"choices": _("Give at least two options, as a list.")})
            if not self.qualifying_choices or not set(self.qualifying_choices) <= set(self.choices):
                raise ValidationError(
                    {"qualifying_choices": _("Pick the qualifying options from the options.")}
                )
