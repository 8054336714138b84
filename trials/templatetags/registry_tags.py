"""Filters that show registry text: one rendering path, trials.registry_text."""

from django import template

from trials.registry_text import registry_html, registry_inline_html, registry_plain

register = template.Library()

register.filter("registry_html", registry_html, is_safe=True)
register.filter("registry_inline", registry_inline_html, is_safe=True)
register.filter("registry_plain", registry_plain)
