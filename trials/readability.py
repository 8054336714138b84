"""How easy an English text is to read: the Flesch reading ease score.

Shown to staff while they write a trial's plain-language summary. 206.835
− 1.015 × words per sentence − 84.6 × syllables per word: 60–70 is plain
English, under 30 reads like a scientific paper. Syllables are counted by
vowel groups, which is close enough for a writer's guide.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?;:]+(?:\s|$)|\n\s*\n")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")

VERDICTS = [
    (80, _("very easy")),
    (60, _("plain English")),
    (50, _("fairly difficult")),
    (30, _("difficult")),
    (float("-inf"), _("very difficult, like a scientific paper")),
]


def syllables(word: str) -> int:
    word = word.lower().replace("’", "'").split("'")[0]
    count = len(_VOWEL_GROUP.findall(word))
    # A silent final "e" ("care", "take") is not a syllable; "-le" ("table") is.
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)


def flesch_reading_ease(text: str) -> float | None:
    """The score of the text, or None when it has no words to score."""
    words = _WORD.findall(text or "")
    if not words:
        return None
    sentences = max(len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]), 1)
    total_syllables = sum(syllables(word) for word in words)
    return round(
        206.835 - 1.015 * (len(words) / sentences) - 84.6 * (total_syllables / len(words)), 1
    )


def reading_ease_verdict(score: float) -> str:
    return str(next(label for floor, label in VERDICTS if score >= floor))


def reading_ease_verdicts() -> list[list]:
    """The verdicts, highest floor first, for the script that scores as staff type."""
    return [[None if floor == float("-inf") else floor, str(label)] for floor, label in VERDICTS]
