"""The whole registry record on the trial page: groups and their treatments,
outcomes, key dates, enrolment, sponsor and collaborators, the central
contact; registry placeholders never shown as people; bad records (2,000
sites, no outcomes, missing dates, HTML in fields) within the page's size."""

from __future__ import annotations

import copy
import datetime
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import TrialFactory
from tests.page_text import page_text
from trials.contacts import is_placeholder
from trials.importers import import_studies
from trials.models import Trial
from trials.record import MAX_OUTCOMES, trial_record

pytestmark = pytest.mark.django_db

PAGE_SIZE_LIMIT = 150_000
CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"
CITIES = [
    ("Hangzhou", "Zhejiang", "China", 30.26, 120.17),
    ("Jinan", "Shandong", "China", 36.67, 117.0),
    ("Boston", "Massachusetts", "United States", 42.36, -71.06),
    ("Toronto", "Ontario", "Canada", 43.65, -79.38),
    ("Lyon", "", "France", 45.76, 4.84),
]


def location(n: int) -> dict:
    """A site as big sponsors' records list them: a numbered placeholder
    facility, a desk's phone, no email."""
    city, state, country, lat, lon = CITIES[n % len(CITIES)]
    return {
        "facility": "Research Site" if n % 3 else f"Site {n:03d}-556-A",
        "status": "RECRUITING" if n % 4 else "NOT_YET_RECRUITING",
        "city": city,
        "state": state,
        "zip": f"{10000 + n}",
        "country": country,
        "contacts": [
            {"name": f"Site {n:03d}-556-A", "role": "CONTACT", "phone": f"+1 555 01{n % 100:02d}"}
        ],
        "geoPoint": {"lat": lat, "lon": lon},
    }


def record(nct_id: str = "NCT07000001", sites: int = 3, **modules) -> dict:
    """An API v2 study record with the parts ClinicalTrials.gov shows; a module
    given as None is left out, any other replaces the default."""
    protocol = {
        "identificationModule": {
            "nctId": nct_id,
            "briefTitle": "Stereotactic Radiotherapy Before Surgery for Soft Tissue Sarcoma",
        },
        "statusModule": {
            "overallStatus": "RECRUITING",
            "startDateStruct": {"date": "2025-06-01", "type": "ACTUAL"},
            "primaryCompletionDateStruct": {"date": "2027-12", "type": "ESTIMATED"},
            "completionDateStruct": {"date": "2028-06-30", "type": "ESTIMATED"},
            "lastUpdatePostDateStruct": {"date": "2025-10-15", "type": "ACTUAL"},
        },
        "sponsorCollaboratorsModule": {
            "leadSponsor": {"name": "Example University Hospital", "class": "OTHER"},
            "collaborators": [
                {"name": "Example Radiotherapy Foundation", "class": "OTHER"},
                {"name": "Example Medical Devices Inc.", "class": "INDUSTRY"},
            ],
        },
        "descriptionModule": {"briefSummary": "Radiotherapy before surgery."},
        "conditionsModule": {"conditions": ["Soft Tissue Sarcoma"]},
        "designModule": {
            "studyType": "INTERVENTIONAL",
            "phases": ["PHASE2"],
            "designInfo": {"allocation": "RANDOMIZED"},
            "enrollmentInfo": {"count": 90, "type": "ESTIMATED"},
        },
        "armsInterventionsModule": {
            "armGroups": [
                {
                    "label": "SBRT then surgery",
                    "type": "EXPERIMENTAL",
                    "description": "Five fractions of SBRT, then radical resection.",
                    "interventionNames": ["Radiation: Stereotactic body radiotherapy"],
                },
                {
                    "label": "Conventional radiotherapy then surgery",
                    "type": "ACTIVE_COMPARATOR",
                    "description": "25 fractions over five weeks, then radical resection.",
                    "interventionNames": ["Radiation: Conventional radiotherapy"],
                },
            ],
            "interventions": [
                {
                    "type": "RADIATION",
                    "name": "Stereotactic body radiotherapy",
                    "description": "30 Gy in 5 fractions.",
                    "armGroupLabels": ["SBRT then surgery"],
                    "otherNames": ["SBRT"],
                },
                {
                    "type": "RADIATION",
                    "name": "Conventional radiotherapy",
                    "description": "50 Gy in 25 fractions.",
                    "armGroupLabels": ["Conventional radiotherapy then surgery"],
                },
                {
                    "type": "PROCEDURE",
                    "name": "Radical resection",
                    "armGroupLabels": [
                        "SBRT then surgery",
                        "Conventional radiotherapy then surgery",
                    ],
                },
            ],
        },
        "outcomesModule": {
            "primaryOutcomes": [
                {
                    "measure": "Major wound complications",
                    "description": "Wound complications needing surgery or readmission.",
                    "timeFrame": "Within 120 days after surgery",
                }
            ],
            "secondaryOutcomes": [
                {"measure": "Local recurrence-free survival", "timeFrame": "3 years"},
                {"measure": "Overall survival", "timeFrame": "5 years"},
            ],
        },
        "eligibilityModule": {
            "eligibilityCriteria": (
                "Inclusion Criteria:\n\n* Adults\n\nExclusion Criteria:\n\n* Pregnancy"
            ),
            "sex": "ALL",
            "minimumAge": "18 Years",
        },
        "contactsLocationsModule": {
            "centralContacts": [
                {"name": "Site Public Contact", "role": "CONTACT", "phone": "+86 571 0000 0100"},
                {
                    "name": "Wei Example",
                    "role": "BACKUP",
                    "phone": "+86 571 0000 0101",
                    "phoneExt": "12",
                    "email": "sarcoma-trial@example.org",
                },
            ],
            "locations": [location(n) for n in range(sites)],
        },
    }
    for name, module in modules.items():
        if module is None:
            protocol.pop(name, None)
        else:
            protocol[name] = module
    return {"protocolSection": protocol, "hasResults": False}


def imported(*records: dict) -> None:
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    summary = import_studies(sources=[("records.ndjson", io.BytesIO(data))])
    assert not summary.errors, summary.errors


def trial_page(client, nct_id: str = "NCT07000001", language: str = ""):
    prefix = f"/{language}" if language else ""
    response = client.get(f"{prefix}/trials/{nct_id}/")
    assert response.status_code == 200
    return response


def section(response, title_id: str) -> str:
    """The text of one section of the page, by its heading's id."""
    html = response.content.decode()
    start = html.rindex("<section", 0, html.index(f'id="{title_id}"'))
    return page_text_of(html[start : html.index("</section>", start)])


def page_text_of(html: str) -> str:
    class Response:
        content = html.encode()

    return page_text(Response())


def test_it_shows_each_group_with_the_treatments_it_gets(client):
    imported(record())

    arms = section(trial_page(client), "arms-title")

    assert "Study groups and treatments" in arms
    assert "SBRT then surgery Experimental" in arms
    assert "Five fractions of SBRT, then radical resection." in arms
    assert "Conventional radiotherapy then surgery Active comparator" in arms
    assert "Radiation Stereotactic body radiotherapy (also called SBRT" in arms
    assert "30 Gy in 5 fractions." in arms
    # A treatment both groups get is listed under each.
    assert arms.count("Procedure Radical resection") == 2


def test_it_shows_primary_and_secondary_outcomes_with_their_time_frames(client):
    imported(record())

    outcomes = section(trial_page(client), "outcomes-title")

    assert "What the study measures" in outcomes
    primary = outcomes[outcomes.index("Primary outcome measures") :]
    assert primary.startswith(
        "Primary outcome measures Major wound complications"
        " Time frame: Within 120 days after surgery"
    )
    assert "Wound complications needing surgery or readmission." in primary
    secondary = outcomes[outcomes.index("Secondary outcome measures") :]
    assert "Local recurrence-free survival Time frame: 3 years" in secondary
    assert "Overall survival Time frame: 5 years" in secondary


def test_it_tells_actual_dates_and_enrolment_from_estimated_ones(client):
    imported(record())

    details = section(trial_page(client), "details-title")

    assert "Start date 1 June 2025 (actual)" in details
    assert "Primary completion December 2027 (estimated)" in details
    assert "Study completion 30 June 2028 (estimated)" in details
    assert "Participants 90 (estimated)" in details


def test_it_names_the_sponsor_and_every_collaborator(client):
    imported(record())

    details = section(trial_page(client), "details-title")

    assert "Sponsor Example University Hospital" in details
    assert "Collaborators Example Radiotherapy Foundation Example Medical Devices Inc." in details


def test_it_gives_the_central_contacts_phone_and_never_a_placeholder_as_a_name(client):
    imported(record())
    response = trial_page(client)

    contacts = section(response, "central-contacts-title")

    assert "Central contact Phone: +86 571 0000 0100" in contacts
    assert "Backup contact Wei Example Phone: +86 571 0000 0101 ext. 12" in contacts
    assert "Email: sarcoma-trial@example.org" in contacts
    assert "Site Public Contact" not in contacts
    html = response.content.decode()
    assert 'href="tel:+8657100000101,12"' in html
    assert 'href="mailto:sarcoma-trial@example.org"' in html


def test_the_contact_card_shows_the_sites_phone_but_not_a_placeholder_as_its_person(client):
    imported(record())
    html = trial_page(client).content.decode()

    start = html.index('class="primary-contact')
    primary = html[start : html.index("</div>\n            </div>", start)]

    assert page_text_of(primary).endswith("Primary Contact Site 000-556-A Phone: +1 555 0100")
    # The placeholder is the site's name here (the registry's facility), never
    # a person above it, and the avatar draws no initials of it.
    assert 'class="fw-semibold' not in primary
    assert 'href="tel:+15550100"' in primary
    avatar = re.search(r'class="contact-avatar"[^>]*>([^<]*)<', html).group(1)
    assert avatar == "H"  # Hangzhou, the site's city


def test_the_registry_text_is_marked_english_and_shown_in_chinese_headings(client):
    imported(record())

    response = trial_page(client, language="zh-hans")
    text = page_text(response)

    for heading in ("研究分组与干预措施", "主要结局指标", "次要结局指标", "合作方", "入组人数"):
        assert heading in text, heading
    assert "时间范围：" in text
    assert "（预计）" in text and "（实际）" in text
    assert "试验的中心联系人" in text
    html = response.content.decode()
    assert '<p class="fw-semibold mb-1" lang="en">Major wound complications</p>' in html
    assert '<span lang="en">SBRT then surgery</span>' in html
    # Full-width punctuation, no stray space before the registry's words.
    assert '时间范围：<span lang="en">3 years</span>' in html
    assert '（又称 <span lang="en">SBRT</span>）' in html
    assert '电话：<a href="tel:+8657100000100">+86 571 0000 0100</a>' in html


@pytest.mark.parametrize(
    "name",
    [
        "Site 007-556-A",
        "Research Site",
        "Study Coordinator",
        "Clinical Trials Information",
        "Novartis Investigative Site",
        "Site Public Contact",
        "GSK Investigational Site",
        "Local Institution - 0042",
        "Reference Study ID Number: WO12345 www.example.org",
        "Pfizer CT.gov Call Center",
        "",
    ],
)
def test_it_recognises_the_registrys_placeholders(name):
    assert is_placeholder(name)


@pytest.mark.parametrize(
    "name",
    ["Wei Example", "Maria Example-Site", "Jane Institution", "Example University Hospital"],
)
def test_it_takes_a_persons_or_hospitals_name_for_what_it_is(name):
    assert not is_placeholder(name)


def test_a_record_without_outcomes_or_groups_shows_the_rest(client):
    imported(record(outcomesModule=None, armsInterventionsModule=None))

    response = trial_page(client)
    text = page_text(response)

    assert "What the study measures" not in text
    assert "Study groups and treatments" not in text
    assert "Participants 90 (estimated)" in text
    assert "Who can take part" in text or "Eligibility" in text


def test_a_record_with_missing_or_odd_dates_renders_what_it_has(client):
    status = {
        "overallStatus": "RECRUITING",
        # No start date, a month the calendar lacks, no completion date.
        "primaryCompletionDateStruct": {"date": "2027-13", "type": "ESTIMATED"},
        "lastUpdatePostDateStruct": {"date": "2025-10-15"},
    }
    design = {"studyType": "INTERVENTIONAL", "phases": ["NA"], "enrollmentInfo": {}}
    imported(record(statusModule=status, designModule=design))

    details = section(trial_page(client), "details-title")

    assert "Start date" not in details
    assert "Study completion" not in details
    assert "Primary completion 2027-13 (estimated)" in details
    assert "Participants" not in details


def test_html_in_a_record_is_shown_as_text_never_run(client):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    arms = {
        "armGroups": [{"label": f"Arm A {attack}", "type": "EXPERIMENTAL", "description": attack}],
        "interventions": [
            {"type": "DRUG", "name": f"Drug {attack}", "armGroupLabels": [f"Arm A {attack}"]}
        ],
    }
    outcomes = {"primaryOutcomes": [{"measure": f"Pain {attack}", "timeFrame": attack}]}
    sponsors = {
        "leadSponsor": {"name": "Example University Hospital"},
        "collaborators": [{"name": f"Partner {attack}"}],
    }
    imported(
        record(
            armsInterventionsModule=arms,
            outcomesModule=outcomes,
            sponsorCollaboratorsModule=sponsors,
        )
    )

    response = trial_page(client)
    html = response.content.decode()

    assert "<script>alert" not in html
    assert "<img src=x" not in html and "onerror=alert(1)>" not in html
    text = page_text(response)
    assert 'Pain <script>alert("x")</script>' in text
    assert 'Partner <script>alert("x")</script>' in text


def test_long_lists_are_bounded_and_say_what_is_left_to_the_registry(client):
    outcomes = {
        "primaryOutcomes": [{"measure": "Wound complications", "timeFrame": "120 days"}],
        "secondaryOutcomes": [
            {"measure": f"Quality of life item {n}", "timeFrame": f"{n} months"}
            for n in range(1, 101)
        ],
    }
    imported(record(outcomesModule=outcomes))

    response = trial_page(client)
    text = page_text(response)

    assert f"Quality of life item {MAX_OUTCOMES}" in text
    assert f"Quality of life item {MAX_OUTCOMES + 1} " not in text
    assert f"The registry lists {100 - MAX_OUTCOMES} more: see the trial’s record" in text
    # All but the first five folded away, for a phone's screen.
    assert f"Show {MAX_OUTCOMES - 5} more" in text
    html = response.content.decode()
    assert html.count('<details class="record-more">') >= 1


def test_a_record_with_2000_sites_stays_within_the_page_size_limit(client):
    imported(record(sites=2000))
    trial = Trial.objects.get(nct_id="NCT07000001")
    assert trial.sites.count() == 2000

    with CaptureQueriesContext(connection) as queries:
        response = trial_page(client)

    size = len(response.content)
    assert size <= PAGE_SIZE_LIMIT, f"{size} bytes"
    text = page_text(response)
    assert "Major wound complications" in text
    assert "Showing sites 1–10 of 2,000" in text or "of 2000" in text
    # The page reads the parts of the record it shows, never the whole record
    # with its 2,000 locations.
    column = r'(?<!\()"trials_trial"\."source_record"\s*(,|FROM)'
    whole = [q["sql"] for q in queries if re.search(column, q["sql"])]
    assert not whole, whole


def test_the_largest_record_the_registry_allows_stays_within_the_page_size_limit(client):
    """Every list at its longest, every text at the registry's longest, all of it
    markup that escaping makes four times as long, and 2,000 sites."""
    worst = "<" * 999
    arms = {
        "armGroups": [
            {"label": f"Group {n} " + "<" * 90, "type": "OTHER", "description": worst}
            for n in range(100)
        ],
        "interventions": [
            {
                "type": "DRUG",
                "name": f"Drug {n} " + "<" * 190,
                "description": worst,
                "otherNames": ["<" * 190] * 10,
                "armGroupLabels": [f"Group {g} " + "<" * 90 for g in range(100)],
            }
            for n in range(100)
        ],
    }
    many = [{"measure": "<" * 254, "timeFrame": "<" * 254, "description": worst}] * 200
    outcomes = {"primaryOutcomes": many, "secondaryOutcomes": many, "otherOutcomes": many}
    collaborators = [{"name": "<" * 160} for _ in range(100)]
    sponsors = {"leadSponsor": {"name": "Example"}, "collaborators": collaborators}
    imported(
        record(
            sites=2000,
            armsInterventionsModule=arms,
            outcomesModule=outcomes,
            sponsorCollaboratorsModule=sponsors,
        )
    )

    for language in ("", "zh-hans"):
        response = trial_page(client, language=language)
        size = len(response.content)
        assert size <= PAGE_SIZE_LIMIT, f"{language or 'en'}: {size} bytes"
    assert "the trial’s record on ClinicalTrials.gov has them all" in page_text(trial_page(client))


def test_many_groups_fold_after_the_first_four(client):
    groups = [
        {"label": f"Dose level {n}", "type": "EXPERIMENTAL", "description": f"{n}0 mg daily."}
        for n in range(1, 8)
    ]
    imported(record(armsInterventionsModule={"armGroups": groups}))

    response = trial_page(client)
    arms = section(response, "arms-title")

    assert "Dose level 4 Experimental 40 mg daily. Show 3 more groups Dose level 5" in arms
    assert "Dose level 7 Experimental 70 mg daily." in arms
    html = response.content.decode()
    assert html.index("<summary>Show 3 more groups</summary>") < html.index("Dose level 5")


def test_a_treatment_given_in_several_groups_is_described_once(client):
    imported(record())

    arms = section(trial_page(client), "arms-title")

    assert arms.count("Radical resection") == 2
    assert "(described above)" not in arms  # it has no description to repeat
    interventions = record()["protocolSection"]["armsInterventionsModule"]["interventions"]
    interventions[2]["description"] = "Wide excision with clear margins."
    changed = record(
        armsInterventionsModule={
            **record()["protocolSection"]["armsInterventionsModule"],
            "interventions": interventions,
        }
    )
    imported(changed)

    arms = section(trial_page(client), "arms-title")

    assert arms.count("Wide excision with clear margins.") == 1
    assert "Procedure Radical resection (described above)" in arms


def test_the_record_reads_only_its_parts_when_the_trial_was_read_without_it():
    imported(record(sites=5))
    full = Trial.objects.get(nct_id="NCT07000001")
    deferred = Trial.objects.defer("source_record").get(nct_id="NCT07000001")

    from_parts, from_whole = trial_record(deferred), trial_record(full)

    assert from_parts == from_whole
    assert [arm.label for arm in from_parts.arms] == [
        "SBRT then surgery",
        "Conventional radiotherapy then surgery",
    ]
    assert from_parts.secondary_outcomes.total == 2


def test_a_trial_entered_by_hand_shows_its_own_columns(client):
    trial = TrialFactory(enrollment=40, start_date=datetime.date(2025, 3, 1))

    text = page_text(trial_page(client, trial.nct_id))

    assert "Participants 40" in text
    assert "Start date 1 March 2025" in text
    assert "What the study measures" not in text


def test_a_new_outcome_shows_at_once_after_the_next_import(client):
    imported(record())
    assert "Overall survival" in page_text(trial_page(client))

    changed = copy.deepcopy(record())
    changed["protocolSection"]["outcomesModule"]["secondaryOutcomes"].append(
        {"measure": "Limb function score", "timeFrame": "1 year"}
    )
    imported(changed)

    assert "Limb function score Time frame: 1 year" in page_text(trial_page(client))


def test_printing_the_page_keeps_the_trial_and_whom_to_call_and_drops_the_rest():
    css = CSS.read_text()
    printed = "".join(re.findall(r"@media print \{(.*?)\n\}", css, re.S))

    for hidden in (".breadcrumb", ".contact-form-panel", ".trial-faq", ".btn", "form"):
        assert f".trial-page {hidden}" in printed, hidden
    assert ".trial-page .trial-aside { order: -1; }" in printed
    assert "site-header" in printed
