"""What a reader sees on a page: its visible text with whitespace collapsed."""

import re
from html.parser import HTMLParser


class _TextCollector(HTMLParser):
    HIDDEN = {"script", "style", "head", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.HIDDEN:
            self._hidden_depth += 1
        # Block-level boundaries must not glue words of neighbouring items together.
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden_depth:
            self._hidden_depth -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def page_text(response_or_html) -> str:
    """The text of a response (or HTML string), entities decoded, whitespace collapsed."""
    html = getattr(response_or_html, "content", response_or_html)
    if isinstance(html, bytes):
        html = html.decode()
    collector = _TextCollector()
    collector.feed(html)
    return normalize("".join(collector.parts))
