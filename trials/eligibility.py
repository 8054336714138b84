"""Registry eligibility text turned into the nested, numbered lists a patient reads.

ClinicalTrials.gov keeps eligibility as one block of (markdown-ish) text:
"Inclusion Criteria:" and "Exclusion Criteria:" headers, then items numbered
"1.", "(1)", "①", "a)" or bulleted with "-"/"*", nested by indentation. Records
are written by hand, so the parser is forgiving: it keeps every word and each
item's own number as written. One repair: when a numbered item carries the
next numbers of its list inside its text after a sentence end (NCT06987370
runs its inclusion items 3-8 together inside item 2: "...75 years or below;
3. Have a..."), the numbering makes the intent plain and the item is split
there, every word kept. Item text stays Markdown source: the page renders it
through trials.registry_text.
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
    # The marker's position in its list (3 for "3.", "(c)", "iii." or "③"): the
    # page numbers every level its own way (1. → a. → i.) from it.
    value: int | None = None


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
        getattr(eligibility, kind).extend(_split_run_together(_nest(lines)))
    return eligibility


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    after_blank = False
    text = text.replace("\r\n", "\n").replace("\r", "\n")
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
    # The registry escapes a marker that is not meant as Markdown ("2\\. Item"):
    # unescape the first word to read the marker; the rest stays Markdown.
    head, space, tail = content.partition(" ")
    unescaped = MARKDOWN_ESCAPE_RE.sub(r"\1", head) + space + tail
    for style, pattern in MARKERS:
        match = pattern.match(unescaped)
        if match and unescaped[match.end() :].strip():
            number = None if style == "bullet" else match.group("marker")
            return _Line(indent, style, number, unescaped[match.end() :].strip(), after_blank)
    return _Line(indent, None, None, content, after_blank)


def _header(line: _Line) -> tuple[str, str] | None:
    """("inclusion"|"exclusion", text after the colon) for a header line, else None."""
    if line.style is not None:
        return None
    match = HEADER_RE.match(EMPHASIS_RE.sub("", MARKDOWN_ESCAPE_RE.sub(r"\1", line.text)))
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
        criterion = Criterion(text=line.text, number=line.number, value=_value(line.number))
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


ROMAN = {"i": 1, "v": 5, "x": 10}
MARKER_PUNCTUATION = "()（）.、．"
CJK_DIGITS = "一二三四五六七八九十"


def _value(marker: str | None) -> int | None:
    """3 for "3.", "(3)", "3、", "③", "c)", "(iii)" or "三、"; None for bullets."""
    if not marker:
        return None
    core = marker.strip(MARKER_PUNCTUATION)
    if core.isascii() and core.isdigit():
        return int(core)
    if "." in core and core.isascii() and core.replace(".", "").isdigit():
        return int(core.rsplit(".", 1)[-1])  # "1.2" is the second of its list
    if core in CIRCLED:
        return CIRCLED.index(core) + 1
    if core and all(c in CJK_DIGITS for c in core):
        return sum(CJK_DIGITS.index(c) + 1 for c in core)  # up to 十 is enough here
    lowered = core.lower()
    if lowered and all(c in ROMAN for c in lowered) and len(lowered) > 1 or lowered in ROMAN:
        total = 0
        for this, after in zip(lowered, lowered[1:] + " ", strict=True):
            size = ROMAN[this]
            total += -size if ROMAN.get(after, 0) > size else size
        return total
    if len(core) == 1 and core.isalpha():
        return ord(lowered) - ord("a") + 1
    return None


# "...75 years or below; 3. Have a histopathologically...": a number after a
# sentence end, then a space and the item's first word.
RUN_ON_RE = re.compile(r"(?<=[;；.。:])\s+(?P<value>\d{1,3})\.\s+(?=\S)")


def _split_run_together(items: list[Criterion]) -> list[Criterion]:
    """Split items that carry their list's next numbers inside their text.

    Only "1."-style numbers that continue the item's own number one by one
    (2 → 3 → 4) split it, and only when no later sibling already uses them:
    then the numbering says plainly that these are items of the same list.
    The sub-items go with the last piece, whose text announces them.
    """
    result: list[Criterion] = []
    for position, item in enumerate(items):
        item.children = _split_run_together(item.children)
        later = {sibling.value for sibling in items[position + 1 :]}
        if item.value is None or not item.number or not item.number.endswith("."):
            result.append(item)
            continue
        pieces: list[Criterion] = []
        expected, start, number = item.value + 1, 0, item.number
        for match in RUN_ON_RE.finditer(item.text):
            if int(match.group("value")) != expected or expected in later:
                continue
            pieces.append(Criterion(item.text[start : match.start()].strip(), number))
            pieces[-1].value = expected - 1
            number, start, expected = f"{expected}.", match.end(), expected + 1
        if not pieces:
            result.append(item)
            continue
        last = Criterion(item.text[start:].strip(), number, item.children, expected - 1)
        result += [*pieces, last]
    return result
