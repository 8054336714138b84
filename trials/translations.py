"""Content staff write, in every language of the site: one mechanism for all of it.

A model with staff-written text keeps the English in its ordinary columns
(the fallback, and what the rest of the code reads) and every other language
in one JSON column, `translations`: {"zh-hans": {"question": "…"}}, as
pretix's i18nfield keeps language → text. `translated(obj, "question")` is
the text in the active language, or the English marked `.fallback` so the
page can say so. The admin edits the languages side by side
(`translations_form`). Adding a language to LANGUAGES needs no migration.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language, get_language_info, gettext
from django.utils.translation import gettext_lazy as _


class TranslatedText(str):
    """Text in some language; `fallback` when it is English standing in."""

    language: str = ""
    fallback: bool = False

    def __new__(cls, value: str, *, language: str, fallback: bool) -> TranslatedText:
        text = super().__new__(cls, value)
        text.language = language
        text.fallback = fallback
        return text

    @property
    def html_lang(self) -> str:
        from trialfinder.context_processors import to_html_lang

        return to_html_lang(self.language)


def site_languages() -> list[tuple[str, str]]:
    """Model field choices: a callable, so adding a language needs no migration."""
    return list(settings.LANGUAGES)


def other_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def translated_value(obj: models.Model, field: str, language: str | None = None) -> Any:
    """The field in `language` (the active one by default), or None if not written."""
    language = language or get_language() or settings.LANGUAGE_CODE
    if language == settings.LANGUAGE_CODE:
        return getattr(obj, field)
    value = ((obj.translations or {}).get(language) or {}).get(field)
    return value if value not in (None, "", []) else None


def translated(obj: models.Model, field: str, language: str | None = None) -> TranslatedText:
    """The text of `field` in the active language, else the English, marked as fallback."""
    language = language or get_language() or settings.LANGUAGE_CODE
    written = None
    if language != settings.LANGUAGE_CODE:
        written = ((obj.translations or {}).get(language) or {}).get(field)
    return text_in(language, getattr(obj, field), written)


def text_in(language: str, english: Any, written: Any) -> TranslatedText:
    """What staff wrote in `language` (`written`, if anything), else the
    English, marked as fallback; in the default language, the English."""
    if language == settings.LANGUAGE_CODE:
        return TranslatedText(str(english or ""), language=language, fallback=False)
    if written not in (None, "", []):
        return TranslatedText(str(written), language=language, fallback=False)
    english = str(english or "")
    return TranslatedText(english, language=settings.LANGUAGE_CODE, fallback=bool(english))


def translated_choices(obj: models.Model, field: str) -> list[tuple[str, TranslatedText]]:
    """[(English value, label in the active language)] for a list of options.

    The English stays the value a form posts and the rules compare, so a
    translation can never change who qualifies. A translated list that does
    not match the English one item for item is not used.
    """
    english = list(getattr(obj, field) or [])
    language = get_language() or settings.LANGUAGE_CODE
    labels = translated_value(obj, field, language)
    if not isinstance(labels, list) or len(labels) != len(english):
        fallback = language != settings.LANGUAGE_CODE
        return [
            (value, TranslatedText(value, language=settings.LANGUAGE_CODE, fallback=fallback))
            for value in english
        ]
    return [
        (value, TranslatedText(str(label), language=language, fallback=False))
        for value, label in zip(english, labels, strict=True)
    ]


def translations_add(*, obj: models.Model, translations: dict) -> bool:
    """Give obj the translations of languages it has none of yet; True if saved.

    For content shipped with the project: what staff have written in the
    admin is never overwritten.
    """
    stored = dict(obj.translations or {})
    missing = {
        language: texts for language, texts in translations.items() if language not in stored
    }
    if not missing:
        return False
    obj.translations = {**stored, **missing}
    obj.save(update_fields=["translations"])
    return True


def translation_field_name(field: str, language: str) -> str:
    return f"{field}_{language.replace('-', '_')}"


def translations_form(
    model: type[models.Model],
    fields: tuple[str, ...],
    base: type[forms.ModelForm] = forms.ModelForm,
) -> type[forms.ModelForm]:
    """`base` with one extra form field per translated field and language.

    `question_zh_hans` edits translations["zh-hans"]["question"]; blank
    removes it, so the English shows again (with the page saying so).
    """

    class TranslationsForm(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            stored = self.instance.translations or {}
            for language in other_languages():
                for field in fields:
                    value = (stored.get(language) or {}).get(field)
                    if value not in (None, ""):
                        self.initial[translation_field_name(field, language)] = value

        def _post_clean(self):
            super()._post_clean()
            stored = dict(self.instance.translations or {})
            for language in other_languages():
                texts = dict(stored.get(language) or {})
                for field in fields:
                    value = self.cleaned_data.get(translation_field_name(field, language))
                    if isinstance(value, str):
                        value = value.strip()
                    if value in (None, "", []):
                        texts.pop(field, None)
                    else:
                        texts[field] = value
                if texts:
                    stored[language] = texts
                else:
                    stored.pop(language, None)
            self.instance.translations = stored

    declared: dict[str, forms.Field] = {}
    for language in other_languages():
        name_local = get_language_info(language)["name_local"]
        for field in fields:
            model_field = model._meta.get_field(field)
            form_field = model_field.formfield(required=False)
            form_field.label = format_lazy("{} ({})", model_field.verbose_name, name_local)
            form_field.help_text = _("Leave blank to show the English.")
            declared[translation_field_name(field, language)] = form_field
    return type(f"{model.__name__}TranslationsForm", (TranslationsForm,), declared)


def side_by_side(*fields: str) -> tuple:
    """Admin `fields` rows: each field beside its translations."""
    return tuple(
        (field, *(translation_field_name(field, language) for language in other_languages()))
        for field in fields
    )


def _km_label(km: int) -> str:
    return gettext("%(km)d km") % {"km": km}


# Formatted when shown, in the language of that request: formatting at import
# time would freeze every label in English.
km_label = lazy(_km_label, str)


def radius_choices(*distances_km: int) -> list[tuple[int, str]]:
    return [(km, km_label(km)) for km in distances_km]
