"""{% trialfragment "part" trial [variant…] %}…{% endtrialfragment %}: a part of
the trial page rendered once per trial update, language and variant, and
{% faqfragment %}…{% endfaqfragment %}: the FAQ, rendered once per language
until staff edit it, and {% keyedfragment key %}…{% endkeyedfragment %}: a part
whose key the view made from what it shows (see trials.pagecache)."""

from django import template
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
