"""The importer keeps every contact a registry record lists, and re-imports keep them current."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest

from trials.contacts import is_placeholder
from trials.importers import import_studies
from trials.models import Site, Trial

pytestmark = pytest.mark.django_db

REGISTRY = Path(__file__).resolve().parent / "fixtures" / "registry"


def record(name: str) -> dict:
    return json.loads((REGISTRY / f"{name}.json").read_text())


def imported(*records: dict) -> None:
    data = json.dumps({"studies": list(records)}).encode()
    summary = import_studies(sources=[("records.json", io.BytesIO(data))])
    assert not summary.errors, summary.errors


def test_it_keeps_the_central_and_backup_contacts_and_the_officials():
    imported(record("central_and_backup"))
    trial = Trial.objects.get(nct_id="NCT09100001")
    assert trial.central_contact == {
        "name": "Example Trial Information Center",
        "role": "CONTACT",
        "phone": "+1 555 0100",
        "phone_ext": "204",
        "email": "central.sarcoma@example.org",
    }
    assert trial.backup_contact["email"] == "backup.sarcoma@example.org"
    assert [o["name"] for o in trial.overall_officials] == [
        "Mei Example, MD",
        "Example Clinical Lead",
    ]
    assert trial.overall_officials[0]["affiliation"] == "Example University Hospital"


def test_a_site_keeps_its_own_contacts_and_never_the_central_one():
    imported(record("central_and_backup"))
    hangzhou = Site.objects.get(trial__nct_id="NCT09100001", city="Hangzhou")
    assert hangzhou.contact_email == ""  # not the central contact's address
    assert hangzhou.contact_name == "Site Public Contact"
    assert hangzhou.contact_phone == "+86 571 5550 0101"
    jinan = Site.objects.get(trial__nct_id="NCT09100001", city="Jinan")
    assert jinan.contact_email == "wei.jinan@example.org"
    assert jinan.contact_phone == "+86 531 5550 0102 ext. 8"
    assert [c["name"] for c in jinan.contacts] == ["Wei Example", "Site 007-556-A"]
    assert jinan.contacts[1]["role"] == "BACKUP"


def test_placeholders_are_stored_as_listed_and_told_from_people():
    imported(record("central_and_backup"))
    sites = {site.city: site for site in Site.objects.filter(trial__nct_id="NCT09100001")}
    assert sites["Hangzhou"].contact_name == "Site Public Contact"
    assert not sites["Hangzhou"].contact_is_person
    assert not sites["Boston"].contact_is_person  # "Study Coordinator"
    assert sites["Jinan"].contact_is_person  # "Wei Example"
    assert is_placeholder("Site 007-556-A")
    assert not is_placeholder("Lin Example")


def test_it_keeps_addresses_whatever_their_provider():
    study = record("central_only")
    study["protocolSection"]["contactsLocationsModule"]["centralContacts"][0]["email"] = (
        "someone.trials@gmail.example"
    )
    imported(study)
    trial = Trial.objects.get(nct_id="NCT09100002")
    assert trial.central_contact["email"] == "someone.trials@gmail.example"


def test_a_record_without_contacts_stores_none():
    imported(record("no_contact"))
    trial = Trial.objects.get(nct_id="NCT09100005")
    assert trial.central_contacts == [] and trial.overall_officials == []
    site = trial.sites.get()
    assert (site.contact_name, site.contact_email, site.contact_phone, site.contacts) == (
        "",
        "",
        "",
        [],
    )


def test_seven_hundred_sites_keep_their_contacts():
    imported(record("seven_hundred_sites"))
    sites = Site.objects.filter(trial__nct_id="NCT09100006")
    assert sites.count() == 700
    assert sites.exclude(contact_email="").count() == 70
    assert sites.filter(contacts=[]).count() == 0


def test_a_reimport_keeps_contacts_current_and_is_idempotent():
    study = record("central_and_backup")
    imported(study)
    site_ids = set(Site.objects.values_list("pk", flat=True))
    imported(study)  # the same record: nothing changes
    assert set(Site.objects.values_list("pk", flat=True)) == site_ids

    changed = copy.deepcopy(study)
    module = changed["protocolSection"]["contactsLocationsModule"]
    module["centralContacts"] = module["centralContacts"][:1]
    module["centralContacts"][0]["email"] = "new.central@example.org"
    module["locations"][0]["contacts"][0]["email"] = "hangzhou.team@example.org"
    changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-11-01"
    imported(changed)
    trial = Trial.objects.get(nct_id="NCT09100001")
    assert trial.central_contact["email"] == "new.central@example.org"
    assert trial.backup_contact is None
    hangzhou = Site.objects.get(trial=trial, city="Hangzhou")
    assert hangzhou.contact_email == "hangzhou.team@example.org"
    assert set(Site.objects.values_list("pk", flat=True)) == site_ids
