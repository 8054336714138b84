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

from django.db.models.functions import Lower
from django.utils import timezone

from trials.models import Condition, SearchTerm, TerminologyTerm, Trial
from trials.terminology import lookup_safely, term_key

BATCH = 5000
MAX_NAME = 200


def _glossary() -> dict[str, str]:
    """Staff's Chinese search terms by their English meaning's key (first
    written first): a table staff edit by hand, read whole."""
    rows = SearchTerm.objects.filter(language=SearchTerm.Language.CHINESE).order_by("pk")
    names: dict[str, str] = {}
    for phrase, meaning in rows.values_list("phrase", "meaning"):
        names.setdefault(term_key(meaning), phrase)
    return names


def _hpo_by_english(names: list[str]) -> dict[str, str]:
    """HPO's Chinese label whose English (or MeSH name) is one of these,
    lower-cased: one query on a partial index."""
    rows = (
        TerminologyTerm.objects.filter(source=TerminologyTerm.Source.HPO_ZH)
        .annotate(english=Lower("meaning"))
        .filter(english__in=names)
        .order_by("pk")
    )
    found: dict[str, str] = {}
    for english, label in rows.values_list("english", "term"):
        found.setdefault(english, label)
    return found


def _hpo_by_descriptor(descriptors: list[str]) -> dict[str, str]:
    """HPO's Chinese label of each MeSH descriptor (first listed): one query
    on a partial index."""
    rows = TerminologyTerm.objects.filter(
        source=TerminologyTerm.Source.HPO_ZH, descriptor_id__in=descriptors
    ).order_by("pk")
    found: dict[str, str] = {}
    for descriptor, label in rows.values_list("descriptor_id", "term"):
        found.setdefault(descriptor, label)
    return found


def _descriptors_of(keys: list[str]) -> dict[str, str]:
    """The MeSH descriptor each key is an entry term (or HPO lay term) of,
    where exactly one descriptor has it: one indexed query."""
    found: dict[str, set[str]] = {}
    rows = TerminologyTerm.objects.filter(
        key__in=keys,
        source__in=[TerminologyTerm.Source.MESH, TerminologyTerm.Source.HPO_LAY],
    ).exclude(descriptor_id="")
    for key, descriptor in rows.values_list("key", "descriptor_id"):
        found.setdefault(key, set()).add(descriptor)
    # A term shared by two concepts names neither for certain.
    return {key: ids.pop() for key, ids in found.items() if len(ids) == 1}


def _names(english_names: Iterable[str], glossary: dict[str, str]) -> dict[str, str]:
    """{English name: Chinese name}: staff's term, else HPO's label of the
    same English, else HPO's label of the MeSH concept; four queries at most."""
    keyed = {name: term_key(name) for name in english_names}
    keyed = {name: key for name, key in keyed.items() if key}
    names = {name: glossary[key] for name, key in keyed.items() if key in glossary}
    rest = [name for name in keyed if name not in names]
    if rest:
        by_english = _hpo_by_english(sorted({name.lower() for name in rest}))
        for name in rest:
            if name.lower() in by_english:
                names[name] = by_english[name.lower()]
    rest = [name for name in rest if name not in names]
    if rest:
        descriptors = _descriptors_of(sorted({keyed[name] for name in rest}))
        labels = _hpo_by_descriptor(sorted(set(descriptors.values())))
        for name in rest:
            label = labels.get(descriptors.get(keyed[name], ""))
            if label:
                names[name] = label
    return {name: chinese[:MAX_NAME] for name, chinese in names.items()}


def chinese_condition_names(english_names: Iterable[str]) -> dict[str, str]:
    """{English condition name: Chinese name} for those a source names."""
    english_names = list(english_names)
    if not english_names:
        return {}
    return lookup_safely(lambda: _names(english_names, _glossary()), {})


def condition_names_refresh(*, names: Iterable[str] | None = None) -> int:
    """Look up the Chinese name of these conditions (all when None) again;
    how many changed. In batches, writing only what changed."""
    glossary = lookup_safely(_glossary, None)
    if glossary is None:
        return 0
    conditions = Condition.objects.order_by("pk")
    if names is not None:
        conditions = conditions.filter(name__in=list(names))
    changed = 0
    batch: list[tuple[int, str, str]] = []

    def flush() -> int:
        found = _names((name for _pk, name, _old in batch), glossary)
        updates = [
            Condition(pk=pk, name_zh_hans=found.get(name, ""))
            for pk, name, old in batch
            if found.get(name, "") != old
        ]
        Condition.objects.bulk_update(updates, ["name_zh_hans"], batch_size=1000)
        # Their trials' pages show the new name: their stored parts are out
        # of date (trials/trial_pages.py).
        Trial.objects.filter(conditions__in=[c.pk for c in updates]).update(
            updated_at=timezone.now()
        )
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
