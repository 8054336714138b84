"""The ClinicalTrials.gov importer: formats, mapping, bad records, upserts, the command."""

from __future__ import annotations

import copy
import datetime
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.factories import InquiryFactory
from trials.importers import RecordError, import_studies
from trials.lexicon import search_words_refresh
from trials.models import Condition, SearchWord, Site, Trial

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"


def study(nct_id: str = "NCT00000001", **changes) -> dict:
    """An API v2 study record; changes are "module.key": value pairs."""
    record = {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct_id,
                "briefTitle": f"Radiotherapy for Sarcoma ({nct_id})",
                "officialTitle": "A Randomized Study of Radiotherapy",
            },
            "statusModule": {
                "overallStatus": "RECRUITING",
                "startDateStruct": {"date": "2025-06"},
                "lastUpdatePostDateStruct": {"date": "2025-10-15"},
            },
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Example Cancer Hospital"}},
            "descriptionModule": {
                "briefSummary": "A short summary.",
                "detailedDescription": "A longer description.",
            },
            "conditionsModule": {
                "conditions": ["Soft Tissue Sarcoma", "Bone Metastases"],
                "keywords": ["SBRT"],
            },
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": ["PHASE1", "PHASE2"],
                "designInfo": {"allocation": "RANDOMIZED"},
                "enrollmentInfo": {"count": 90},
            },
            "eligibilityModule": {
                "eligibilityCriteria": (
                    "Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* Pregnancy"
                ),
                "healthyVolunteers": False,
                "sex": "ALL",
                "minimumAge": "18 Years",
                "maximumAge": "75 Years",
            },
            "contactsLocationsModule": {
                "centralContacts": [{"name": "Central Desk", "phone": "+1 555 0100"}],
                "locations": [
                    {
                        "facility": "Shandong Cancer Hospital",
                        "status": "RECRUITING",
                        "city": "Jinan",
                        "state": "Shandong",
                        "zip": "250117",
                        "country": "China",
                        "geoPoint": {"lat": 36.683, "lon": 117.06},
                        "contacts": [
                            {"name": "Dr. Li", "role": "CONTACT", "email": "li@example.org"}
                        ],
                    },
                    {
                        "facility": "Boston Medical Center",
                        "status": "NOT_YET_RECRUITING",
                        "city": "Boston",
                        "country": "United States",
                        "geoPoint": {"lat": 42.36, "lon": -71.06},
                    },
                ],
            },
        },
        "hasResults": False,
    }
    for path, value in changes.items():
        module, key = path.split(".")
        target = record["protocolSection"].setdefault(module, {})
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return record


def run(*files: tuple[str, bytes], **options):
    return import_studies(sources=[(name, io.BytesIO(data)) for name, data in files], **options)


def ndjson(*records) -> bytes:
    return "".join(
        json.dumps(r) + "\n" if isinstance(r, dict) else r + "\n" for r in records
    ).encode()


def test_it_maps_a_study_to_the_trial_its_sites_and_conditions():
    record = study()
    record["trialfinderExtension"] = {
        "siteLanguages": {"Shandong Cancer Hospital": ["zh-hans", "en"]}
    }
    summary = run(("NCT00000001.json", json.dumps(record, indent=2).encode()))

    assert summary.lines() == ["created 1 / updated 0 / unchanged 0 / failed 0 / absent 0"]
    trial = Trial.objects.get(nct_id="NCT00000001")
    assert trial.brief_title == "Radiotherapy for Sarcoma (NCT00000001)"
    assert trial.slug == "radiotherapy-for-sarcoma-nct00000001"
    assert trial.official_title == "A Randomized Study of Radiotherapy"
    assert (trial.overall_status, trial.phases, trial.phase_label) == (
        "RECRUITING",
        ["PHASE1", "PHASE2"],
        "Phase 1/2",
    )
    assert (trial.study_type, trial.allocation, trial.enrollment) == (
        "INTERVENTIONAL",
        "RANDOMIZED",
        90,
    )
    assert (trial.sex, trial.healthy_volunteers, trial.age_range_label) == (
        "ALL",
        False,
        "18-75 years",
    )
    assert trial.overview == "A short summary."
    assert trial.description == "A longer description."
    assert trial.eligibility_criteria.startswith("Inclusion Criteria:")
    assert trial.keywords == ["SBRT"]
    assert trial.lead_sponsor == "Example Cancer Hospital"
    assert trial.start_date == datetime.date(2025, 6, 1)
    assert trial.last_updated == datetime.date(2025, 10, 15)
    assert trial.published and trial.listed_at is not None
    assert trial.source_record == record
    assert sorted(trial.conditions.values_list("name", flat=True)) == [
        "Bone Metastases",
        "Soft Tissue Sarcoma",
    ]
    jinan, boston = trial.sites.order_by("pk")
    assert (jinan.facility, jinan.city, jinan.state, jinan.postal_code, jinan.country) == (
        "Shandong Cancer Hospital",
        "Jinan",
        "Shandong",
        "250117",
        "China",
    )
    assert (jinan.latitude, jinan.longitude, jinan.status) == (36.683, 117.06, "RECRUITING")
    assert (jinan.contact_name, jinan.contact_email) == ("Dr. Li", "li@example.org")
    assert jinan.languages == ["zh-hans", "en"] and jinan.is_primary_contact
    # A location without contacts keeps none: the trial's central contact
    # stays the trial's (the referral chain tells the two apart).
    assert (boston.contact_name, boston.contact_phone, boston.languages) == ("", "", [])
    assert trial.central_contact["name"] == "Central Desk"
    assert trial.central_contact["phone"] == "+1 555 0100"
    assert boston.status == "NOT_YET_RECRUITING" and not boston.is_primary_contact


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


THREE = [study("NCT00000001"), study("NCT00000002"), study("NCT00000003")]
PAGE = {"studies": THREE, "nextPageToken": "x"}
FORMATS = {
    "single study": [(f"{n}.json", json.dumps(s, indent=2).encode()) for n, s in enumerate(THREE)],
    "page": [("page.json", json.dumps(PAGE, indent=1).encode())],
    "page on one line": [("page.json", json.dumps({"totalCount": 3, "studies": THREE}).encode())],
    "array": [("studies.json", json.dumps(THREE, indent=1).encode())],
    "array on one line": [("studies.json", json.dumps(THREE).encode())],
    "ndjson": [("studies.jsonl", ndjson(*THREE))],
    "ndjson named .json": [("studies.json", ndjson(*THREE))],
    "zip": [
        (
            "export.zip",
            _zip(
                {
                    "ctg-studies/NCT00000001.json": json.dumps(THREE[0], indent=2).encode(),
                    "ctg-studies/more.jsonl": ndjson(*THREE[1:]),
                }
            ),
        )
    ],
}  # fmt: skip


@pytest.mark.parametrize("files", FORMATS.values(), ids=FORMATS.keys())
def test_it_reads_every_input_format(files):
    summary = run(*files)
    assert (summary.created, summary.failed, summary.errors) == (3, 0, [])
    assert list(Trial.objects.order_by("nct_id").values_list("nct_id", flat=True)) == [
        "NCT00000001",
        "NCT00000002",
        "NCT00000003",
    ]
    assert Site.objects.count() == 6
    assert Condition.objects.count() == 2


@pytest.mark.parametrize(
    ("minimum", "maximum", "days", "label"),
    [
        ("18 Years", "75 Years", (6570, 27375), "18-75 years"),
        ("6 Months", "17 Years", (180, 6205), "6 months – 17 years"),
        ("1 Year", None, (365, None), "1 year and older"),
        ("2 Weeks", "20 Days", (14, 20), "2 weeks – 20 days"),
        (None, "65 Years", (None, 23725), "Up to 65 years"),
        (None, None, (None, None), "All ages"),
    ],
)
def test_it_stores_ages_in_days(minimum, maximum, days, label):
    record = study(
        **{"eligibilityModule.minimumAge": minimum, "eligibilityModule.maximumAge": maximum}
    )
    run(("a.json", json.dumps(record).encode()))
    trial = Trial.objects.get()
    assert (trial.minimum_age_days, trial.maximum_age_days) == days
    assert trial.age_range_label == label


def test_it_keeps_criteria_without_headers_verbatim():
    criteria = "1. Histologically confirmed sarcoma\n2. ECOG 0-1\n   a. adequate organ function"
    run(
        (
            "a.json",
            json.dumps(study(**{"eligibilityModule.eligibilityCriteria": criteria})).encode(),
        )
    )
    trial = Trial.objects.get()
    assert trial.eligibility_criteria == criteria
    assert trial.eligibility.inclusion == [] and len(trial.eligibility.other) == 2


def test_it_reports_each_bad_record_and_imports_the_others():
    no_id = study(**{"identificationModule.nctId": None})
    bad_id = study("NCT123")
    conditions_text = study("NCT00000004", **{"conditionsModule.conditions": "Sarcoma"})
    age_number = study("NCT00000005", **{"eligibilityModule.minimumAge": 18})
    bad_age = study("NCT00000006", **{"eligibilityModule.maximumAge": "eighteen"})
    bad_status = study("NCT00000007", **{"statusModule.overallStatus": "OPEN"})
    lat_text = copy.deepcopy(study("NCT00000008"))
    lat_text["protocolSection"]["contactsLocationsModule"]["locations"][1]["geoPoint"]["lat"] = "42"
    count_text = study("NCT00000009", **{"designModule.enrollmentInfo": {"count": "ninety"}})
    bad_date = study(
        "NCT00000010", **{"statusModule.lastUpdatePostDateStruct": {"date": "15/10/2025"}}
    )
    data = ndjson(
        study("NCT00000001"),
        "{not json",
        no_id,
        bad_id,
        conditions_text,
        age_number,
        bad_age,
        "[1, 2]",
        bad_status,
        lat_text,
        count_text,
        bad_date,
        study("NCT00000002"),
    )

    summary = run(("bad.jsonl", data))

    ps = "protocolSection"
    located = f"{ps}.contactsLocationsModule.locations[1].geoPoint.lat"
    assert [error[1:] for error in summary.errors] == [
        ("line 2", "", "not valid JSON: Expecting property name enclosed in double quotes: "
         "line 1 column 2 (char 1)"),
        ("line 3", f"{ps}.identificationModule.nctId", "missing NCT number"),
        ("line 4", f"{ps}.identificationModule.nctId",
         "“NCT123” is not an NCT number (NCT + 8 digits)"),
        ("line 5", f"{ps}.conditionsModule.conditions", "expected a list of text, got text"),
        ("line 6", f"{ps}.eligibilityModule.minimumAge", "expected text, got a number"),
        ("line 7", f"{ps}.eligibilityModule.maximumAge",
         "“eighteen” is not an age like “18 Years”"),
        ("line 8", "", "expected a study object, got a list"),
        ("line 9", f"{ps}.statusModule.overallStatus", "unknown code “OPEN”"),
        ("line 10", located, "expected a number, got text"),
        ("line 11", f"{ps}.designModule.enrollmentInfo.count",
         "expected a whole number, got 'ninety'"),
        ("line 12", f"{ps}.statusModule.lastUpdatePostDateStruct.date",
         "“15/10/2025” is not a date like 2025-10-15"),
    ]  # fmt: skip
    assert {error.source for error in summary.errors} == {"bad.jsonl"}
    assert (summary.created, summary.failed) == (2, 11)
    assert set(Trial.objects.values_list("nct_id", flat=True)) == {"NCT00000001", "NCT00000002"}
    assert str(summary.errors[1]) == (
        "bad.jsonl, line 3, protocolSection.identificationModule.nctId: missing NCT number"
    )


def test_it_reports_broken_json_in_an_array_after_importing_what_came_before():
    data = (
        json.dumps([study("NCT00000001"), study("NCT00000002")])[:-1] + ', {"protocolSection": '
    ).encode()
    summary = run(("export.json", data))
    assert summary.created == 2
    assert summary.errors == [
        RecordError("export.json", "record 3", "", "not valid JSON: parse error: premature EOF")
    ]


def test_it_reports_an_empty_file_and_a_study_without_protocol_section():
    summary = run(("empty.json", b"  \n"), ("other.json", b'{"hasResults": false}'))
    assert [str(error) for error in summary.errors] == [
        "empty.json, file: the file is empty",
        "other.json, line 1, protocolSection: missing: not a ClinicalTrials.gov study record",
    ]


def test_it_reports_a_broken_zip_and_a_bad_member_of_a_good_one():
    archive = _zip({"a.json": json.dumps(study()).encode(), "b.json": b'{"protocolSection": '})
    summary = run(("broken.zip", b"PK\x03\x04 not really"), ("export.zip", archive))
    assert summary.created == 1
    assert [str(error) for error in summary.errors] == [
        "broken.zip, file: not a readable zip archive: File is not a zip file",
        "export.zip/b.json, record 1: not valid JSON: parse error: premature EOF",
    ]


def test_it_changes_nothing_when_the_same_file_is_imported_again():
    data = ndjson(*THREE)
    run(("studies.jsonl", data))
    before = list(Trial.objects.values_list("pk", "updated_at", "listed_at").order_by("pk"))
    sites = list(Site.objects.values_list("pk", flat=True).order_by("pk"))

    summary = run(("studies.jsonl", data))

    assert summary.counts_line() == "created 0 / updated 0 / unchanged 3 / failed 0 / absent 0"
    assert list(Trial.objects.values_list("pk", "updated_at", "listed_at").order_by("pk")) == before
    assert list(Site.objects.values_list("pk", flat=True).order_by("pk")) == sites
    assert Condition.objects.count() == 2


def test_it_updates_a_study_whose_record_changed():
    run(("a.jsonl", ndjson(study())))
    trial = Trial.objects.get()
    trial.published = False  # staff unpublished it: an import must not undo that
    trial.save()
    jinan = trial.sites.get(city="Jinan")
    InquiryFactory(site=trial.sites.get(city="Boston"))
    changed = study(
        **{
            "identificationModule.briefTitle": "Radiotherapy for Bone Metastases",
            "statusModule.lastUpdatePostDateStruct": {"date": "2025-11-01"},
            "conditionsModule.conditions": ["Bone Metastases", "Pain"],
        }
    )
    locations = changed["protocolSection"]["contactsLocationsModule"]["locations"]
    locations[0]["status"] = "COMPLETED"
    locations[1:] = [{"facility": "Hangzhou Hospital", "city": "Hangzhou", "country": "China"}]

    summary = run(("a.jsonl", ndjson(changed)))

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    trial.refresh_from_db()
    assert (trial.brief_title, trial.slug) == (
        "Radiotherapy for Bone Metastases",
        "radiotherapy-for-bone-metastases",
    )
    assert trial.last_updated == datetime.date(2025, 11, 1) and not trial.published
    assert sorted(trial.conditions.values_list("name", flat=True)) == ["Bone Metastases", "Pain"]
    sites = {site.city: site for site in trial.sites.all()}
    # The site that stays keeps its id; the one patients wrote to is kept, closed.
    assert sites["Jinan"].pk == jinan.pk and sites["Jinan"].status == "COMPLETED"
    assert sites["Boston"].status == "UNKNOWN" and not sites["Boston"].is_primary_contact
    assert sites["Hangzhou"].status == "UNKNOWN"


def test_it_updates_a_changed_record_even_with_the_same_date_and_skips_an_identical_one():
    run(("a.jsonl", ndjson(study("NCT00000001"), study("NCT00000002"))))
    edited = study("NCT00000002", **{"descriptionModule.briefSummary": "Corrected summary."})
    summary = run(("a.jsonl", ndjson(study("NCT00000001"), edited)))
    assert (summary.updated, summary.unchanged) == (1, 1)
    assert Trial.objects.get(nct_id="NCT00000002").overview == "Corrected summary."


def test_it_stamps_listed_at_when_a_study_starts_recruiting():
    run(("a.jsonl", ndjson(study(**{"statusModule.overallStatus": "NOT_YET_RECRUITING"}))))
    assert Trial.objects.get().listed_at is None
    opened = study(**{"statusModule.lastUpdatePostDateStruct": {"date": "2025-11-01"}})
    run(("a.jsonl", ndjson(opened)))
    listed_at = Trial.objects.get().listed_at
    assert listed_at is not None
    again = study(**{"statusModule.lastUpdatePostDateStruct": {"date": "2025-12-01"}})
    run(("a.jsonl", ndjson(again)))
    assert Trial.objects.get().listed_at == listed_at  # still open: not new again


def test_it_reports_known_studies_absent_from_the_input_without_deleting_them():
    run(("all.jsonl", ndjson(*THREE)))
    summary = run(("some.jsonl", ndjson(THREE[0])))
    assert (summary.unchanged, summary.absent) == (1, 2)
    assert summary.lines()[-1] == (
        "2 known studies were not in the input (kept, not deleted): NCT00000002, NCT00000003"
    )
    assert Trial.objects.count() == 3


def test_it_imports_in_batches_and_lets_a_later_duplicate_win():
    records = [study(f"NCT0000000{n}") for n in range(1, 6)]
    newer = study("NCT00000002", **{"statusModule.overallStatus": "COMPLETED"})
    summary = run(("a.jsonl", ndjson(*records, newer)), batch_size=2)
    assert (summary.created, summary.updated) == (5, 1)
    assert Trial.objects.get(nct_id="NCT00000002").overall_status == "COMPLETED"


def test_it_gives_conditions_whose_slugs_collide_their_own_slug():
    run(("a.jsonl", ndjson(study(**{"conditionsModule.conditions": ["COVID-19", "Covid 19"]}))))
    assert sorted(Condition.objects.values_list("name", "slug")) == [
        ("COVID-19", "covid-19"),
        ("Covid 19", "covid-19-2"),
    ]


def test_it_reports_progress_per_batch():
    seen = []
    run(("a.jsonl", ndjson(*THREE)), progress=seen.append, batch_size=2)
    assert [p.studies for p in seen] == [2, 3]
    assert seen[-1].bytes_read == seen[-1].bytes_total == len(ndjson(*THREE))


def test_it_keeps_the_search_columns_current_on_postgresql(postgres):
    def matches(words: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nct_id FROM trials_trial"
                " WHERE search_vector @@ plainto_tsquery('english', %s) ORDER BY nct_id",
                [words],
            )
            return [row[0] for row in cursor.fetchall()]

    run(
        (
            "a.jsonl",
            ndjson(
                study("NCT00000001"),
                study("NCT00000002", **{"conditionsModule.conditions": ["Glioma"]}),
            ),
        )
    )
    assert matches("sarcoma") == ["NCT00000001", "NCT00000002"]  # in the titles
    assert matches("glioma") == ["NCT00000002"]
    changed = study(
        "NCT00000002",
        **{
            "conditionsModule.conditions": ["Melanoma"],
            "statusModule.lastUpdatePostDateStruct": {"date": "2025-11-01"},
        },
    )
    run(("b.jsonl", ndjson(changed)))
    assert matches("glioma") == [] and matches("melanoma") == ["NCT00000002"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_conditions FROM trials_trial ORDER BY nct_id")
        conditions = [row[0] for row in cursor.fetchall()]
    assert conditions == ["Bone Metastases Soft Tissue Sarcoma", "Melanoma"]


def test_it_keeps_the_lexicon_current_batch_by_batch_as_a_rebuild_would(postgres):
    def lexicon() -> dict[str, int]:
        return dict(SearchWord.objects.values_list("word", "trials"))

    glioma = study("NCT00000002", **{"conditionsModule.conditions": ["Glioma"]})
    run(("a.jsonl", ndjson(study("NCT00000001"), glioma)), batch_size=1)
    assert lexicon()["sarcoma"] == 2 and lexicon()["glioma"] == 1
    changed = study(
        "NCT00000002",
        **{
            "conditionsModule.conditions": ["Melanoma"],
            "statusModule.lastUpdatePostDateStruct": {"date": "2025-11-01"},
        },
    )
    run(("b.jsonl", ndjson(changed)))
    incremental = lexicon()
    # No trial carries glioma any more; the word stays, at 0, as a word of
    # the terminology that corrections can reach.
    assert incremental["glioma"] == 0 and incremental["melanoma"] == 1
    search_words_refresh()
    assert incremental == lexicon()


@pytest.mark.django_db(transaction=True)
def test_it_writes_batches_in_parallel_on_postgresql(postgres):
    records = [study(f"NCT0000000{n}") for n in range(1, 8)]
    records[3]["protocolSection"]["conditionsModule"]["conditions"] = ["Glioma", "COVID-19"]
    records[4]["protocolSection"]["conditionsModule"]["conditions"] = ["Covid 19", "Glioma"]
    newer = study("NCT00000002", **{"statusModule.overallStatus": "COMPLETED"})

    summary = run(("a.jsonl", ndjson(*records, newer)), batch_size=2, writers=2)

    assert summary.counts_line() == "created 7 / updated 1 / unchanged 0 / failed 0 / absent 0"
    assert Trial.objects.get(nct_id="NCT00000002").overall_status == "COMPLETED"
    assert Site.objects.count() == 14
    assert sorted(Condition.objects.values_list("name", flat=True)) == [
        "Bone Metastases",
        "COVID-19",
        "Covid 19",
        "Glioma",
        "Soft Tissue Sarcoma",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_conditions FROM trials_trial WHERE nct_id = 'NCT00000005'")
        assert cursor.fetchone() == ("Covid 19 Glioma",)
    again = run(("a.jsonl", ndjson(*records, newer)), batch_size=2, writers=2)
    # The file lists NCT00000002 twice, differently: both versions are written again.
    assert (again.created, again.updated, again.unchanged) == (0, 2, 6)


def test_it_reports_a_record_the_database_refuses_and_saves_the_rest(postgres):
    refused = study("NCT00000002")
    refused["derivedSection"] = {"note": "a\u0000b"}  # PostgreSQL's jsonb has no NUL
    summary = run(("a.jsonl", ndjson(study("NCT00000001"), refused, study("NCT00000003"))))
    assert summary.created == 2 and summary.failed == 1
    assert summary.errors[0][:3] == ("a.jsonl", "line 2", "")
    assert summary.errors[0].message.startswith("could not be saved: ")
    assert set(Trial.objects.values_list("nct_id", flat=True)) == {"NCT00000001", "NCT00000003"}


def test_the_command_prints_the_summary_and_is_idempotent(tmp_path, capsys):
    path = tmp_path / "studies.jsonl"
    path.write_bytes(ndjson(*THREE))
    call_command("import_trials", str(path))
    assert capsys.readouterr().out == "created 3 / updated 0 / unchanged 0 / failed 0 / absent 0\n"
    call_command("import_trials", str(path))
    assert capsys.readouterr().out == "created 0 / updated 0 / unchanged 3 / failed 0 / absent 0\n"


def test_the_command_lists_errors_and_exits_non_zero(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(ndjson(study("NCT00000001"), "oops", study("NCT123")))
    with pytest.raises(CommandError, match="2 record") as failure:
        call_command("import_trials", str(path))
    assert failure.value.returncode == 1
    out, err = capsys.readouterr()
    assert out == "created 1 / updated 0 / unchanged 0 / failed 2 / absent 0\n"
    assert f"{path}, line 2: not valid JSON: Expecting value: line 1 column 1 (char 0)" in err
    assert f"{path}, line 3, protocolSection.identificationModule.nctId: “NCT123” is not" in err


def test_the_command_shows_a_progress_bar_when_asked(tmp_path, capsys):
    path = tmp_path / "studies.jsonl"
    path.write_bytes(ndjson(*THREE))
    call_command("import_trials", str(path), "--progress")
    err = capsys.readouterr().err
    assert "[##############################] 100%  3 studies" in err


def test_the_command_refuses_a_missing_file():
    with pytest.raises(CommandError, match="cannot read nowhere.json: No such file"):
        call_command("import_trials", "nowhere.json")


def test_it_loads_the_shipped_seed_files_once(capsys):
    files = sorted(str(path) for path in DATA.glob("NCT*.json"))
    call_command("import_trials", *files)
    call_command("import_trials", *files)
    assert capsys.readouterr().out.splitlines() == [
        "created 2 / updated 0 / unchanged 0 / failed 0 / absent 0",
        "created 0 / updated 0 / unchanged 2 / failed 0 / absent 0",
    ]
    sarcoma = Trial.objects.get(nct_id="NCT06760221")
    assert (sarcoma.age_range_label, sarcoma.phase_label, sarcoma.is_open) == (
        "18-80 years",
        "Phase N/A",
        True,
    )
    assert sarcoma.last_updated == datetime.date(2025, 10, 15)
    site = sarcoma.primary_site
    assert (site.city, site.country, site.languages) == ("Hangzhou", "China", ["zh-hans", "en"])
    bone = Trial.objects.get(nct_id="NCT06987370")
    assert (bone.age_range_label, bone.enrollment, bone.allocation) == (
        "18-75 years",
        90,
        "RANDOMIZED",
    )
    assert bone.primary_site.city == "Jinan"


def test_a_site_the_registry_renames_or_moves_keeps_its_team_and_staffs_chinese_name():
    from django.contrib.auth.models import User

    from trials.models import SiteMembership

    record = study()
    locations = record["protocolSection"]["contactsLocationsModule"]["locations"]
    locations.append({"facility": "Second Hospital", "city": "Jinan", "country": "China"})
    locations.append({"facility": "Provincial Hospital", "city": "Jinan", "country": "China"})
    run(("a.jsonl", ndjson(record)))
    jinan = Site.objects.get(facility="Shandong Cancer Hospital")
    provincial = Site.objects.get(facility="Provincial Hospital")
    boston = Site.objects.get(city="Boston")
    jinan.translations = {"zh-hans": {"facility": "山东省肿瘤医院"}}
    jinan.save()
    team = User.objects.create_user("team@example.org", "team@example.org")
    SiteMembership.objects.create(user=team, site=jinan, status=SiteMembership.Status.CONFIRMED)

    renamed = copy.deepcopy(record)
    renamed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2025-12-01"}
    locations = renamed["protocolSection"]["contactsLocationsModule"]["locations"]
    # The facility renamed in its city; Boston's city corrected.
    locations[0]["facility"] = "Shandong Cancer Hospital and Institute"
    locations[1]["city"] = "Boston, MA"
    # A different hospital in the same city in place of one: a new site.
    locations[3]["facility"] = "Qilu Hospital"
    run(("a.jsonl", ndjson(renamed)))

    jinan.refresh_from_db()
    assert jinan.facility == "Shandong Cancer Hospital and Institute"
    assert jinan.translations == {"zh-hans": {"facility": "山东省肿瘤医院"}}
    assert jinan.memberships.get().user == team
    assert Site.objects.get(pk=boston.pk).city == "Boston, MA"
    assert Site.objects.filter(facility="Second Hospital").count() == 1
    assert not Site.objects.filter(pk=provincial.pk).exists()
    assert Site.objects.filter(facility="Qilu Hospital").count() == 1
