"""Staff-written content in the page's language: {{ entry|translated:"question" }}.

The result is a TranslatedText: `.fallback` is true when the English stands
in for a missing translation, and `.html_lang` is its lang attribute.
"""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language, pgettext

from trialfinder.context_processors import to_html_lang
from trials.contacts import role_label
from trials.place_names import chinese_city_label, chinese_place_name
from trials.translations import TranslatedText
from trials.translations import translated as translated_text

register = template.Library()


@register.filter
def translated(obj, field: str):
    # Templates fail silently on a missing object, as {{ site.facility }} would.
    return "" if obj is None or obj == "" else translated_text(obj, field)


@register.filter
def with_lang(value):
    """The text in a span saying its language, for use inside a translated sentence.

    Registry text is English ("en"); staff-written text says its own language.
    {% blocktranslate with title=trial.brief_title|with_lang %} keeps the span.
    """
    if value in (None, ""):
        return ""
    language = value.html_lang if isinstance(value, TranslatedText) else "en"
    if language == to_html_lang(get_language() or settings.LANGUAGE_CODE):
        return value  # the page's own language: nothing to say
    return format_html('<span lang="{}">{}</span>', language, value)


@register.filter
def condition_name(condition):
    """A registry condition as a Chinese reader sees it: the terminology's
    Chinese name with the registry's English beside it, "乳腺癌（Breast
    Cancer）"; the English alone where no source names it, or on other pages."""
    english = format_html('<span lang="en">{}</span>', condition.name)
    chinese = getattr(condition, "name_zh_hans", "")
    if chinese and (get_language() or "").lower() == "zh-hans":
        return format_html('<span lang="zh-Hans">{}</span>（{}）', chinese, english)
    return english


@register.filter
def country_name(country: str) -> str:
    """A registry country in the page's language where the gazetteer names it
    ("China" → 中国 on a Chinese page), else as the registry lists it."""
    if (get_language() or "").lower() == "zh-hans":
        return chinese_place_name("country", country, country=country) or country
    return country


@register.filter
def contact_role(role: str) -> str:
    """{{ official.role|contact_role }}: "Principal investigator", 主要研究者."""
    return role_label(role)


@register.filter
def label(text, where: str = "") -> str:
    """{{ _("Trial")|label }}: "Trial: " in English, "试验：" in Chinese, whose
    colon is full-width and takes no space after it; |label:"end" at the end
    of a line, without the space."""
    labelled = pgettext("a label before its value", "%(label)s: ") % {"label": text}
    return labelled.rstrip() if where == "end" else labelled


@register.filter
def site_label(site):
    """'Facility, City, Country' with each part marked in its own language:
    the registry's English facility beside a place named in Chinese."""
    facility = translated_text(site, "facility")
    place = site.place_of("city", "country")
    if not place:
        return with_lang(facility)
    chinese = (get_language() or "").lower().startswith("zh") and not place.fallback
    separator = "，" if chinese else ", "
    return format_html("{}{}{}", with_lang(facility), separator, with_lang(place))


@register.filter
def condition_text(condition) -> str:
    """condition_name for plain text (an email's text part): "乳腺癌（Breast Cancer）"."""
    chinese = getattr(condition, "name_zh_hans", "")
    if chinese and (get_language() or "").lower() == "zh-hans":
        return f"{chinese}（{condition.name}）"
    return condition.name


@register.filter
def place_label(label: str) -> str:
    """A searched place ("Hangzhou, CN") in Chinese on a Chinese page: "中国杭州"."""
    if (get_language() or "").lower() == "zh-hans":
        return chinese_city_label(label)
    return label
