"""Why a trial is on the page: the concept or words of the query that
brought it ("matched: Vomiting · 呕吐"), in the page's language.

Read from what the card already holds (title, conditions, registry concepts),
for the page's cards only; the Chinese names of the concepts are one indexed
query per page (HPO's Chinese labels).
"""

from __future__ import annotations

import re

from django.utils.translation import get_language

from trials.models import Trial
from trials.terminology import chinese_labels
from trials.understanding import HAN_RE, Concept, Understanding

WORD_RE = re.compile(r"\w+")


def _text(trial: Trial) -> str:
    conditions = " ".join(trial.condition_names)
    return f" {trial.brief_title} {conditions} {trial.concepts} ".lower()


def _mentions(text: str, term: str) -> bool:
    words = WORD_RE.findall(term.lower())
    return (
        bool(words)
        and re.search(r"\b" + r"\W+".join(map(re.escape, words)) + r"\b", text) is not None
    )


def _label(concept: Concept, names: dict[str, str], chinese: bool) -> str:
    """The concept's name in the page's language, and the patient's words
    when they differ: "Vomiting · 呕吐", on a Chinese page "呕吐"."""
    name = concept.name
    if chinese and concept.descriptors and concept.descriptors[0] in names:
        name = names[concept.descriptors[0]]
    elif name.islower():
        name = name.capitalize()
    typed = concept.phrase
    if typed.lower() == name.lower():
        return name
    return f"{name} · {typed}"


def trials_why_matched(trials: list[Trial], understanding: Understanding) -> None:
    """Set `trial.matched` (a list of labels, maybe empty) on each trial of
    a page read with its condition names (`with_condition_names`)."""
    chinese = (get_language() or "").startswith("zh")
    descriptors = [c.descriptors[0] for c in understanding.concepts if c.descriptors]
    names = chinese_labels(descriptors) if chinese and descriptors else {}
    words = [w for w in understanding.words.split() if not w.startswith("-") and w != "OR"]
    for trial in trials:
        text = _text(trial)
        labels = [
            _label(concept, names, chinese)
            for concept in understanding.concepts
            if any(_mentions(text, term) for term in (*concept.meanings, *concept.family))
            or (not HAN_RE.search(concept.phrase) and _mentions(text, concept.phrase))
        ]
        if not labels:
            found = [w.strip('"') for w in words if _mentions(text, w.strip('"'))]
            if found:
                labels = ["“" + " ".join(found) + "”"]
        trial.matched = list(dict.fromkeys(labels))
