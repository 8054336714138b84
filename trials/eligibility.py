"""Registry eligibility text turned into the nested, numbered lists a patient reads.

ClinicalTrials.gov keeps eligibility as one block of (markdown-ish) text:
"Inclusion Criteria:" and "Exclusion Criteria:" headers, then items numbered
"1.", "(1)", "①", "a)" or bulleted with "-"/"*", nested by indentation. Records
are written by hand, so the parser is forgiving: it keeps every word, keeps each
item's own number as written, and never splits an item on numbers inside its
text (NCT06987370 runs its inclusion items 3-8 together on one line, and the
page shows them that way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Header lines: "Inclusion Criteria:", "Key Exclusion Criteria:", "EXCLUSION CRITERIA",
# "Inclusion criteria (part A):", optionally wrapped in markdown emphasis.
HEADER_RE = re.compile(
    r"^(?:key\s+|main\s+|major\s+)?(?P<kind>inclusion|exclusion)\b(?:\s+criteri(?:a|on)s?)?"
    r"(?P<qualifier>\s*\([^)]{0,60}\)|\s+(?:for|-|–)\s[^:]{0,60})?"
    r"\s*(?P<colon>:?)\s*(?P<rest>.*)$",
    re.IGNORECASE,
)

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
BULLETS = "-*•·▪◦●○–"

# (style, pattern) pairs; a style is what tells siblings from children when a
# record does not indent its sub-items.
MARKERS: list[tuple[str, re.Pattern[str]]] = [
    # "1.2. Age" or "1.2 Age", not "1.5 mg/kg".
    (
        "dotted",
        re.compile(r"^(?P<marker>\d{1,3}(?:\.\d{1,3})+\.?)(?:(?<=\.)\s+|\s+(?=[^\W\d_a-z]))"),
    ),
    # "1. Age", also "1.Age" (but not "1.5 mg").
    ("decimal", re.compile(r"^(?P<marker>\d{1,3}[.)])(?:\s+|(?=[^\W\d_]))")),
    ("paren-decimal", re.compile(r"^(?P<marker>[(（]\d{1,3}[)）])\s*")),
    ("circled", re.compile(rf"^(?P<marker>[{CIRCLED}])\s*")),
    ("cjk", re.compile(r"^(?P<marker>[一二三四五六七八九十]{1,3}[、.．])\s*")),
    ("decimal-cjk", re.compile(r"^(?P<marker>\d{1,3}[、．])\s*")),
    ("roman", re.compile(r"^(?P<marker>(?:i{1,3}|iv|vi{0,3}|ix|x)[.)])\s+", re.IGNORECASE)),
    ("paren-roman", re.compile(r"^(?P<marker>\((?:i{1,3}|iv|vi{0,3}|ix|x)\))\s+", re.I)),
    ("paren-alpha", re.compile(r"^(?P<marker>\([a-zA-Z]\))\s+")),
    ("alpha", re.compile(r"^(?P<marker>[a-zA-Z][.)])\s+")),
    ("bullet", re.compile(rf"^(?P<marker>[{re.escape(BULLETS)}])\s+")),
]

# ClinicalTrials.gov escapes markdown characters: "Age \> 18", "2\. Item".
MARKDOWN_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~=])")
EMPHASIS_RE = re.compile(r"^[*_#\s]+|[*_\s]+$")


@dataclass
class Criterion:
    text: str
    # The item's own marker as written ("1.", "(2)", "①", "a)"); None for bullets
    # and unnumbered paragraphs.
    number: str | None = None
    children: list[Criterion] = field(default_factory=list)


@dataclass
class Eligibility:
    inclusion: list[Criterion] = field(default_factory=list)
    exclusion: list[Criterion] = field(default_factory=list)
    # Criteria under no header at all, or text before the headers.
    other: list[Criterion] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.inclusion or self.exclusion or self.other)


@dataclass
class _Line:
    indent: int
    style: str | None
    number: str | None
    text: str
    after_blank: bool


def parse_criteria(text: str | None) -> Eligibility:
    """The registry's eligibility text as inclusion, exclusion and other criteria.

    Without any header everything is "other"; with only an "Exclusion Criteria:"
    header, the items before it are the inclusion criteria (a common omission).
    """
    eligibility = Eligibility()
    sections: list[tuple[str, list[_Line]]] = [("before", [])]
    for line in _lines(text or ""):
        header = _header(line)
        if header is not None:
            kind, rest = header
            sections.append((kind, []))
            if rest:
                sections[-1][1].append(_read_line(rest, indent=0, after_blank=False))
            continue
        sections[-1][1].append(line)

    kinds = {kind for kind, _ in sections}
    for kind, lines in sections:
        if kind == "before":
            kind = "inclusion" if kinds == {"before", "exclusion"} else "other"
        getattr(eligibility, kind).extend(_nest(lines))
    return eligibility


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    after_blank = False
    text = MARKDOWN_ESCAPE_RE.sub(r"\1", text.replace("\r\n", "\n").replace("\r", "\n"))
    for raw in text.split("\n"):
        raw = raw.expandtabs(4).rstrip()
        if not raw.strip():
            after_blank = True
            continue
        indent = len(raw) - len(raw.lstrip())
        lines.append(_read_line(raw.strip(), indent=indent, after_blank=after_blank))
        after_blank = False
    return lines


def _read_line(content: str, *, indent: int, after_blank: bool) -> _Line:
    for style, pattern in MARKERS:
        match = pattern.match(content)
        if match and content[match.end() :].strip():
            number = None if style == "bullet" else match.group("marker")
            return _Line(indent, style, number, content[match.end() :].strip(), after_blank)
    return _Line(indent, None, None, content, after_blank)


def _header(line: _Line) -> tuple[str, str] | None:
    """("inclusion"|"exclusion", text after the colon) for a header line, else None."""
    if line.style is not None:
        return None
    match = HEADER_RE.match(EMPHASIS_RE.sub("", line.text))
    if match is None:
        return None
    rest = EMPHASIS_RE.sub("", match.group("rest"))
    # Without a colon only a bare "Inclusion Criteria" is a header: "Exclusion of
    # patients who..." is a sentence.
    if not match.group("colon") and rest:
        return None
    return match.group("kind").lower(), rest


@dataclass
class _Open:
    """An item still open for children, with how its level was written."""

    criterion: Criterion
    indent: int
    style: str | None


def _nest(lines: list[_Line]) -> list[Criterion]:
    top: list[Criterion] = []
    # The chain from a top-level item down to the last item read.
    open_items: list[_Open] = []
    for line in lines:
        if line.style is None and open_items and _continues(line, open_items[-1]):
            last = open_items[-1].criterion
            last.text = f"{last.text} {line.text}" if last.text else line.text
            continue
        while open_items and not _is_child(line, open_items[-1], open_items):
            open_items.pop()
        criterion = Criterion(text=line.text, number=line.number)
        (open_items[-1].criterion.children if open_items else top).append(criterion)
        open_items.append(_Open(criterion, line.indent, line.style))
    return top


def _continues(line: _Line, last: _Open) -> bool:
    """An unmarked line carries on the item above: a wrapped line, or indented text."""
    if not line.after_blank:
        return True
    return last.style is not None and line.indent > last.indent


def _is_child(line: _Line, parent: _Open, chain: list[_Open]) -> bool:
    if line.indent != parent.indent:
        return line.indent > parent.indent
    # Same indentation: only a change of numbering style after an item that
    # announces a list ("...should meet:") opens a level, and a style used
    # higher up the chain closes levels again.
    if line.style == parent.style or line.style is None:
        return False
    if any(item.style == line.style and item.indent == line.indent for item in chain):
        return False
    return parent.criterion.text.endswith(":") or line.style == "dotted"
