"""The whole registry record, as a patient reads it on the trial page.

What ClinicalTrials.gov shows beyond the columns search needs: the study's
groups (arms) and the treatments each gets, what it measures (outcomes),
its key dates with whether each has happened, its enrolment, its
collaborators and its central contacts. Read from the record the importer
keeps word for word (Trial.source_record), never copied into columns: only
the trial page shows these, once per trial update and language (its cached
fragment), so list and card queries never read them.

The record was checked only for the fields the importer maps
(trials/importers/mapper.py); everything here is read defensively: a wrong
type is left out, never an error. Lists are bounded so that a record with
hundreds of outcomes still gives a page of bounded size; the rest is one
link away on ClinicalTrials.gov.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import re
from dataclasses import dataclass, field

from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext_lazy as _

from trials.contacts import (
    BACKUP_CONTACT,
    CENTRAL_CONTACT,
    is_placeholder,
    phone_with_extension,
)
from trials.models import Trial

# Beyond these, the page says how many more the registry lists.
MAX_ARMS = 20
MAX_INTERVENTIONS = 30
MAX_OUTCOMES = 30
MAX_COLLABORATORS = 20
MAX_CONTACTS = 4
# Outcomes shown before "show N more" (collapsed on every screen, so a phone
# scrolls past a long list in one tap).
OUTCOMES_OPEN = 5
ARMS_OPEN = 4
# Registry text longer than this is folded under its first words.
LONG_TEXT = 300
# The most registry text (characters, escaped) these sections show: with the
# rest of the page, within its 150 KB whatever the record holds.
TEXT_BUDGET = 60_000

DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")

ARM_TYPES = {
    "EXPERIMENTAL": _("Experimental"),
    "ACTIVE_COMPARATOR": _("Active comparator"),
    "PLACEBO_COMPARATOR": _("Placebo comparator"),
    "SHAM_COMPARATOR": _("Sham comparator"),
    "NO_INTERVENTION": _("No intervention"),
    "OTHER": _("Other"),
}
INTERVENTION_TYPES = {
    "BEHAVIORAL": _("Behavioural"),
    "BIOLOGICAL": _("Biological"),
    "COMBINATION_PRODUCT": _("Combination product"),
    "DEVICE": _("Device"),
    "DIAGNOSTIC_TEST": _("Diagnostic test"),
    "DIETARY_SUPPLEMENT": _("Dietary supplement"),
    "DRUG": _("Drug"),
    "GENETIC": _("Genetic"),
    "PROCEDURE": _("Procedure"),
    "RADIATION": _("Radiation"),
    "OTHER": _("Other"),
}
CONTACT_ROLES = {
    CENTRAL_CONTACT: _("Central contact"),
    BACKUP_CONTACT: _("Backup contact"),
}

# The parts of the record the page reads: (name, path under source_record).
PS = "protocolSection"
PARTS = {
    "arms": (PS, "armsInterventionsModule"),
    "outcomes": (PS, "outcomesModule"),
    "status": (PS, "statusModule"),
    "sponsors": (PS, "sponsorCollaboratorsModule"),
    "enrollment": (PS, "designModule", "enrollmentInfo"),
}


def _text(data, key: str) -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _objects(data, key: str) -> list[dict]:
    value = data.get(key) if isinstance(data, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _texts(data, key: str) -> list[str]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def _code_label(labels: dict, code: str) -> str:
    """The code's words in the page's language; an unknown code as the registry wrote it."""
    return str(labels[code]) if code in labels else code.replace("_", " ").capitalize()


@dataclass(frozen=True)
class RecordDate:
    """A registry date: a day or a month ("2025-06"), actual or estimated."""

    text: str  # the registry's own, shown when it is not a date
    day: datetime.date | None
    month_only: bool
    actual: bool | None  # None: the registry does not say

    @classmethod
    def of(cls, struct) -> RecordDate | None:
        text = _text(struct, "date")
        if not text:
            return None
        kind = _text(struct, "type").upper()
        actual = True if kind == "ACTUAL" else False if kind == "ESTIMATED" else None
        day, month_only = None, False
        if match := DATE_RE.match(text):
            year, month, day_of_month = match.groups()
            try:
                day = datetime.date(int(year), int(month), int(day_of_month or 1))
                month_only = day_of_month is None
            except ValueError:
                day = None
        return cls(text=text, day=day, month_only=month_only, actual=actual)

    @classmethod
    def from_column(cls, day: datetime.date | None) -> RecordDate | None:
        return None if day is None else cls(day.isoformat(), day, False, None)


@dataclass(frozen=True)
class Intervention:
    kind: str
    name: str
    description: str
    other_names: list[str]
    # Given in another group too, and described under the first.
    described_above: bool = False

    @property
    def kind_label(self) -> str:
        return _code_label(INTERVENTION_TYPES, self.kind) if self.kind else ""

    @property
    def description_is_long(self) -> bool:
        return len(self.description) > LONG_TEXT


@dataclass(frozen=True)
class Arm:
    label: str
    kind: str
    description: str
    interventions: list[Intervention]

    @property
    def kind_label(self) -> str:
        return _code_label(ARM_TYPES, self.kind) if self.kind else ""

    @property
    def description_is_long(self) -> bool:
        return len(self.description) > LONG_TEXT


@dataclass(frozen=True)
class Outcome:
    measure: str
    time_frame: str
    description: str


@dataclass(frozen=True)
class Outcomes:
    """One kind of outcome (primary, secondary, other): the first few open,
    the rest folded, and how many the page leaves to the registry."""

    shown: list[Outcome]
    total: int

    @property
    def open(self) -> list[Outcome]:
        return self.shown[:OUTCOMES_OPEN]

    @property
    def folded(self) -> list[Outcome]:
        return self.shown[OUTCOMES_OPEN:]

    @property
    def not_shown(self) -> int:
        return self.total - len(self.shown)

    def __bool__(self) -> bool:
        return self.total > 0


@dataclass(frozen=True)
class Enrollment:
    count: int
    actual: bool | None


@dataclass(frozen=True)
class CentralContact:
    name: str
    role: str
    phone: str
    email: str

    @property
    def name_is_person(self) -> bool:
        return bool(self.name) and not is_placeholder(self.name)

    @property
    def role_label(self) -> str:
        return _code_label(CONTACT_ROLES, self.role) if self.role else ""


@dataclass
class TrialRecord:
    arms: list[Arm] = field(default_factory=list)
    arms_total: int = 0
    # Interventions the registry ties to no listed group.
    other_interventions: list[Intervention] = field(default_factory=list)
    primary_outcomes: Outcomes = field(default_factory=lambda: Outcomes([], 0))
    secondary_outcomes: Outcomes = field(default_factory=lambda: Outcomes([], 0))
    other_outcomes: Outcomes = field(default_factory=lambda: Outcomes([], 0))
    start: RecordDate | None = None
    primary_completion: RecordDate | None = None
    completion: RecordDate | None = None
    enrollment: Enrollment | None = None
    sponsor: str = ""
    collaborators: list[str] = field(default_factory=list)
    collaborators_total: int = 0
    central_contacts: list[CentralContact] = field(default_factory=list)
    # Some of the registry's text is left out to keep the page short.
    shortened: bool = False

    @property
    def arms_open(self) -> list[Arm]:
        return self.arms[:ARMS_OPEN]

    @property
    def arms_folded(self) -> list[Arm]:
        return self.arms[ARMS_OPEN:]

    @property
    def arms_not_shown(self) -> int:
        return self.arms_total - len(self.arms)

    @property
    def collaborators_not_shown(self) -> int:
        return self.collaborators_total - len(self.collaborators)

    @property
    def has_outcomes(self) -> bool:
        return bool(self.primary_outcomes or self.secondary_outcomes or self.other_outcomes)


def record_parts(trial: Trial) -> dict:
    """The parts of the stored record the page reads. A trial read without its
    record (pages defer it: it holds every site, 2,000 on some) gets only
    these parts, in one query, never the whole record."""
    if "source_record" not in trial.get_deferred_fields():
        record = trial.source_record if isinstance(trial.source_record, dict) else {}
        parts = {}
        for name, path in PARTS.items():
            value = record
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            parts[name] = value
        return parts
    transforms = {}
    for name, path in PARTS.items():
        expression = "source_record"
        for key in path:
            expression = KeyTransform(key, expression)
        # Named apart from the model's own fields ("enrollment").
        transforms[f"record_{name}"] = expression
    row = Trial.objects.filter(pk=trial.pk).values(**transforms).first() or {}
    return {name: row.get(f"record_{name}") for name in PARTS}


def trial_record(trial: Trial) -> TrialRecord:
    """What the trial page shows of the registry record; the trial's own
    columns where the record is silent (a trial staff entered by hand)."""
    parts = record_parts(trial)
    arms_module, outcomes_module = parts.get("arms"), parts.get("outcomes")
    status, sponsors = parts.get("status"), parts.get("sponsors")
    record = TrialRecord()

    budget = _Budget(TEXT_BUDGET)
    record.arms, record.arms_total, record.other_interventions = _arms(arms_module, budget)
    for name, key in (
        ("primary_outcomes", "primaryOutcomes"),
        ("secondary_outcomes", "secondaryOutcomes"),
        ("other_outcomes", "otherOutcomes"),
    ):
        setattr(record, name, _outcomes(_objects(outcomes_module, key), budget))
    record.shortened = budget.short

    record.start = RecordDate.of(
        status.get("startDateStruct") if isinstance(status, dict) else None
    ) or RecordDate.from_column(trial.start_date)
    if isinstance(status, dict):
        record.primary_completion = RecordDate.of(status.get("primaryCompletionDateStruct"))
        record.completion = RecordDate.of(status.get("completionDateStruct"))

    enrollment = parts.get("enrollment")
    count = enrollment.get("count") if isinstance(enrollment, dict) else None
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        kind = _text(enrollment, "type").upper()
        actual = True if kind == "ACTUAL" else False if kind == "ESTIMATED" else None
        record.enrollment = Enrollment(count, actual)
    elif trial.enrollment is not None:
        record.enrollment = Enrollment(trial.enrollment, None)

    lead = sponsors.get("leadSponsor") if isinstance(sponsors, dict) else None
    record.sponsor = _text(lead, "name") or trial.lead_sponsor
    collaborators = [_text(item, "name") for item in _objects(sponsors, "collaborators")]
    collaborators = [name for name in collaborators if name]
    record.collaborators_total = len(collaborators)
    record.collaborators = collaborators[:MAX_COLLABORATORS]

    record.central_contacts = [
        CentralContact(
            name=str(contact.get("name") or ""),
            role=str(contact.get("role") or ""),
            phone=phone_with_extension(contact),
            email=str(contact.get("email") or ""),
        )
        for contact in (trial.central_contacts or [])[:MAX_CONTACTS]
        if isinstance(contact, dict)
    ]
    return record


class _Budget:
    """How much registry text the page still has room for, in characters as
    escaped in HTML ("<" takes four): what bounds the page's size whatever
    the record holds. Texts that do not fit are left to the registry."""

    def __init__(self, size: int) -> None:
        self.left, self.short = size, False

    def take(self, *texts: str) -> bool:
        cost = sum(len(html.escape(text)) for text in texts)
        if cost > self.left:
            self.short = True
            return False
        self.left -= cost
        return True


def _arms(module, budget: _Budget) -> tuple[list[Arm], int, list[Intervention]]:
    """The groups with the treatments each gets (an intervention described at
    its first group only), how many groups the record lists, and the
    treatments it ties to none of those shown."""
    interventions = []
    for item in _objects(module, "interventions")[:MAX_INTERVENTIONS]:
        intervention = Intervention(
            kind=_text(item, "type"),
            name=_text(item, "name")[:300],
            description=_text(item, "description"),
            other_names=[name[:200] for name in _texts(item, "otherNames")[:10]],
        )
        if not budget.take(intervention.name, *intervention.other_names):
            break
        if not budget.take(intervention.description):
            intervention = dataclasses.replace(intervention, description="")
        interventions.append((intervention, _texts(item, "armGroupLabels")))
    arm_items = _objects(module, "armGroups")
    arms: list[Arm] = []
    placed: set[int] = set()
    for item in arm_items[:MAX_ARMS]:
        label, description = _text(item, "label")[:300], _text(item, "description")
        if not budget.take(label, description):
            break
        # The registry ties both ways: an intervention names its groups, a
        # group names its interventions as "Drug: Name".
        named = {name.partition(": ")[2] or name for name in _texts(item, "interventionNames")}
        given = []
        for index, (intervention, groups) in enumerate(interventions):
            if (label and label in groups) or intervention.name in named:
                if index in placed:
                    intervention = dataclasses.replace(
                        intervention, description="", described_above=bool(intervention.description)
                    )
                given.append(intervention)
                placed.add(index)
        arms.append(
            Arm(label=label, kind=_text(item, "type"), description=description, interventions=given)
        )
    others = [item for index, (item, _groups) in enumerate(interventions) if index not in placed]
    return arms, len(arm_items), others


def _outcomes(items: list[dict], budget: _Budget) -> Outcomes:
    shown = []
    for item in items[:MAX_OUTCOMES]:
        outcome = Outcome(
            measure=_text(item, "measure")[:500],
            time_frame=_text(item, "timeFrame")[:500],
            description=_text(item, "description"),
        )
        if not outcome.measure:
            continue
        if not budget.take(outcome.measure, outcome.time_frame):
            break
        if not budget.take(outcome.description):
            outcome = dataclasses.replace(outcome, description="")
        shown.append(outcome)
    return Outcomes(shown, len(items))
