"""{% trialfragment "part" trial [variant…] %}…{% endtrialfragment %}: a part of
the trial's page stored once per trial update, language and variant
(trials/trial_pages.py), and
{% faqfragment ["page"] %}…{% endfaqfragment %}: the FAQ (under a trial, or
the FAQ page's), rendered once per language until staff edit it, and
{% keyedfragment key %}…{% endkeyedfragment %}: a part whose key the view made
from what it shows (see trials.pagecache), and
{% sitefragment "part" %}…{% endsitefragment %}: the header and footer every
page shares, and pages that are the same for every visitor (the privacy
notice), rendered once per language and highlighted menu entry."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from trials.pagecache import faq_fragment, page_fragment, site_key
from trials.trial_pages import trial_part

register = template.Library()


class TrialFragmentNode(template.Node):
    def __init__(self, part, trial, variants, nodelist) -> None:
        self.part, self.trial, self.variants, self.nodelist = part, trial, variants, nodelist

    def render(self, context) -> str:
        trial = self.trial.resolve(context)
        # A few variants of one part, never a value that is one visitor's own.
        part = ":".join(str(value.resolve(context)) for value in [self.part, *self.variants])

        def render_part() -> str:
            # Every visitor's: its forms take their CSRF token from outside the
            # part (templates/includes/form_token.html).
            with context.push(stored_part=True):
                return self.nodelist.render(context)

        return mark_safe(trial_part(trial, part, render_part))


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
    def __init__(self, part, nodelist) -> None:
        self.part, self.nodelist = part, nodelist

    def render(self, context) -> str:
        part = self.part.resolve(context) if self.part else "trial"
        return mark_safe(faq_fragment(lambda: self.nodelist.render(context), part))


@register.tag
def faqfragment(parser, token):
    bits = token.split_contents()
    if len(bits) > 2:
        raise template.TemplateSyntaxError('usage: {% faqfragment ["part"] %}')
    part = parser.compile_filter(bits[1]) if len(bits) == 2 else None
    nodelist = parser.parse(("endfaqfragment",))
    parser.delete_first_token()
    return FaqFragmentNode(part, nodelist)


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


class SiteFragmentNode(template.Node):
    def __init__(self, part, nodelist) -> None:
        self.part, self.nodelist = part, nodelist

    def render(self, context) -> str:
        request = context.get("request")
        site = context.get("SITE_NAME", "")  # none on the bare 500 page
        key = site_key(self.part.resolve(context), getattr(request, "path", ""), site)
        return mark_safe(page_fragment(key, lambda: self.nodelist.render(context)))


@register.tag
def sitefragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError('usage: {% sitefragment "part" %}')
    nodelist = parser.parse(("endsitefragment",))
    parser.delete_first_token()
    return SiteFragmentNode(parser.compile_filter(bits[1]), nodelist)


@register.simple_tag(takes_context=True)
def form_tokens(context, *form_ids: str) -> str:
    """This visitor's CSRF token for each form, by its id (`<input form="…">`):
    the forms in stored parts carry none of their own (trials/trial_pages.py)."""
    token = context.get("csrf_token")
    return format_html_join(
        "",
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}" form="{}">',
        ((token, form_id) for form_id in form_ids),
    )
