"""{% trialfragment "part" trial [variant…] %}…{% endtrialfragment %}: a part of
the trial page rendered once per trial update, language and variant, and
{% faqfragment %}…{% endfaqfragment %}: the FAQ, rendered once per language
until staff edit it, and {% keyedfragment key %}…{% endkeyedfragment %}: a part
whose key the view made from what it shows (see trials.pagecache), and
{% sitefragment "part" %}…{% endsitefragment %}: the header and footer every
page shares, rendered once per language and highlighted menu entry."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from trials.pagecache import CSRF_PLACEHOLDER, faq_fragment, page_fragment, trial_fragment

register = template.Library()


class TrialFragmentNode(template.Node):
    def __init__(self, part, trial, variants, nodelist) -> None:
        self.part, self.trial, self.variants, self.nodelist = part, trial, variants, nodelist

    def render(self, context) -> str:
        # Only pages rendered by render_trial_page: elsewhere a fragment with a
        # form would carry, or be served with, a real visitor's token.
        if context.get("csrf_token") != CSRF_PLACEHOLDER:
            return self.nodelist.render(context)
        trial = self.trial.resolve(context)
        # A few variants of one part, never a value that is one visitor's own.
        part = ":".join(str(value.resolve(context)) for value in [self.part, *self.variants])
        return mark_safe(trial_fragment(trial, part, lambda: self.nodelist.render(context)))


@register.tag
def trialfragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError('usage: {% trialfragment "part" trial [variant…] %}')
    part, trial, *variants = (parser.compile_filter(bit) for bit in bits[1:])
    nodelist = parser.parse(("endtrialfragment",))
    parser.delete_first_token()
    return TrialFragmentNode(part, trial, variants, nodelist)


class FaqFragmentNode(template.Node):
    def __init__(self, nodelist) -> None:
        self.nodelist = nodelist

    def render(self, context) -> str:
        return mark_safe(faq_fragment(lambda: self.nodelist.render(context)))


@register.tag
def faqfragment(parser, token):
    nodelist = parser.parse(("endfaqfragment",))
    parser.delete_first_token()
    return FaqFragmentNode(nodelist)


class KeyedFragmentNode(template.Node):
    def __init__(self, key, nodelist) -> None:
        self.key, self.nodelist = key, nodelist

    def render(self, context) -> str:
        key = self.key.resolve(context)
        return mark_safe(page_fragment(key, lambda: self.nodelist.render(context)))


@register.tag
def keyedfragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("usage: {% keyedfragment key %}")
    nodelist = parser.parse(("endkeyedfragment",))
    parser.delete_first_token()
    return KeyedFragmentNode(parser.compile_filter(bits[1]), nodelist)


@lru_cache(maxsize=32)
def _menu_paths(language: str, prefix: str) -> frozenset[str]:
    """The pages the menu marks as current (includes/nav_links.html)."""
    return frozenset({reverse("trials:list"), reverse("trials:faq")})


class SiteFragmentNode(template.Node):
    def __init__(self, part, nodelist) -> None:
        self.part, self.nodelist = part, nodelist

    def render(self, context) -> str:
        language, prefix = translation.get_language() or "", get_script_prefix()
        # The menu marks the page it links to; every other page shares one copy.
        request = context.get("request")
        path = getattr(request, "path", "")
        current = path if path in _menu_paths(language, prefix) else ""
        site = context.get("SITE_NAME", "")  # none on the bare 500 page
        key = f"site:{self.part.resolve(context)}:{language}:{prefix}:{current}:{site}"
        return mark_safe(page_fragment(key, lambda: self.nodelist.render(context)))


@register.tag
def sitefragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError('usage: {% sitefragment "part" %}')
    nodelist = parser.parse(("endsitefragment",))
    parser.delete_first_token()
    return SiteFragmentNode(parser.compile_filter(bits[1]), nodelist)
