"""Staff-written content in the page's language: {{ entry|translated:"question" }}.

The result is a TranslatedText: `.fallback` is true when the English stands
in for a missing translation, and `.html_lang` is its lang attribute.
"""

from django import template

from trials.translations import translated as translated_text

register = template.Library()


@register.filter
def translated(obj, field: str):
    # Templates fail silently on a missing object, as {{ site.facility }} would.
    return "" if obj is None or obj == "" else translated_text(obj, field)
