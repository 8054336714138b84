"""English left on a page or in an email that should be all Chinese.

A page's visible text outside elements marked lang="en" (the registry's
words, shown as registered) must carry no English word, apart from names
that stay as they are in Chinese text too (the site's name, ClinicalTrials.gov,
CT, MRI, ECOG, JavaScript, cookies, email addresses and NCT numbers).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

KEPT_AS_IS = {
    "Trialfinder",
    "ClinicalTrials",
    "gov",
    "CT",
    "MRI",
    "ECOG",
    "JavaScript",
    "Cookie",
    "OR",
    "API",
    "JSON",
    "zip",
    "CSV",
    "HTML",
    "English",  # the switcher names each language in itself
    "NCT",
    "UTC",
    "II",  # phases: II 期, III 期, IV 期
    "III",
    "IV",
}
# The search box's own syntax examples are search words of the English registry.
SEARCH_EXAMPLES = {"soft", "tissue", "pediatric"}
_EMAIL_OR_ID = re.compile(r"\S+@\S+|NCT\d{8}|https?://\S+")
_WORD = re.compile(r"[A-Za-z]{2,}")


class _Collector(HTMLParser):
    SKIPPED = {"script", "style", "head", "template", "datalist"}
    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []  # True where the text is skipped

    def handle_starttag(self, tag, attrs) -> None:
        if tag in self.VOID:
            return
        attributes = dict(attrs)
        skipped = bool(self.stack and self.stack[-1])
        skipped = skipped or tag in self.SKIPPED or attributes.get("lang", "").startswith("en")
        self.stack.append(skipped)
        self.parts.append(" ")

    def handle_endtag(self, tag) -> None:
        if tag in self.VOID:
            return
        if self.stack:
            self.stack.pop()
        self.parts.append(" ")

    def handle_data(self, data) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def text_outside_english(html: str) -> str:
    collector = _Collector()
    collector.feed(html)
    return " ".join("".join(collector.parts).split())


def english_words(text: str, *, also_allowed: set[str] = frozenset()) -> list[str]:
    """English words in a text, apart from the names kept as they are."""
    text = _EMAIL_OR_ID.sub(" ", text)
    allowed = KEPT_AS_IS | SEARCH_EXAMPLES | set(also_allowed)
    return [word for word in _WORD.findall(text) if word not in allowed]


def english_on_page(html: str, *, also_allowed: set[str] = frozenset()) -> list[str]:
    return english_words(text_outside_english(html), also_allowed=also_allowed)
