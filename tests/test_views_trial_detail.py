"""The trial page: everything the source page shows, one stable address, and
no unpublished trial for the public."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.page_text import normalize, page_text

pytestmark = pytest.mark.django_db

# Every numbered criterion line of the two source pages, verbatim.
SEED_CRITERIA = {
    "NCT06760221": [
        "Aged ≥18 years;",
        "Confirmed diagnosis of soft tissue sarcomas;",
        "Highly malignant soft tissue sarcomas;",
        "Not received surgery, chemotherapy or other antitumor therapy;",
        "ECOG (Eastern Cooperative Oncology Group) performance status 0 or 1;",
        "Signed informed consent;",
        (
            "Willing to provide tissue from an excisional biopsy of a tumor lesion,willing to "
            "provide blood sample before and after treatment;"
        ),
        (
            "Patients with soft tissue sarcoma of extremities with shallow tumor location, small "
            "size, low grade pathology and operable surgical resection;"
        ),
        "Distant metastasis;",
        "Received surgery or chemotherapy or other antitumor therapy;",
        "Previously participated in other clinical trials;",
        (
            "History of severe allergies, patients with allergic conditions, such as contrast "
            "agent allergy;"
        ),
        (
            "Known additional malignancy that is progressing or requires active treatment. "
            "Exceptions include basal cell carcinoma of the skin or squamous cell carcinoma of "
            "the skin that has undergone potentially curative therapy, or in situ cervical "
            "cancer."
        ),
        (
            "Diagnosis of immunodeficiency or is receiving systemic steroid therapy or any other "
            "form of immunosuppressive therapy;"
        ),
        "Active infection requiring systemic therapy;",
        "Known psychiatric or substance abuse disorders ;",
        "Pregnant or breastfeeding;",
        "Known history of human immunodeficiency virus (HIV: HIV 1/2 antibodies);",
        "Received a live vaccine within 30 days before radiotherapy.",
        "Unable to lie flat.",
    ],
    "NCT06987370": [
        "Sign a written informed consent form before implementing any trial-related procedures;",
        # The registry runs items 3-8 together inside item 2: shown as items of their own.
        "Male or female, aged 18 years or above and 75 years or below;",
        (
            "Have a histopathologically confirmed single primary tumor (patients with a "
            "pathological diagnosis of small cell carcinoma or undifferentiated carcinoma are "
            "excluded);"
        ),
        "ECOG PS 0-2;",
        (
            "Have at least one target lesion: bone metastasis with a soft tissue mass confirmed "
            "by CT or MRI. The shortest diameter of the soft tissue is greater than 30mm;"
        ),
        "The number of metastatic lesions is ≤ 5 and the number of metastatic organs is ≤ 3;",
        "The expected survival time is ≥ 3 months;",
        (
            "The main organ functions are normal (within 14 days before enrollment), that is, "
            "the following criteria are met:"
        ),
        "The blood routine examination criteria should meet:",
        "Hemoglobin (HB) ≥ 90g/L;",
        "Absolute neutrophil count (ANC) ≥ 1.5×10⁹/L;",
        "Platelet count (PLT) ≥ 75×10⁹/L;",
        "There is no functional organic disease, and the following criteria should be met:",
        (
            "When there is no liver metastasis, alanine aminotransferase (ALT) and aspartate "
            "aminotransferase (AST) ≤ 2.5× ULN, serum total bilirubin ≤ 1.5× ULN, alkaline "
            "phosphatase (ALP) ≤ 3× ULN; when there is liver metastasis, ALT and AST ≤ 5× ULN, "
            "serum total bilirubin ≤ 3× ULN, and alkaline phosphatase (ALP) ≤ 5× ULN;"
        ),
        (
            "Serum creatinine level Cr ≤ 1.5×ULN (if the serum creatinine is elevated, a 24-hour "
            "urine collection is required, except for those with a 24-hour creatinine clearance "
            "rate > 50ml/min);"
        ),
        (
            "Urine protein < 2+. If the test strip result is ≥ 2+, the 24-hour urine protein must"
            " be < 2g, or the urine protein-to-creatinine ratio (UPC) must be < 2;"
        ),
        (
            "International normalized ratio (INR) and activated partial thromboplastin time "
            "(APTT): ≤ 1.5×ULN;"
        ),
        "Pathological fracture confirmed by CT or MR.",
        "Prior radiotherapy to the target lesion.",
        "Pregnant or lactating women.",
        "Acute infection or other serious underlying diseases.",
        (
            "Obvious history of neurological and mental diseases, including dementia that may "
            "affect the ability to understand and give informed consent."
        ),
        (
            "History or evidence of diseases, treatments or abnormal laboratory test values that "
            "may interfere with the test results and prevent the subject from participating in "
            "the study throughout the whole process, or other situations that the researcher "
            "deems inappropriate for enrollment. The researcher believes that there are other "
            "potential risks that make the subject unsuitable for participating in this study."
        ),
    ],
}

SEED_BADGES = {
    "NCT06760221": ["Status: Recruiting", "Ages: 18-80 years", "Sex: all", "Phase: not applicable"],
    "NCT06987370": ["Status: Recruiting", "Ages: 18-75 years", "Sex: all", "Phase: not applicable"],
}

SEED_FACTS = {
    "NCT06760221": [
        "Safety and Efficacy of Preoperative SBRT and Radical Surgery for Soft Tissue Sarcoma "
        "of Extremities",
        "Soft Tissue Sarcoma",
        "Stereotactic Body Radiotherapy",
        "Second Affiliated Hospital, School of Medicine, Zhejiang University",
        "15 October 2025",
    ],
    "NCT06987370": [
        "SFRT and SCART in Radiotherapy for Bone Metastases With Soft Tissue",
        "Bone Metastases in Subjects With Advanced Cancer",
        "Shandong Cancer Hospital and Institute",
        "15 October 2025",
    ],
}


def badges_text(response) -> str:
    html = response.content.decode()
    return page_text(re.search(r'<ul class="trial-badges.*?</ul>', html, re.S).group(0))


@pytest.fixture
def seed_trials():
    call_command("import_trials", "data/NCT06760221.json", "data/NCT06987370.json")


@pytest.fixture
def trial():
    trial = TrialFactory(
        nct_id="NCT06760221",
        brief_title="Preoperative SBRT for Soft Tissue Sarcoma",
        slug="preoperative-sbrt-for-soft-tissue-sarcoma",
        overview="Surgery after a short course of precise radiotherapy.",
        description="The registry's longer description.",
        keywords=["Surgery"],
        conditions=[ConditionFactory(name="Soft Tissue Sarcoma")],
    )
    SiteFactory(
        trial=trial,
        facility="Second Affiliated Hospital, Zhejiang University",
        city="Hangzhou",
        country="China",
        contact_name="Study Coordinator",
        languages=["zh-hans", "en"],
        is_primary_contact=True,
    )
    return trial


@pytest.mark.parametrize("nct_id", sorted(SEED_CRITERIA))
def test_it_shows_every_criterion_of_the_source_page(client, seed_trials, nct_id):
    response = client.get(f"/trials/{nct_id}/")
    assert response.status_code == 200
    text = page_text(response)
    missing = [line for line in SEED_CRITERIA[nct_id] if normalize(line) not in text]
    assert missing == []
    badges = badges_text(response)
    assert all(badge in badges for badge in SEED_BADGES[nct_id]), badges
    for fact in SEED_FACTS[nct_id]:
        assert fact in text


def test_it_nests_the_laboratory_criteria_of_nct06987370(client, seed_trials):
    html = client.get("/trials/NCT06987370/").content.decode()
    inclusion = html[html.index("Inclusion criteria") : html.index("Exclusion criteria")]
    before_hemoglobin = inclusion[: inclusion.index("Hemoglobin (HB)")]
    # Three lists are open around the lab values: criteria > blood routine > values.
    assert before_hemoglobin.count("<ol") - before_hemoglobin.count("</ol>") == 3


def test_it_shows_the_badges_overview_and_study_details(client, trial):
    response = client.get("/trials/NCT06760221/")
    assert response.status_code == 200
    assert badges_text(response) == (
        "Status: Recruiting Ages: 18-80 years Sex: all Phase: not applicable"
    )
    text = page_text(response)
    # The registry's words are not called a plain-language summary.
    assert "The registry’s summary" in text
    assert "Plain-language summary" not in text
    assert "Powered by AI" not in text
    assert "Surgery after a short course of precise radiotherapy." in text
    assert "Description The registry's longer description." in text
    assert "Aged 18 or older" in text and "Pregnant" in text
    assert "Conditions Soft Tissue Sarcoma" in text
    assert "Keywords Surgery" in text
    assert "Sponsor Example Hospital" in text
    assert "Last updated 15 October 2025" in text
    assert 'href="https://clinicaltrials.gov/study/NCT06760221"' in response.content.decode()


def test_it_shows_the_sites_and_the_primary_contact(client, trial):
    SiteFactory(trial=trial, facility="Ningbo Cancer Centre", city="Ningbo", languages=["zh-hans"])
    text = page_text(client.get("/trials/NCT06760221/"))
    assert "Study sites" in text
    assert "Second Affiliated Hospital, Zhejiang University Hangzhou, Zhejiang, China" in text
    assert "Ningbo Cancer Centre Ningbo, Zhejiang, China Recruiting" in text
    assert "Languages: Chinese (Simplified), English" in text
    # "Study Coordinator" is a registry placeholder, not a person: the card
    # names the hospital, and the avatar draws it, not a person called "SC".
    assert "SA Primary Contact Second Affiliated Hospital, Zhejiang University" in text
    assert "Primary Contact Study Coordinator" not in text
    assert "Other languages supported: Chinese (Simplified), English" in text


def test_it_invites_the_patient_to_get_in_touch_and_answers_the_faq(client, trial):
    text = page_text(client.get("/trials/NCT06760221/"))
    assert "Step 1 Get in touch with the nearest study center" in text
    assert "FAQs Learn more about clinical trials" in text
    assert "What is a clinical trial?" in text
    assert "How safe are clinical trials?" in text


def test_it_answers_an_unknown_nct_number_with_a_friendly_404(client):
    response = client.get("/trials/NCT00000000/")
    assert response.status_code == 404
    text = page_text(response)
    assert "We could not find that page" in text
    assert 'name="q"' in response.content.decode()


def test_it_hides_unpublished_trials_from_the_public(client, trial):
    trial.published = False
    trial.save()
    assert client.get("/trials/NCT06760221/").status_code == 404
    assert "Preoperative SBRT" not in page_text(client.get("/"))


def test_it_shows_unpublished_trials_to_staff_with_a_notice(client, trial, django_user_model):
    trial.published = False
    trial.save()
    staff = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get("/trials/NCT06760221/")
    assert response.status_code == 200
    assert "Not published. Only staff can see this page" in page_text(response)


def test_it_shows_no_notice_on_published_trials(client, trial):
    assert "Not published." not in page_text(client.get("/trials/NCT06760221/"))


@pytest.mark.parametrize(
    "path",
    [
        "/trials/nct06760221/",
        "/trials/NCT06760221/preoperative-sbrt-for-soft-tissue-sarcoma/",
        "/trials/Nct06760221/an-old-title/",
    ],
)
def test_it_redirects_other_forms_of_the_address_to_the_canonical_one(client, trial, path):
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == "/trials/NCT06760221/"
    assert reverse("trials:detail", args=["NCT06760221"]) == "/trials/NCT06760221/"


def test_it_redirects_only_to_trials_that_exist(client):
    for path in ("/trials/nct00000000/", "/trials/NCT00000000/some-slug/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "We could not find that page" in page_text(response)


def test_it_refuses_to_change_anything(client, trial):
    assert client.post("/trials/NCT06760221/").status_code == 405
