"""Map one ClinicalTrials.gov API v2 study record to Trial, Site and Condition values.

The mapper checks every field it reads: a wrong type or an unknown registry
code raises InvalidRecord naming the field's path (for example
``protocolSection.eligibilityModule.minimumAge``), so the importer can report
that record and go on. Text longer than its column is cut to fit.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field

from django.utils.text import slugify

from trials.contacts import phone_with_extension
from trials.models import (
    Allocation,
    Language,
    Phase,
    RecruitmentStatus,
    Sex,
    Site,
    StudyType,
    Trial,
    age_in_days,
)
from trials.models.trials import NCT_ID_RE

# The project's own key at the study root (see data/ and the README's import section).
EXTENSION_KEY = "trialfinderExtension"
AGE_RE = re.compile(r"^\s*(\d+)\s+(year|month|week|day|hour|minute)s?\s*$", re.IGNORECASE)
DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
PS = "protocolSection"
# Looked up for every field of every record: Choices.values builds a new list each time.
CODES = {
    choices: frozenset(choices.values)
    for choices in (Allocation, Language, Phase, RecruitmentStatus, Sex, StudyType)
}


NOTHING: dict = {}  # an absent object, read as empty (never written to)


class InvalidRecord(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class MappedStudy:
    """What one record becomes: Trial field values, condition names and sites."""

    nct_id: str
    trial: dict
    conditions: list[str] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    record: dict = field(default_factory=dict)


def _kind(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "an object", list: "a list", str: "text", type(None): "null"}.get(
        type(value), type(value).__name__
    )


class _Fields:
    """Typed reads from one object of the record, naming the path on error.

    The path ("protocolSection.contactsLocationsModule.locations[3]") is
    only spelled out for an error: a study has a few dozen objects and
    hardly ever a wrong one.
    """

    __slots__ = ("data", "_parent", "_key", "_path")

    def __init__(self, data, path: str = "", parent: _Fields | None = None, key=None) -> None:
        self._parent, self._key, self._path = parent, key, None if parent else path
        if not isinstance(data, dict):
            raise InvalidRecord(self.path, f"expected an object, got {_kind(data)}")
        self.data = data

    @property
    def path(self) -> str:
        if self._path is None:
            key = self._key
            self._path = self._parent.at(key if isinstance(key, str) else "{}[{}]".format(*key))
        return self._path

    def at(self, key: str) -> str:
        path = self.path
        return f"{path}.{key}" if path else key

    def obj(self, key: str) -> _Fields:
        value = self.data.get(key)
        return _Fields(NOTHING if value is None else value, parent=self, key=key)

    def text(self, key: str, max_length: int | None = None) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise InvalidRecord(self.at(key), f"expected text, got {_kind(value)}")
        value = value.replace("\x00", "").strip()
        return value[:max_length] if max_length else value

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidRecord(self.at(key), f"expected a number, got {_kind(value)}")
        return float(value)

    def count(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidRecord(self.at(key), f"expected a whole number, got {value!r}")
        return value

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, bool):
            raise InvalidRecord(self.at(key), f"expected true or false, got {_kind(value)}")
        return value

    def texts(self, key: str, max_length: int | None = None) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidRecord(self.at(key), f"expected a list of text, got {_kind(value)}")
        items = (item.replace("\x00", "").strip()[:max_length] for item in value)
        return list(dict.fromkeys(item for item in items if item))

    def objects(self, key: str) -> list[_Fields]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise InvalidRecord(self.at(key), f"expected a list, got {_kind(value)}")
        return [_Fields(item, parent=self, key=(key, index)) for index, item in enumerate(value)]

    def code(self, key: str, choices, default: str = "") -> str:
        value = self.text(key)
        if not value:
            return default
        if value not in CODES[choices]:
            raise InvalidRecord(self.at(key), f"unknown code “{value}”")
        return value

    def age(self, key: str) -> int | None:
        value = self.text(key)
        if not value or value.upper() == "N/A":
            return None
        match = AGE_RE.match(value)
        if not match:
            raise InvalidRecord(self.at(key), f"“{value}” is not an age like “18 Years”")
        return age_in_days(int(match.group(1)), match.group(2))

    def date(self, key: str) -> datetime.date | None:
        """ "2025-10-15", or "2025-06" (month precision) as its first day."""
        value = self.text(key)
        if not value:
            return None
        match = DATE_RE.match(value)
        try:
            if not match:
                raise ValueError
            year, month, day = match.groups()
            return datetime.date(int(year), int(month), int(day or 1))
        except ValueError:
            raise InvalidRecord(self.at(key), f"“{value}” is not a date like 2025-10-15") from None


def _not_future(obj: _Fields, key: str) -> datetime.date | None:
    """A registry update date, refused when it is after tomorrow: the
    registry posts no update ahead of time, so such a record is damaged."""
    day = obj.date(key)
    if day is not None and day > datetime.date.today() + datetime.timedelta(days=1):
        raise InvalidRecord(obj.at(key), f"“{day.isoformat()}” is in the future")
    return day


@functools.cache
def _max(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def study_map(record: dict) -> MappedStudy:
    """The Trial, Site and Condition values of one API v2 study record."""
    root = _Fields(record, "")
    if PS not in record:
        raise InvalidRecord(PS, "missing: not a ClinicalTrials.gov study record")
    section = _Fields(record[PS], PS)
    ident = section.obj("identificationModule")
    nct_id = ident.text("nctId")
    if not nct_id:
        raise InvalidRecord(ident.at("nctId"), "missing NCT number")
    if not re.match(NCT_ID_RE, nct_id):
        raise InvalidRecord(ident.at("nctId"), f"“{nct_id}” is not an NCT number (NCT + 8 digits)")
    title = ident.text("briefTitle", _max(Trial, "brief_title")) or ident.text(
        "officialTitle", _max(Trial, "brief_title")
    )
    if not title:
        raise InvalidRecord(ident.at("briefTitle"), "missing title")

    status = section.obj("statusModule")
    sponsor = section.obj("sponsorCollaboratorsModule").obj("leadSponsor")
    described = section.obj("descriptionModule")
    conditions = section.obj("conditionsModule")
    design = section.obj("designModule")
    eligibility = section.obj("eligibilityModule")
    phases = design.texts("phases")
    for index, phase in enumerate(phases):
        if phase not in CODES[Phase]:
            raise InvalidRecord(f"{design.at('phases')}[{index}]", f"unknown code “{phase}”")
    trial = {
        "nct_id": nct_id,
        "slug": slugify(title)[: _max(Trial, "slug")].strip("-"),
        "brief_title": title,
        "official_title": ident.text("officialTitle"),
        "overall_status": status.code("overallStatus", RecruitmentStatus, "UNKNOWN"),
        "phases": phases,
        "study_type": design.code("studyType", StudyType),
        "minimum_age_days": eligibility.age("minimumAge"),
        "maximum_age_days": eligibility.age("maximumAge"),
        "sex": eligibility.code("sex", Sex, Sex.ALL),
        "healthy_volunteers": bool(eligibility.flag("healthyVolunteers")),
        "overview": described.text("briefSummary"),
        "description": described.text("detailedDescription"),
        "eligibility_criteria": eligibility.text("eligibilityCriteria"),
        "keywords": conditions.texts("keywords"),
        "lead_sponsor": sponsor.text("name", _max(Trial, "lead_sponsor")),
        "enrollment": design.obj("enrollmentInfo").count("count"),
        "allocation": design.obj("designInfo").code("allocation", Allocation),
        "start_date": status.obj("startDateStruct").date("date"),
        "last_updated": _not_future(status.obj("lastUpdatePostDateStruct"), "date"),
        "concepts": _concepts(root.obj("derivedSection")),
        "central_contacts": _contacts(
            section.obj("contactsLocationsModule").objects("centralContacts")
        ),
        "overall_officials": _officials(
            section.obj("contactsLocationsModule").objects("overallOfficials")
        ),
    }
    return MappedStudy(
        nct_id=nct_id,
        trial=trial,
        conditions=conditions.texts("conditions", 300),
        sites=_sites(section.obj("contactsLocationsModule"), _site_languages(root)),
        record=record,
    )


def _concepts(derived: _Fields) -> str:
    """The registry's MeSH terms for the conditions and interventions, their
    ancestors and the browse leaves it found relevant, one per line: what
    lets a broader word ("cancer" → Neoplasms) find a narrower condition."""
    terms: list[str] = []
    for module in ("conditionBrowseModule", "interventionBrowseModule"):
        browse = derived.obj(module)
        for key in ("meshes", "ancestors"):
            terms += [mesh.text("term", 200) for mesh in browse.objects(key)]
        terms += [
            leaf.text("name", 200)
            for leaf in browse.objects("browseLeaves")
            if leaf.text("relevance") == "HIGH"
        ]
    return "\n".join(dict.fromkeys(term for term in terms if term))


def _site_languages(root: _Fields) -> dict[str, list[str]]:
    extension = root.obj(EXTENSION_KEY).obj("siteLanguages")
    languages = {}
    for facility in extension.data:
        codes = extension.texts(facility)
        for code in codes:
            if code not in CODES[Language]:
                raise InvalidRecord(extension.at(facility), f"unknown language code “{code}”")
        languages[facility] = codes
    return languages


# A registry contact's keys as we keep them: (our key, the record's key, longest kept).
CONTACT_KEYS = (
    ("name", "name", 200),
    ("role", "role", 40),
    ("phone", "phone", 60),
    ("phone_ext", "phoneExt", 20),
    ("email", "email", 254),
)
OFFICIAL_KEYS = (("name", "name", 200), ("affiliation", "affiliation", 300), ("role", "role", 40))


def _listed(items: list[_Fields], keys: tuple, needs: tuple[str, ...]) -> list[dict]:
    """Every contact listed, word for word (placeholders too: see trials/contacts.py),
    whatever the address's provider; entries with none of `needs` are left out."""
    listed = []
    for item in items:
        values = {ours: item.text(theirs, longest) for ours, theirs, longest in keys}
        if any(values[key] for key in needs):
            listed.append(values)
    return listed


def _contacts(contacts: list[_Fields]) -> list[dict]:
    return _listed(contacts, CONTACT_KEYS, needs=("name", "phone", "email"))


def _officials(officials: list[_Fields]) -> list[dict]:
    return _listed(officials, OFFICIAL_KEYS, needs=("name", "affiliation"))


def _site_contact(contacts: list[dict]) -> dict:
    """The site's own contact that messages go to: the first with an email
    address, else the first listed. Never the trial's central contact: the
    referral chain (trials/recipients.py) tells the two apart."""
    chosen = next((c for c in contacts if c["email"]), contacts[0] if contacts else None)
    if chosen is None:
        return {"contact_name": "", "contact_email": "", "contact_phone": ""}
    return {
        "contact_name": chosen["name"][: _max(Site, "contact_name")],
        "contact_email": chosen["email"][: _max(Site, "contact_email")],
        "contact_phone": phone_with_extension(chosen)[: _max(Site, "contact_phone")],
    }


def _sites(module: _Fields, languages: dict[str, list[str]]) -> list[dict]:
    sites = []
    for index, location in enumerate(module.objects("locations")):
        facility = location.text("facility")
        point = location.obj("geoPoint")
        latitude, longitude = point.number("lat"), point.number("lon")
        if latitude is not None and not -90 <= latitude <= 90:
            raise InvalidRecord(point.at("lat"), f"latitude {latitude} is out of range")
        if longitude is not None and not -180 <= longitude <= 180:
            raise InvalidRecord(point.at("lon"), f"longitude {longitude} is out of range")
        contacts = _contacts(location.objects("contacts"))
        city = location.text("city", _max(Site, "city"))
        sites.append(
            {
                "facility": facility[: _max(Site, "facility")] or city,
                "address": "",
                "city": city,
                "state": location.text("state", _max(Site, "state")),
                "postal_code": location.text("zip", _max(Site, "postal_code")),
                "country": location.text("country", _max(Site, "country")),
                "latitude": latitude,
                "longitude": longitude,
                "status": location.code("status", RecruitmentStatus, "UNKNOWN"),
                "languages": languages.get(facility, []),
                # The first location is the study's primary contact.
                "is_primary_contact": index == 0,
                "contacts": contacts,
                **_site_contact(contacts),
            }
        )
    return sites
