"""The Chinese name of a registry condition ("Breast Cancer" → 乳腺癌), only
from named sources: staff's Chinese search terms (trials/models/vocabulary.py)
first, then HPO's Simplified Chinese labels (data/terminology/NOTICE.md),
matched on the condition's own English or through the MeSH descriptor its
name is an entry term of. Nothing is translated: a name no source has stays
English only.

The name is kept on the condition (`Condition.name_zh_hans`), so a page
shows it with the conditions it reads anyway, at no query of its own, however
many condition names there are (200,000 distinct on the registry). It is
looked up when an import adds a condition (`chinese_condition_names`), and
for every condition when the terminology is loaded or staff change a Chinese
search term (`condition_names_refresh`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from trials.models import Condition, SearchTerm, TerminologyTerm
from trials.terminology import lookup_safely, term_key

BATCH = 5000
MAX_NAME = 200


def _glossary() -> dict[str, str]:
    """Staff's Chinese search terms by their English meaning's key (first written first)."""
    rows = SearchTerm.objects.filter(language=SearchTerm.Language.CHINESE).order_by("pk")
    names: dict[str, str] = {}
    for phrase, meaning in rows.values_list("phrase", "meaning"):
        names.setdefault(term_key(meaning), phrase)
    return names


def _hpo_labels() -> tuple[dict[str, str], dict[str, str]]:
    """HPO's Chinese labels by MeSH descriptor and by their English's key.

    Loaded as a whole (19,000 rows) only by the batch jobs, never by a page."""
    by_descriptor: dict[str, str] = {}
    by_english: dict[str, str] = {}
    rows = TerminologyTerm.objects.filter(source=TerminologyTerm.Source.HPO_ZH).order_by("pk")
    for label, meaning, descriptor in rows.values_list("term", "meaning", "descriptor_id"):
        if descriptor:
            by_descriptor.setdefault(descriptor, label)
        by_english.setdefault(term_key(meaning), label)
    return by_descriptor, by_english


def _descriptors_of(keys: list[str]) -> dict[str, str]:
    """The MeSH descriptor each key is an entry term (or HPO lay term) of,
    where exactly one descriptor has it: one indexed query."""
    found: dict[str, set[str]] = {}
    rows = TerminologyTerm.objects.filter(
        Q(key__in=keys),
        source__in=[TerminologyTerm.Source.MESH, TerminologyTerm.Source.HPO_LAY],
    ).exclude(descriptor_id="")
    for key, descriptor in rows.values_list("key", "descriptor_id"):
        found.setdefault(key, set()).add(descriptor)
    # A term shared by two concepts names neither for certain.
    return {key: ids.pop() for key, ids in found.items() if len(ids) == 1}


class _Sources:
    def __init__(self) -> None:
        self.glossary = _glossary()
        self.by_descriptor, self.by_english = _hpo_labels()

    def names(self, english_names: Iterable[str]) -> dict[str, str]:
        keyed = {name: term_key(name) for name in english_names}
        keyed = {name: key for name, key in keyed.items() if key}
        names: dict[str, str] = {}
        unmatched: dict[str, str] = {}
        for name, key in keyed.items():
            chinese = self.glossary.get(key) or self.by_english.get(key)
            if chinese:
                names[name] = chinese
            else:
                unmatched[name] = key
        if unmatched and self.by_descriptor:
            descriptors = _descriptors_of(sorted(set(unmatched.values())))
            for name, key in unmatched.items():
                chinese = self.by_descriptor.get(descriptors.get(key, ""))
                if chinese:
                    names[name] = chinese
        return {name: chinese[:MAX_NAME] for name, chinese in names.items()}


def chinese_condition_names(english_names: Iterable[str]) -> dict[str, str]:
    """{English condition name: Chinese name} for those a source names."""
    english_names = list(english_names)
    if not english_names:
        return {}
    return lookup_safely(lambda: _Sources().names(english_names), {})


def condition_names_refresh(*, names: Iterable[str] | None = None) -> int:
    """Look up the Chinese name of these conditions (all when None) again;
    how many changed. In batches, writing only what changed."""
    sources = lookup_safely(_Sources, None)
    if sources is None:
        return 0
    conditions = Condition.objects.order_by("pk")
    if names is not None:
        conditions = conditions.filter(name__in=list(names))
    changed = 0
    batch: list[tuple[int, str, str]] = []

    def flush() -> int:
        found = sources.names(name for _pk, name, _old in batch)
        updates = [
            Condition(pk=pk, name_zh_hans=found.get(name, ""))
            for pk, name, old in batch
            if found.get(name, "") != old
        ]
        Condition.objects.bulk_update(updates, ["name_zh_hans"], batch_size=1000)
        batch.clear()
        return len(updates)

    for row in conditions.values_list("pk", "name", "name_zh_hans").iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) >= BATCH:
            changed += flush()
    if batch:
        changed += flush()
    return changed


def condition_names_refresh_for_meaning(meaning: str) -> int:
    """After staff add, change or remove a Chinese search term for `meaning`."""
    names = Condition.objects.filter(name__iexact=meaning.strip()).values_list("name", flat=True)
    names = list(names[:1000])
    return condition_names_refresh(names=names) if names else 0
