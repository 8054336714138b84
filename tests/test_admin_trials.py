"""Staff admin for trials: who gets in, finding trials, publishing them, and
uploading ClinicalTrials.gov JSON through the importer."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.admin_forms import form_data
from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import FaqEntry, RecruitmentStatus, Trial

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
ADMIN = "/" + settings.ADMIN_URL
TRIALS = ADMIN + "trials/trial/"
IMPORT = TRIALS + "import/"


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "x")
    client.force_login(user)
    return user


def results_text(response) -> str:
    """The visible text of the changelist's result rows."""
    html = response.content.decode()
    start = html.index('id="result_list"')
    return page_text(html[start : html.index("</table>", start)])


@pytest.mark.parametrize(
    "path",
    [
        TRIALS,
        TRIALS + "add/",
        IMPORT,
        ADMIN + "trials/condition/",
        ADMIN + "trials/faqentry/",
    ],
)
def test_it_sends_anonymous_visitors_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{ADMIN}login/?next={path}"


def test_it_sends_anonymous_visitors_from_a_trial_to_the_login_page(client):
    trial = TrialFactory()
    path = f"{TRIALS}{trial.pk}/change/"
    assert client.get(path).headers["Location"] == f"{ADMIN}login/?next={path}"
    assert client.post(IMPORT, {}).status_code == 302


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (TRIALS, "NCT"),
        (TRIALS + "add/", "Add trial"),
        (IMPORT, "Import from ClinicalTrials.gov JSON"),
        (ADMIN + "trials/condition/", "Soft Tissue Sarcoma"),
        (ADMIN + "trials/faqentry/", "Select FAQ entry to change"),
    ],
)
def test_it_answers_staff(client, staff, path, shown):
    trial = TrialFactory(conditions=[ConditionFactory(name="Soft Tissue Sarcoma")])
    response = client.get(path)
    assert response.status_code == 200
    assert (trial.nct_id if shown == "NCT" else shown) in page_text(response)


def test_it_shows_a_trial_with_its_sites_and_its_criteria_as_patients_see_them(client, staff):
    trial = TrialFactory(
        nct_id="NCT06760221",
        eligibility_criteria=(
            "Inclusion Criteria:\n\n  1. Lab values:\n    1. Hemoglobin (HB) ≥ 90g/L;\n\n"
            "Exclusion Criteria:\n\n  1. Pregnant"
        ),
    )
    SiteFactory(trial=trial, facility="Shandong Cancer Hospital and Institute", city="Jinan")
    SiteFactory(trial=trial, country="China", status=RecruitmentStatus.COMPLETED)
    response = client.get(f"{TRIALS}{trial.pk}/change/")
    assert response.status_code == 200
    text = page_text(response)
    # A summary of the sites, and a link to edit them in their own list.
    assert "China Recruiting 1" in text and "China Completed 1" in text
    assert "Edit this trial's 2 sites" in text
    sites = client.get(f"{ADMIN}trials/site/", {"trial": "nct06760221"})
    assert "Shandong Cancer Hospital and Institute" in results_text(sites)
    assert "2 study sites" in page_text(sites)
    # Numbered by the lists themselves, each level its own way (1. → a.).
    assert "Inclusion criteria Lab values: Hemoglobin (HB) ≥ 90g/L;" in text
    assert "Exclusion criteria Pregnant" in text
    html = response.content.decode()
    assert '<ol class="criteria-list criteria-level-1" type="a">' in html
    assert "Import from ClinicalTrials.gov JSON" in page_text(client.get(TRIALS))


def test_it_refuses_the_import_page_to_staff_who_may_not_add_trials(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("viewer", is_staff=True))
    for path in (IMPORT, TRIALS):
        response = client.get(path)
        assert response.status_code == 403
        assert "403 Forbidden" in page_text(response)
        assert "Import from ClinicalTrials.gov JSON" not in page_text(response)


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("nct06760221", ["NCT06760221"]),
        ("sarcoma", ["NCT06760221"]),
        ("Bone Metastases in Subjects", ["NCT06987370"]),
        ("radiotherapy", ["NCT06760221", "NCT06987370"]),
        ("diabetes", []),
    ],
)
def test_it_finds_trials_by_nct_number_title_or_condition(client, staff, query, found):
    TrialFactory(
        nct_id="NCT06760221",
        brief_title="Preoperative SBRT for Soft Tissue Sarcoma",
        official_title="Stereotactic Body Radiotherapy (SBRT) before surgery",
    )
    TrialFactory(
        nct_id="NCT06987370",
        brief_title="SFRT and SCART in Radiotherapy for Bone Metastases With Soft Tissue",
        conditions=[
            ConditionFactory(name="Bone Metastases in Subjects With Advanced Cancer"),
            ConditionFactory(name="Bone Metastases"),
        ],
    )
    response = client.get(TRIALS, {"q": query})
    assert response.status_code == 200
    if found:
        rows = results_text(response)
        assert sorted(nct for nct in ("NCT06760221", "NCT06987370") if nct in rows) == found
        # A trial matching through two conditions is still one row.
        assert rows.count("NCT06987370") == ("NCT06987370" in found)
    else:
        assert "0 results" in page_text(response)


@pytest.fixture
def varied_trials():
    sarcoma = TrialFactory(nct_id="NCT00000001", phases=["NA"])
    SiteFactory(trial=sarcoma, country="China")
    SiteFactory(trial=sarcoma, country="China")
    early = TrialFactory(
        nct_id="NCT00000002",
        phases=["EARLY_PHASE1"],
        overall_status=RecruitmentStatus.COMPLETED,
    )
    SiteFactory(trial=early, country="Germany")
    both = TrialFactory(nct_id="NCT00000003", phases=["PHASE1", "PHASE2"], published=False)
    SiteFactory(trial=both, country="China")
    SiteFactory(trial=both, country="Germany")
    return [sarcoma, early, both]


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"overall_status__exact": "COMPLETED"}, ["NCT00000002"]),
        ({"overall_status__exact": "RECRUITING"}, ["NCT00000001", "NCT00000003"]),
        ({"phase": "PHASE1"}, ["NCT00000003"]),
        ({"phase": "EARLY_PHASE1"}, ["NCT00000002"]),
        ({"phase": "NA"}, ["NCT00000001"]),
        ({"country": "China"}, ["NCT00000001", "NCT00000003"]),
        ({"country": "Germany", "published__exact": "1"}, ["NCT00000002"]),
        ({"published__exact": "0"}, ["NCT00000003"]),
    ],
)
def test_it_filters_by_status_phase_country_and_published(
    client, staff, varied_trials, params, found
):
    response = client.get(TRIALS, params)
    assert response.status_code == 200
    rows = results_text(response)
    listed = [trial.nct_id for trial in varied_trials if trial.nct_id in rows]
    assert listed == found
    for nct_id in found:
        assert rows.count(nct_id) == 1


def test_it_offers_the_countries_of_the_sites_as_a_filter(client, staff, varied_trials):
    html = client.get(TRIALS).content.decode()
    assert "?country=China" in html and "?country=Germany" in html
    assert "By country (of a site)" in page_text(html)


def test_it_shows_each_trials_phase_and_site_countries_in_the_list(client, staff, varied_trials):
    rows = results_text(client.get(TRIALS))
    assert "NCT00000003" in rows and "Phase 1/2" in rows and "China, Germany" in rows


def test_it_publishes_trials_and_marks_newly_open_ones_for_notifications(client, staff):
    recruiting = TrialFactory(published=False)
    completed = TrialFactory(published=False, overall_status=RecruitmentStatus.COMPLETED)
    already = TrialFactory(published=True)
    data = {"action": "publish", "_selected_action": [recruiting.pk, completed.pk, already.pk]}
    response = client.post(TRIALS, data, follow=True)
    assert "2 trials published." in page_text(response)
    recruiting.refresh_from_db()
    completed.refresh_from_db()
    already.refresh_from_db()
    assert recruiting.published and recruiting.listed_at is not None
    # Published but not recruiting: nothing new for patients to act on.
    assert completed.published and completed.listed_at is None
    assert already.listed_at is None


def test_it_unpublishes_trials_so_the_public_no_longer_sees_them(client, staff):
    trial = TrialFactory(nct_id="NCT06760221")
    other = TrialFactory()
    data = {"action": "unpublish", "_selected_action": [trial.pk]}
    response = client.post(TRIALS, data, follow=True)
    assert "1 trial unpublished." in page_text(response)
    trial.refresh_from_db()
    other.refresh_from_db()
    assert not trial.published and other.published
    client.logout()
    assert client.get("/trials/NCT06760221/").status_code == 404


def test_it_marks_a_trial_published_in_its_form_as_newly_listed(client, staff):
    trial = TrialFactory(published=False)
    SiteFactory(trial=trial, facility="Shandong Cancer Hospital and Institute")
    url = f"{TRIALS}{trial.pk}/change/"
    data = form_data(client.get(url))
    data["published"] = ["on"]
    data["_save"] = ["Save"]
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:2000]
    trial.refresh_from_db()
    assert trial.published and trial.listed_at is not None
    assert trial.sites.get().facility == "Shandong Cancer Hospital and Institute"


def test_it_saves_site_languages_and_trial_phases_from_their_checkboxes(client, staff):
    trial = TrialFactory(phases=["NA"], keywords=["Surgery"])
    site = SiteFactory(trial=trial, languages=["zh-hans", "en"])
    url = f"{TRIALS}{trial.pk}/change/"
    data = form_data(client.get(url))
    assert data["keywords"] == ["Surgery"]
    data["phases"] = ["PHASE1", "PHASE2"]
    data["keywords"] = ["Surgery\r\nStereotactic Body Radiotherapy\r\n"]
    assert client.post(url, data).status_code == 302
    site_url = f"{ADMIN}trials/site/{site.pk}/change/"
    data = form_data(client.get(site_url))
    assert data["languages"] == ["zh-hans", "en"]
    data["languages"] = ["en"]
    assert client.post(site_url, data).status_code == 302
    site.refresh_from_db()
    trial.refresh_from_db()
    assert site.languages == ["en"]
    assert trial.phases == ["PHASE1", "PHASE2"]
    assert trial.keywords == ["Surgery", "Stereotactic Body Radiotherapy"]


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks, settings, tmp_path):
    """Post files to the import page; the import's task runs once the upload
    commits (in-process here, by a worker in production); follow to its page."""
    settings.VAR_DIR = tmp_path

    def post(*files: tuple[str, bytes]):
        uploads = [SimpleUploadedFile(name, content) for name, content in files]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(IMPORT, {"files": uploads})
        assert response.status_code == 302
        assert not list((tmp_path / "imports").glob("*/*"))  # the files go once imported
        return client.get(response["Location"])

    return post


def test_it_imports_uploaded_study_files_and_shows_the_summary(client, staff, upload):
    seeds = [(path.name, path.read_bytes()) for path in sorted(DATA.glob("NCT*.json"))]
    response = upload(*seeds)
    assert response.status_code == 200
    text = page_text(response)
    assert "Import summary Created Updated Unchanged Failed 2 0 0 0" in text
    assert "Records not imported" not in text
    assert set(Trial.objects.values_list("nct_id", flat=True)) == {"NCT06760221", "NCT06987370"}
    again = page_text(upload(*seeds))
    assert "Created Updated Unchanged Failed 0 0 2 0" in again
    assert Trial.objects.count() == 2


def test_it_reports_bad_records_and_still_imports_the_good_ones(client, staff, upload):
    good = (DATA / "NCT06987370.json").read_bytes()
    no_nct_id = b'{"protocolSection": {"identificationModule": {"briefTitle": "A study"}}}'
    response = upload(("broken.json", b"{not json"), ("good.json", good))
    text = page_text(response)
    assert "Created Updated Unchanged Failed 1 0 0 1" in text
    assert "Records not imported" in text
    assert "broken.json" in text
    assert Trial.objects.get().nct_id == "NCT06987370"
    text = page_text(upload(("no-id.json", no_nct_id)))
    assert "Failed 0 0 0 1" in text
    # File, position and field, then the message.
    assert "no-id.json line 1 protocolSection.identificationModule.nctId missing" in text
    assert "1 trial already listed here was not in these files. It was kept" in text


def test_an_import_in_progress_shows_how_far_it_got_and_runs_once(client, staff, settings):
    from trials.import_jobs import import_job_run
    from trials.models import ImportJob

    job = ImportJob.objects.create(
        status=ImportJob.Status.RUNNING, studies=1200, bytes_read=50, bytes_total=200
    )
    page = client.get(f"{IMPORT}{job.pk}/")
    assert "Importing 1200 studies read so far. (25%)" in page_text(page)
    assert '<meta http-equiv="refresh" content="3">' in page.content.decode()
    # Claimed already: a second worker, or the task delivered twice, does nothing.
    assert import_job_run(job_id=job.pk) is False


def test_it_asks_for_a_file_when_none_is_uploaded(client, staff):
    response = client.post(IMPORT, {})
    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert "Import summary" not in page_text(response)


def make_trials(count: int) -> None:
    for number in range(count):
        trial = TrialFactory(
            conditions=[ConditionFactory(name=f"Condition {number}"), ConditionFactory(name="X")],
            last_updated=datetime.date(2025, 10, 15),
        )
        for country in ("China", "Germany", "France"):
            SiteFactory(trial=trial, country=country)


def changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(TRIALS)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_trial_list_does_not_query_per_trial(client, staff):
    make_trials(2)
    changelist_queries(client)  # what a process reads once (content types, caches)
    with_two = changelist_queries(client)
    make_trials(48)
    # At most as many: the exact count is skipped whenever the planner's
    # estimate (its statistics, which other tests move) is past 1,000 rows.
    assert with_two - 1 <= changelist_queries(client) <= with_two
    assert results_text(client.get(TRIALS)).count("China, France, Germany") == 50


def test_it_edits_faq_order_and_publishing_in_the_list(client, staff):
    FaqEntry.objects.all().delete()
    first = FaqEntry.objects.create(
        question="What is a clinical trial?", answer="A study.", order=1
    )
    second = FaqEntry.objects.create(question="How safe are trials?", answer="Watched.", order=2)
    url = ADMIN + "trials/faqentry/"
    data = form_data(client.get(url))
    rows = {data[f"form-{i}-id"][0]: i for i in range(2)}
    data[f"form-{rows[str(first.pk)]}-order"] = ["3"]
    data.pop(f"form-{rows[str(second.pk)]}-published")
    data["_save"] = ["Save"]
    assert client.post(url, data).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.order == 3 and not second.published
    assert "How safe are trials?" not in page_text(client.get("/faq/"))


def test_it_counts_the_trials_of_each_condition(client, staff):
    sarcoma = ConditionFactory(name="Soft Tissue Sarcoma")
    TrialFactory(conditions=[sarcoma])
    TrialFactory(conditions=[sarcoma])
    rows = results_text(client.get(ADMIN + "trials/condition/"))
    assert "Soft Tissue Sarcoma soft-tissue-sarcoma 2" in rows
