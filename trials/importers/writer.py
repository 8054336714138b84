"""Write batches of mapped studies: one transaction each, bulk statements only.

New trials are created, changed ones updated, a study whose last-update date
and record are both unchanged is skipped. Sites are matched to the stored
ones (inquiries point at them, so their ids stay) and condition links are
written only where they differ. On PostgreSQL rows go in by COPY, and the
search columns of migration 0003 follow by its triggers.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from typing import NamedTuple

from django.db import DataError, IntegrityError, connection, reset_queries, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trials.condition_names import chinese_condition_names
from trials.lexicon import search_words_adjust, search_words_counted
from trials.models import Condition, RecruitmentStatus, Site, Trial

from .mapper import MappedStudy
from .rows import copy_links, copy_sites, copy_trials, copy_update
from .summary import ImportSummary

MAX_CONDITIONS_CACHED = 200_000
TRIAL_FIELDS = [
    "slug", "brief_title", "official_title", "overall_status", "phases", "study_type",
    "minimum_age_days", "maximum_age_days", "sex", "healthy_volunteers", "overview",
    "description", "eligibility_criteria", "keywords", "lead_sponsor", "enrollment",
    "allocation", "start_date", "last_updated", "source_record", "listed_at", "updated_at",
    "concepts", "central_contacts", "overall_officials",
]  # fmt: skip
SITE_FIELDS = [
    "facility", "address", "city", "state", "postal_code", "country", "latitude", "longitude",
    "status", "contact_name", "contact_email", "contact_phone", "languages", "is_primary_contact",
    "contacts", "recruiting_since",
]  # fmt: skip


class Entry(NamedTuple):
    source: str
    position: str
    study: MappedStudy


class BatchWriter:
    """Writes batches on this thread's database connection; keeps a condition cache."""

    def __init__(self) -> None:
        self.condition_ids: dict[str, int] = {}

    def write(self, entries: list[Entry]) -> ImportSummary:
        """The batch's counts and the records the database refused."""
        result = ImportSummary()
        if not entries:
            return result
        if not connection.in_atomic_block:
            # New condition names are committed first, each INSERT on its
            # own: inside the batch's transaction, a name two parallel writers
            # both bring would hold one of them until the other committed.
            self._condition_ids({name for entry in entries for name in entry.study.conditions})
        try:
            with transaction.atomic():
                _relax_commit()
                counts = self._write(entries)
        except (DataError, IntegrityError):
            # One bad row fails the whole batch: write them one by one to find it.
            self.condition_ids.clear()
            counts = [0, 0, 0]
            for entry in entries:
                try:
                    with transaction.atomic():
                        one = self._write([entry])
                except (DataError, IntegrityError) as exc:
                    self.condition_ids.clear()
                    message = _("could not be saved: %(error)s") % {"error": str(exc).strip()}
                    result.fail(entry.source, entry.position, "", message)
                    continue
                counts = [a + b for a, b in zip(counts, one, strict=True)]
        result.created, result.updated, result.unchanged = counts
        # Under DEBUG every query is logged; a long import must not pile them up.
        reset_queries()
        return result

    def _write(self, entries: list[Entry]) -> list[int]:
        studies = [entry.study for entry in entries]
        known = {
            row[0]: row
            for row in Trial.objects.filter(nct_id__in=[s.nct_id for s in studies]).values_list(
                "nct_id", "pk", "last_updated", "published", "overall_status", "listed_at"
            )
        }
        same_date = [
            s.nct_id
            for s in studies
            if s.nct_id in known and known[s.nct_id][2] == s.trial["last_updated"]
        ]
        stored = dict(
            Trial.objects.filter(nct_id__in=same_date).values_list("nct_id", "source_record")
            if same_date
            else []
        )
        now = timezone.now()
        new: list[Trial] = []
        changed: list[Trial] = []
        unchanged = 0
        for study in studies:
            row = known.get(study.nct_id)
            if row and study.nct_id in stored and stored[study.nct_id] == study.record:
                unchanged += 1
                continue
            trial = Trial(**study.trial, source_record=study.record)
            if row is None:
                trial.note_listing(was_open=False)
                new.append(trial)
                continue
            _, trial.pk, _, trial.published, old_status, trial.listed_at = row
            trial.updated_at = now
            trial.note_listing(
                was_open=trial.published and old_status == RecruitmentStatus.RECRUITING
            )
            changed.append(trial)
        by_id = {study.nct_id: study for study in studies}
        # The lexicon follows the batch in its own transaction: the words of
        # the changed trials before, of all the batch's trials after.
        lexicon = connection.vendor == "postgresql"
        words_before = search_words_counted([t.pk for t in changed]) if lexicon else None
        if new:
            self._insert(new, by_id)
        if changed:
            _update(Trial, changed, TRIAL_FIELDS)
            self._write_conditions(changed, by_id, replace=True)
        self._write_sites(new + changed, by_id, replace=[t.pk for t in changed])
        if lexicon and (new or changed):
            words_after = search_words_counted([t.pk for t in new + changed])
            search_words_adjust(before=words_before, after=words_after)
        return [len(new), len(changed), unchanged]

    def _insert(self, trials: list[Trial], by_id: dict[str, MappedStudy]) -> None:
        if connection.vendor != "postgresql":
            Trial.objects.bulk_create(trials)
            self._write_conditions(trials, by_id, replace=False)
            return
        # PostgreSQL computes a trial's search vector in a trigger, and again
        # whenever its condition links change. Linking first (the foreign key
        # is deferred) and copying the trials with their condition names in
        # place computes it once: that text search is most of an import's time.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Trial._meta.db_table, len(trials)],
            )
            for trial, (pk,) in zip(trials, cursor.fetchall(), strict=True):
                trial.pk = pk
        self._write_conditions(trials, by_id, replace=False)
        copy_trials(trials, by_id)

    def _write_conditions(
        self, trials: list[Trial], by_id: dict[str, MappedStudy], replace: bool
    ) -> None:
        names = {name for trial in trials for name in by_id[trial.nct_id].conditions}
        ids = self._condition_ids(names)
        Link = Trial.conditions.through
        wanted = {(t.pk, ids[name]) for t in trials for name in by_id[t.nct_id].conditions}
        links = (
            Link.objects.filter(trial_id__in=[t.pk for t in trials]).values_list(
                "pk", "trial_id", "condition_id"
            )
            if replace
            else []
        )
        have = {(trial, condition): pk for pk, trial, condition in links}
        # Only the links that differ: each write re-runs the search triggers.
        gone = [pk for pair, pk in have.items() if pair not in wanted]
        if gone:
            Link.objects.filter(pk__in=gone).delete()
        added = sorted(wanted - have.keys())
        if added and connection.vendor == "postgresql":
            copy_links(added)
        elif added:
            Link.objects.bulk_create([Link(trial_id=t, condition_id=c) for t, c in added])

    def _condition_ids(self, names: set[str]) -> dict[str, int]:
        ids = {name: self.condition_ids[name] for name in names if name in self.condition_ids}
        missing = names - ids.keys()
        if missing:
            found = dict(Condition.objects.filter(name__in=missing).values_list("name", "pk"))
            new_names = missing - found.keys()
            if new_names:
                Condition.objects.bulk_create(_new_conditions(new_names), ignore_conflicts=True)
                found.update(Condition.objects.filter(name__in=new_names).values_list("name", "pk"))
                for name in new_names - found.keys():  # another import took its slug meanwhile
                    condition, _ = Condition.objects.get_or_create(
                        name=name,
                        defaults={
                            "slug": f"{Condition.slug_for(name)[:280]}-{zlib.crc32(name.encode())}"
                        },
                    )
                    found[name] = condition.pk
            if len(self.condition_ids) > MAX_CONDITIONS_CACHED:
                self.condition_ids.clear()
            self.condition_ids.update(found)
            ids.update(found)
        return ids

    def _write_sites(
        self, trials: list[Trial], by_id: dict[str, MappedStudy], replace: list[int]
    ) -> None:
        # Keep a stored site that the record still lists: inquiries, study
        # teams' accounts and staff's Chinese names point at it, so its id
        # stays, also when the registry renames its facility or corrects its
        # place (see _match_sites).
        stored: dict[int, list[Site]] = defaultdict(list)
        for site in Site.objects.filter(trial_id__in=replace).order_by("pk") if replace else []:
            stored[site.trial_id].append(site)
        new, kept = [], []
        now = timezone.now()
        for trial in trials:
            records = by_id[trial.nct_id].sites
            matched = _match_sites(stored.get(trial.pk, []), records)
            for index, values in enumerate(records):
                site = matched.get(index)
                if site is None:
                    opens = values["status"] == RecruitmentStatus.RECRUITING
                    new.append(
                        {"trial_id": trial.pk, **values, "recruiting_since": now if opens else None}
                    )
                    continue
                was_recruiting = site.is_recruiting
                for name, value in values.items():
                    setattr(site, name, value)
                # A site that starts recruiting reaches subscribers near it.
                site.note_opening(was_recruiting=was_recruiting)
                kept.append(site)
        if kept:
            _update(Site, kept, SITE_FIELDS)
        kept_ids = {site.pk for site in kept}
        gone = [site.pk for sites in stored.values() for site in sites if site.pk not in kept_ids]
        if gone:
            Site.objects.filter(pk__in=gone, inquiries__isnull=True).delete()
            # A site patients have written to stays, no longer shown as recruiting.
            Site.objects.filter(pk__in=gone).update(
                status=RecruitmentStatus.UNKNOWN, is_primary_contact=False
            )
        if new:
            _create_sites(new)


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


# How a record's site is found among a trial's stored ones, in turn: the same
# facility and place; then, among those left, the same facility in its
# country (the registry corrected the city or state); then, in the same city,
# a facility whose name is the stored one's renamed ("… Hospital" → "…
# Hospital and Institute": most words shared). A match counts only where it is
# the one candidate on each side: a different hospital that replaced one in
# the same city is a new site, never given the old one's team and messages.
def _same_place(values: dict) -> tuple:
    return (values["facility"], values["city"], values["state"], values["country"])


def _same_facility(values: dict) -> tuple:
    return (_folded(values["facility"]), values["country"])


def _same_city(values: dict) -> tuple | None:
    return (_folded(values["city"]), values["country"]) if values["city"] else None


SITE_KEY_FIELDS = ("facility", "city", "state", "country")


def _renamed(old: str, new: str) -> bool:
    """Most words of the shorter name are in the longer one."""
    a, b = set(_folded(old).split()), set(_folded(new).split())
    return bool(a and b) and len(a & b) >= max(2, (min(len(a), len(b)) + 1) // 2 + 1)


def _match_sites(stored: list[Site], records: list[dict]) -> dict[int, Site]:
    """Which stored site each record (by its index) is, where one is."""
    matched: dict[int, Site] = {}
    left = {site.pk: site for site in stored}
    for number, key_of in enumerate((_same_place, _same_facility, _same_city)):
        if not left:
            break
        by_key: dict = defaultdict(list)
        for site in left.values():
            key = key_of({name: getattr(site, name) for name in SITE_KEY_FIELDS})
            if key is not None:
                by_key[key].append(site)
        wanted: dict = defaultdict(list)
        for index, values in enumerate(records):
            if index not in matched and (key := key_of(values)) is not None:
                wanted[key].append(index)
        for key, indexes in wanted.items():
            sites = by_key.get(key, [])
            if number == 0:  # the same site listed twice keeps both, in order
                pairs = list(zip(indexes, sites, strict=False))
            elif number == 1:
                pairs = [(indexes[0], sites[0])] if len(indexes) == len(sites) == 1 else []
            else:
                pairs = _renamed_pairs(indexes, sites, records)
            for index, site in pairs:
                matched[index] = site
                del left[site.pk]
    return matched


def _renamed_pairs(indexes: list[int], sites: list[Site], records: list[dict]):
    """In one city: each record and stored site that are the other's only rename."""
    for index in indexes:
        candidates = [site for site in sites if _renamed(site.facility, records[index]["facility"])]
        if len(candidates) != 1:
            continue
        site = candidates[0]
        rivals = [i for i in indexes if _renamed(site.facility, records[i]["facility"])]
        if rivals == [index]:
            yield index, site


def _relax_commit() -> None:
    """Don't wait for each batch's commit to reach the disk.

    A crash can lose the last batches, never corrupt them; the import is
    idempotent, so running it again finishes the job.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _update(model, objects: list, names: list[str]) -> None:
    """Save these fields of existing rows (on PostgreSQL: rows.copy_update)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, names, batch_size=100)
        return
    copy_update(model, objects, names)


def _create_sites(sites: list[dict]) -> None:
    if connection.vendor != "postgresql":
        Site.objects.bulk_create([Site(**values) for values in sites])
        return
    copy_sites(sites, SITE_FIELDS)


def _new_conditions(names: set[str]) -> list[Condition]:
    """Conditions for new names, each with a free slug ("covid-19", "covid-19-2")."""
    slugs = {name: Condition.slug_for(name)[:290] for name in names}
    chinese = chinese_condition_names(names)
    taken = set(Condition.objects.filter(slug__in=slugs.values()).values_list("slug", flat=True))
    for base in {slug for slug in slugs.values() if slug in taken}:
        taken.update(
            Condition.objects.filter(slug__startswith=f"{base}-").values_list("slug", flat=True)
        )
    conditions = []
    for name in sorted(names):
        slug, number = slugs[name], 1
        while slug in taken:
            number += 1
            slug = f"{slugs[name]}-{number}"
        taken.add(slug)
        conditions.append(Condition(name=name, slug=slug, name_zh_hans=chinese.get(name, "")))
    return conditions
