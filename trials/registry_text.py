"""Registry text as a patient reads it: ClinicalTrials.gov Markdown, rendered and sanitised.

API v2 text fields (summaries, descriptions, eligibility) are Markdown: they
escape punctuation ("regulatory T-cells \\[Treg\\]", "Age \\> 18"), and use
"*" lists, "**bold**", numbered lines and tables. Every registry text field
goes through this one path: markdown-it-py parses it (CommonMark, plus
tables), nh3 keeps only the formatting tags below. The words are never
changed; only how they are shown.
"""

from __future__ import annotations

import functools
import html

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "hr",
    "ul", "ol", "li", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"ol": {"start"}, "a": {"href"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Registry headings sit under the page's own h1 and section h2.
HEADING_OFFSET = 2


@functools.cache
def _markdown() -> MarkdownIt:
    # html=False: raw HTML in a record is shown as text, never interpreted.
    # breaks=True: the registry's single line breaks are meant as line breaks.
    return MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")


def _render(text: str, *, inline: bool) -> str:
    md = _markdown()
    if inline:
        return md.renderInline(text)
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_OFFSET, 6)
            token.tag = f"h{level}"
    return md.renderer.render(tokens, md.options, {})


def _clean(rendered: str) -> str:
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def registry_html(text: str | None) -> SafeString:
    """A registry text field as sanitised HTML blocks (paragraphs, lists, tables)."""
    if not text:
        return mark_safe("")
    return mark_safe(_clean(_render(text, inline=False)))  # noqa: S308 - sanitised by nh3


def registry_inline_html(text: str | None) -> SafeString:
    """One line of registry text (an eligibility item) as sanitised inline HTML."""
    if not text:
        return mark_safe("")
    return mark_safe(_clean(_render(text, inline=True)))  # noqa: S308 - sanitised by nh3


def registry_plain(text: str | None) -> str:
    """The words alone, for titles, descriptions in meta tags and structured data."""
    if not text:
        return ""
    words = nh3.clean(_render(text, inline=False), tags=set())
    return " ".join(html.unescape(words).split())
