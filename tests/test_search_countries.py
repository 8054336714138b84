"""The country and condition filters: any case typed, sites changed in the
admin or by an import found at once; on PostgreSQL through the trial's own
site_countries (migration 0015), written only when the countries change."""

import pytest
from django.conf import settings
from django.db import connection

from tests.admin_forms import form_data
from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.test_importer import ndjson, run, study
from trials.models import Condition, Site, Trial
from trials.search import Criteria, _narrowed, trials_search

pytestmark = pytest.mark.django_db

TRIALS = "/" + settings.ADMIN_URL + "trials/trial/"
SITES = "/" + settings.ADMIN_URL + "trials/site/"


def titles(criteria: Criteria) -> list[str]:
    return sorted(trial.brief_title for trial in trials_search(criteria=criteria).trials)


def in_country(country: str) -> list[str]:
    return titles(Criteria(country=country))


def trial_writes() -> int:
    """Trial rows updated so far in this test's transaction (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_tuples_updated('trials_trial'::regclass)")
        return cursor.fetchone()[0]


def site_countries(trial: Trial) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT site_countries FROM trials_trial WHERE id = %s", [trial.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "x")
    client.force_login(user)
    return user


def test_it_finds_trials_with_a_site_in_the_country_whatever_the_case_typed():
    radiotherapy = TrialFactory(brief_title="Radiotherapy")
    SiteFactory(trial=radiotherapy, country="China")
    SiteFactory(trial=radiotherapy, country="CHINA")
    SiteFactory(trial=radiotherapy, country="Côte d'Ivoire")
    surgery = TrialFactory(brief_title="Surgery")
    SiteFactory(trial=surgery, country="United States")
    SiteFactory(trial=surgery, country="")
    TrialFactory(brief_title="No sites")
    for typed in ("China", "china", "CHINA", "cHiNa"):
        assert in_country(typed) == ["Radiotherapy"]
    assert in_country("côte d'ivoire") == ["Radiotherapy"]
    assert in_country("united states") == ["Surgery"]
    assert in_country("France") == []
    assert in_country("Chin") == []
    both = Criteria(country="china", status="all", q="")
    assert trials_search(criteria=both).count == 1


def test_it_finds_a_trial_at_once_when_staff_add_a_site_in_a_new_country(client, staff):
    trial = TrialFactory(brief_title="Radiotherapy", phases=["PHASE2"])
    SiteFactory(trial=trial, country="China")
    # The trial's page links to its sites; a site is added on its own page.
    url = f"{SITES}add/?trial={trial.pk}"
    data = form_data(client.get(url))
    assert data["trial"] == [str(trial.pk)]
    data.update(
        {
            "facility": ["Hôpital Saint-Louis"],
            "city": ["Paris"],
            "country": ["France"],
            "status": ["RECRUITING"],
            "email_language": ["en"],
        }
    )
    assert in_country("france") == []
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert trial.sites.count() == 2
    assert in_country("france") == ["Radiotherapy"]
    assert in_country("China") == ["Radiotherapy"]


def test_it_finds_a_trial_at_once_when_an_import_adds_a_site_in_a_new_country():
    run(("a.jsonl", ndjson(study("NCT00000001"))))
    assert in_country("china") == ["Radiotherapy for Sarcoma (NCT00000001)"]
    assert in_country("United States") == ["Radiotherapy for Sarcoma (NCT00000001)"]
    assert in_country("Japan") == []
    changed = study(**{"statusModule.lastUpdatePostDateStruct": {"date": "2025-11-01"}})
    locations = changed["protocolSection"]["contactsLocationsModule"]["locations"]
    locations.append({"facility": "Tokyo Hospital", "city": "Tokyo", "country": "Japan"})
    run(("b.jsonl", ndjson(changed)))
    assert in_country("japan") == ["Radiotherapy for Sarcoma (NCT00000001)"]


def test_it_no_longer_finds_a_trial_once_its_last_site_in_the_country_is_gone():
    trial = TrialFactory(brief_title="Radiotherapy")
    other = TrialFactory(brief_title="Surgery")
    first = SiteFactory(trial=trial, country="Spain")
    second = SiteFactory(trial=trial, country="Spain")
    SiteFactory(trial=trial, country="Italy")
    first.delete()
    assert in_country("spain") == ["Radiotherapy"]
    second.country = "Portugal"  # moved to another country
    second.save()
    assert in_country("spain") == []
    assert in_country("portugal") == ["Radiotherapy"]
    Site.objects.filter(trial=trial, country="Italy").update(trial=other)  # moved to another trial
    assert in_country("italy") == ["Surgery"]
    Site.objects.filter(trial=trial).delete()
    assert in_country("portugal") == []
    assert in_country("italy") == ["Surgery"]


def test_it_filters_by_condition_whatever_the_case_typed():
    soft_tissue = ConditionFactory(name="Soft Tissue Sarcoma")
    TrialFactory(brief_title="Radiotherapy", conditions=[soft_tissue])
    TrialFactory(brief_title="Surgery", conditions=[ConditionFactory(name="Sarcoma")])
    for typed in ("Soft Tissue Sarcoma", "soft tissue sarcoma", "SOFT TISSUE SARCOMA"):
        assert titles(Criteria(condition=typed)) == ["Radiotherapy"]
    assert titles(Criteria(condition="sarcoma")) == ["Surgery"]
    assert titles(Criteria(condition="tissue")) == []


def test_it_does_not_rewrite_a_trial_whose_sites_change_in_the_same_countries(postgres):
    trial = TrialFactory(brief_title="Radiotherapy")
    jinan = SiteFactory(trial=trial, country="China", city="Jinan")
    SiteFactory(trial=trial, country="Germany")
    assert site_countries(trial) == ["CHINA", "GERMANY"]
    before = trial_writes()

    jinan.contact_phone = "+86 531 0000"  # an admin edit
    jinan.save()
    SiteFactory(trial=trial, country="china", city="Hangzhou")  # a second site, same country
    Site.objects.filter(trial=trial).update(status="COMPLETED")
    Site.objects.filter(pk=jinan.pk).update(country="CHINA")  # the same country, other case
    jinan.delete()  # Hangzhou is still in China

    assert trial_writes() == before
    assert site_countries(trial) == ["CHINA", "GERMANY"]
    SiteFactory(trial=trial, country="Japan")
    assert trial_writes() == before + 1
    assert site_countries(trial) == ["CHINA", "GERMANY", "JAPAN"]


def test_an_import_writes_a_new_trial_once_and_an_unchanged_one_not_at_all(postgres):
    records = ndjson(study("NCT00000001"), study("NCT00000002"))
    before = trial_writes()
    run(("a.jsonl", records))
    assert trial_writes() == before  # copied with its countries, not updated after
    trial = Trial.objects.get(nct_id="NCT00000001")
    assert site_countries(trial) == ["CHINA", "UNITED STATES"]
    changed = study("NCT00000001", **{"descriptionModule.briefSummary": "Corrected summary."})
    run(("b.jsonl", ndjson(changed)))
    # The trial's own fields: one write; its sites, rewritten in the same
    # countries, add none.
    assert trial_writes() == before + 1
    assert site_countries(trial) == ["CHINA", "UNITED STATES"]


def explain(query) -> str:
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows: a sequential scan would always be cheaper.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


def test_the_country_filter_reads_no_site_and_the_condition_filter_its_index(postgres):
    trial = TrialFactory(brief_title="Radiotherapy", conditions=[ConditionFactory(name="Sarcoma")])
    SiteFactory(trial=trial, country="China")
    in_china = _narrowed(Criteria(country="china", status="all")).values("pk")
    plan = explain(in_china)
    assert "site_countries @> '{CHINA}'::text[]" in plan
    assert "trials_site" not in plan
    named = explain(Condition.objects.filter(name__iexact="sarcoma").values("pk"))
    assert "trials_condition_name_upper" in named
    assert titles(Criteria(country="china", condition="SARCOMA")) == ["Radiotherapy"]
