"""Canonical and alternate links, and a trial's structured data, for templates."""

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import get_language, to_locale

from trials import seo

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    request = context.get("request")
    return seo.canonical_url(request) if request is not None else ""


@register.simple_tag(takes_context=True)
def page_alternates(context) -> list[tuple[str, str]]:
    request = context.get("request")
    return seo.page_alternates(request) if request is not None else []


@register.simple_tag
def trial_json_ld(trial) -> SafeString:
    return seo.json_ld(seo.trial_structured_data(trial))


@register.simple_tag
def og_locale() -> str:
    """Open Graph wants "en_GB"-style locales: zh-hans becomes zh_Hans."""
    return to_locale(get_language() or "en")
