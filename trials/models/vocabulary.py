"""What search knows beyond the registry's words: patients' words, Chinese
names and the lexicon of indexed words that misspellings are corrected
against (trials/understanding.py applies them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchTerm(models.Model):
    """A word a patient uses, meaning a registry term (MeSH, as
    derivedSection carries it): "mini stroke" → "transient ischemic attack",
    "放疗" → "radiotherapy". A phrase may have several meanings."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        CHINESE = "zh-hans", _("Chinese")

    phrase = models.CharField(
        _("patient's words"),
        max_length=200,
        help_text=_("As a patient types it: “mini stroke”, “kidney stones”, “放疗”."),
    )
    meaning = models.CharField(
        _("registry term"),
        max_length=200,
        help_text=_("The words trials use for it: “transient ischemic attack”, “radiotherapy”."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phrase", "meaning"]
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")
        constraints = [
            models.UniqueConstraint(fields=["phrase", "meaning"], name="search_term_unique")
        ]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.meaning}"


class SearchWord(models.Model):
    """One distinct word of the index (titles, conditions, concepts) and how
    many trials carry it: what a mistyped word is corrected to. On
    PostgreSQL a trigram index makes the lookup cost independent of how
    many trials and conditions there are."""

    word = models.CharField(_("word"), max_length=60, unique=True)
    trials = models.PositiveIntegerField(_("trials"), default=0)

    class Meta:
        ordering = ["word"]
        verbose_name = _("indexed word")
        verbose_name_plural = _("indexed words")

    def __str__(self) -> str:
        return self.word
