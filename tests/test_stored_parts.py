"""A trial's page is assembled from parts stored when the trial is written
(trials/trial_pages.py): the same page every visitor sees, each with their own
CSRF token, sent `Cache-Control: private`; an edit, a new release or an
unpublished trial shows at once; nothing of a visitor's is ever stored."""

import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.admin_forms import faq_answer_changed
from tests.factories import ConditionFactory, PrescreenQuestionFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.condition_names import condition_names_refresh
from trials.models import FaqEntry, Inquiry, RecruitmentStatus, SearchTerm, TrialPage
from trials.prescreen import ANSWERED_COOKIE
from trials.trial_pages import render_stale_pages, render_version

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+"[^>]*>')


@pytest.fixture
def trial():
    trial = TrialFactory(
        eligibility_criteria="Inclusion Criteria:\n\n1. Aged 18 or older",
    )
    SiteFactory(trial=trial, facility="Example Cancer Center", is_primary_contact=True)
    return trial


def stored_parts(trial, language: str = "en") -> dict:
    """The parts stored for the trial's page, its card (a column of its own)
    among them."""
    page = TrialPage.objects.filter(trial=trial, language=language).first()
    return {**page.parts, **({"card": page.card} if page.card else {})} if page else {}


def token_for(html: str, form_id: str) -> str:
    """This visitor's token for the form, given beside it (form="…") or inside it."""
    beside = re.search(
        rf'name="csrfmiddlewaretoken" value="([^"]+)" form="{form_id}"', html
    ) or re.search(
        rf'id="{form_id}"[^>]*>.*?name="csrfmiddlewaretoken" value="([^"]+)"', html, re.S
    )
    return beside.group(1)


def same_html(response) -> str:
    """The page without this visitor's tokens and the blank lines between tags
    (the shell and Django's template lay the same HTML out differently)."""
    html = TOKEN.sub("", response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def shell_served(response) -> bool:
    """Assembled by the Jinja2 shell: Django's templates rendered nothing."""
    return "trials/detail.html" not in [template.name for template in response.templates]


def test_a_page_from_stored_parts_is_the_page_rendered_afresh(trial):
    url = trial.get_absolute_url()
    first = Client().get(url)
    assert stored_parts(trial)  # the first visit stored what it rendered
    assert not shell_served(first)
    second = Client().get(url)
    assert shell_served(second)
    assert page_text(second) == page_text(first)
    assert "Aged 18 or older" in page_text(second)
    assert "Example Cancer Center" in page_text(second)
    # Only this visitor's tokens differ.
    assert same_html(second) == same_html(first)
    for header in ("Content-Type", "Content-Language", "Vary", "Content-Security-Policy"):
        assert second[header] == first[header]


@pytest.mark.parametrize(
    "language, cookies, accept",
    [
        ("en", {}, ""),
        ("zh-hans", {}, "zh-CN,zh;q=0.9"),
        ("en", {"tf_notes": "1"}, "en-US"),
    ],
)
def test_the_shell_gives_the_page_the_full_template_gives(trial, language, cookies, accept):
    """Each language, notes variant and browser region: the page assembled by
    the Jinja2 shell is the page Django's template renders from the same parts."""
    SiteFactory(trial=trial, facility="Hospital in Beijing", country="China", city="Beijing")
    with translation.override(language):
        url = trial.get_absolute_url()

    def visit() -> object:
        client = Client(HTTP_ACCEPT_LANGUAGE=accept)
        for name, value in cookies.items():
            client.cookies[name] = value
        return client.get(url)

    rendered = visit()
    assembled = visit()
    assert not shell_served(rendered) and shell_served(assembled)
    assert same_html(assembled) == same_html(rendered)
    # The five forms each have this visitor's token, one token for the page.
    tokens = set(
        re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', assembled.content.decode())
    )
    assert len(tokens) == 1
    assert assembled["Cache-Control"] == rendered["Cache-Control"]


def test_no_stored_part_holds_a_token_or_anything_of_a_visitor(trial):
    question = PrescreenQuestionFactory(trial=trial)
    patient = Client()
    patient.post(f"/trials/{trial.nct_id}/prescreen/", {"age": "45", f"q{question.pk}": "yes"})
    patient.get(trial.get_absolute_url())
    Client().get(trial.get_absolute_url())
    parts = stored_parts(trial)
    assert parts
    stored = "".join(parts.values())
    assert "csrfmiddlewaretoken" not in stored
    assert "You may not meet these criteria" not in stored


def test_pages_with_a_token_are_private(trial):
    for url in (trial.get_absolute_url(), "/", "/faq/", "/privacy/", "/trials/?q=cancer"):
        response = Client().get(url)
        assert "private" in response["Cache-Control"], url


def test_each_visitor_gets_a_token_that_sends_the_form(trial):
    Client().get(trial.get_absolute_url())  # parts stored
    tokens = set()
    for number in range(2):
        visitor = Client(enforce_csrf_checks=True)
        html = visitor.get(trial.get_absolute_url()).content.decode()
        token = token_for(html, "contact-form")
        tokens.add(token)
        sent = visitor.post(
            f"/trials/{trial.nct_id}/contact/",
            {
                "csrfmiddlewaretoken": token,
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": f"ada{number}@example.org",
                "phone": "+1 650 253 0000",
                "preferred_language": "",
                "location": "",
                "site": "",
                "message": "",
                "consent": "on",
                "health_consent": "on",
                "website": "",
            },
        )
        assert sent.status_code == 302
    assert len(tokens) == 2
    assert Inquiry.objects.filter(trial=trial).count() == 2


def test_every_form_of_the_page_has_its_token(trial):
    PrescreenQuestionFactory(trial=trial)
    Client().get(trial.get_absolute_url())
    html = Client().get(trial.get_absolute_url()).content.decode()
    for form_id in ("contact-form", "prescreen-form", "notify-form", "notes-csrf"):
        assert f'id="{form_id}"' in html
        assert token_for(html, form_id)


def test_a_forged_post_is_refused(trial):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(trial.get_absolute_url())
    other = Client(enforce_csrf_checks=True)
    html = other.get(trial.get_absolute_url()).content.decode()
    # Another visitor's token (another secret) does not pass with this visitor's cookie.
    response = visitor.post(
        f"/trials/{trial.nct_id}/contact/",
        {"csrfmiddlewaretoken": token_for(html, "contact-form"), "first_name": "Ada"},
    )
    assert response.status_code == 403


def test_a_visitor_with_answers_in_their_session_sees_their_own_box(trial):
    question = PrescreenQuestionFactory(trial=trial)
    Client().get(trial.get_absolute_url())
    patient = Client()
    patient.post(f"/trials/{trial.nct_id}/prescreen/", {"age": "45", f"q{question.pk}": "yes"})
    assert "You may not meet these criteria" in page_text(patient.get(trial.get_absolute_url()))
    # Their answers never reach the next visitor.
    assert "You may not meet these criteria" not in page_text(
        Client().get(trial.get_absolute_url())
    )


def test_answering_a_prescreen_leaves_a_cookie_that_holds_no_answer(trial):
    question = PrescreenQuestionFactory(trial=trial)
    patient = Client()
    patient.post(f"/trials/{trial.nct_id}/prescreen/", {"age": "45", f"q{question.pk}": "yes"})
    cookie = patient.cookies[ANSWERED_COOKIE]
    assert cookie.value == "1"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    # Clearing the answers shows the questions again, on the stored page.
    patient.post(f"/trials/{trial.nct_id}/prescreen/", {"clear": "1"})
    assert "You may not meet these criteria" not in page_text(patient.get(trial.get_absolute_url()))


def test_a_visitor_with_a_session_and_no_answers_gets_the_stored_page_unread(
    trial, django_assert_num_queries
):
    PrescreenQuestionFactory(trial=trial)
    Client().get(trial.get_absolute_url())
    anonymous = Client()
    with CaptureQueriesContext(connection) as plain:
        expected = page_text(anonymous.get(trial.get_absolute_url()))
    visitor = Client()
    session = visitor.session
    session["visited"] = True
    session.save()
    # Their session is never read: the page costs what an anonymous one does.
    with django_assert_num_queries(len(plain)):
        assert page_text(visitor.get(trial.get_absolute_url())) == expected


def test_an_admin_edit_shows_at_once(trial):
    Client().get(trial.get_absolute_url())
    trial.refresh_from_db()
    trial.brief_title = "A kinder radiotherapy schedule"
    trial.save()  # what the admin's change form does
    assert "A kinder radiotherapy schedule" in page_text(Client().get(trial.get_absolute_url()))
    assert "A kinder radiotherapy schedule" in "".join(stored_parts(trial).values())


def test_a_new_release_renders_the_page_again(trial):
    Client().get(trial.get_absolute_url())
    page = TrialPage.objects.get(trial=trial, language="en")
    # Parts rendered by other templates: never shown.
    page.version = "an older release"
    page.parts = {"header": "<h1>Old header</h1>"}
    page.save()
    response = Client().get(trial.get_absolute_url())
    assert "Old header" not in page_text(response)
    page.refresh_from_db()
    assert page.version == render_version()
    assert "Old header" not in "".join(page.parts.values())


def test_an_unpublished_trial_is_never_served_from_its_parts(trial):
    url = trial.get_absolute_url()
    Client().get(url)
    trial.published = False
    trial.save()
    assert Client().get(url).status_code == 404


def test_an_faq_edit_in_the_admin_shows_at_once(trial, admin_client):
    entry = FaqEntry.objects.create(question="What is a trial?", answer="A study.", order=1)
    Client().get(trial.get_absolute_url())
    faq_answer_changed(admin_client, entry, "A research study.")
    assert "A research study." in page_text(Client().get("/faq/"))
    assert "A research study." in page_text(Client().get(trial.get_absolute_url()))


def test_each_language_and_notes_variant_is_stored_apart(trial):
    english, chinese = trial.get_absolute_url(), f"/zh-hans{trial.get_absolute_url()}"
    for _ in range(2):
        assert '<html lang="en"' in Client().get(english).content.decode()
        assert '<html lang="zh-Hans"' in Client().get(chinese).content.decode()
    assert stored_parts(trial, "en") and stored_parts(trial, "zh-hans")
    assert stored_parts(trial, "en")["top"] != stored_parts(trial, "zh-hans")["top"]
    with_notes = Client()
    with_notes.cookies["tf_notes"] = "a-browser-token"
    assert "data-has-notes" in with_notes.get(english).content.decode()
    assert "data-has-notes" not in Client().get(english).content.decode()


def test_recruiting_trials_are_rendered_when_they_are_written(
    tmp_path, django_capture_on_commit_callbacks
):
    """An import renders the recruiting trials' pages in every language,
    before a visitor asks (the task runs at once in the tests)."""
    record = json.loads((settings.BASE_DIR / "data" / "NCT06760221.json").read_text())
    record["protocolSection"]["identificationModule"]["nctId"] = "NCT09000001"
    record["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    path = tmp_path / "NCT09000001.json"
    path.write_text(json.dumps(record))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_trials", str(path))
    page_languages = set(
        TrialPage.objects.filter(trial__nct_id="NCT09000001").values_list("language", flat=True)
    )
    assert page_languages == {code for code, _name in settings.LANGUAGES}
    # Rendered once: a second run finds nothing stale.
    assert render_stale_pages() == 0


def test_a_results_card_is_a_stored_part(trial, settings):
    settings.SEARCH_RESULTS_CACHE_SECONDS = 0
    trial.overall_status = RecruitmentStatus.RECRUITING
    trial.save()
    first = Client().get("/trials/")
    assert "card" in stored_parts(trial)
    assert page_text(Client().get("/trials/")) == page_text(first)
    with translation.override("en"):
        assert trial.brief_title in stored_parts(trial)["card"]
    # A visit to the trial's page, which renders parts of its own, keeps it.
    Client().get(trial.get_absolute_url() + "?site_page=2")
    Client().get(trial.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert trial.brief_title in stored_parts(trial)["card"]
    assert "card" not in TrialPage.objects.get(trial=trial, language="en").parts


def test_a_card_of_an_older_state_of_the_trial_is_never_shown(trial, settings):
    settings.SEARCH_RESULTS_CACHE_SECONDS = 0
    trial.overall_status = RecruitmentStatus.RECRUITING
    trial.save()
    Client().get("/trials/")
    trial.refresh_from_db()
    trial.brief_title = "A kinder radiotherapy schedule"
    trial.save()
    Client().get(trial.get_absolute_url())  # stores the page's other parts first
    text = page_text(Client().get("/trials/"))
    assert "A kinder radiotherapy schedule" in text
    assert "A kinder radiotherapy schedule" in stored_parts(trial)["card"]


def test_a_conditions_new_chinese_name_shows_at_once(trial):
    condition = ConditionFactory(name="Desmoid Tumor")
    trial.conditions.add(condition)
    url = f"/zh-hans{trial.get_absolute_url()}"
    assert "韧带样瘤" not in page_text(Client().get(url))
    # Staff's glossary names it; looking the names up again marks the trial's parts out of date.
    SearchTerm.objects.create(
        phrase="韧带样瘤", meaning="Desmoid Tumor", language=SearchTerm.Language.CHINESE
    )
    assert condition_names_refresh() == 1
    assert "韧带样瘤 （ Desmoid Tumor ）" in page_text(Client().get(url))


def test_a_page_that_cannot_be_stored_is_still_served(trial, monkeypatch, caplog):
    """Storing the parts is a bonus for the next visitor, never a condition."""
    from django.db import DatabaseError

    def refuse(*args, **kwargs):
        raise DatabaseError("could not write")

    monkeypatch.setattr(TrialPage.objects, "bulk_create", refuse)
    response = Client().get(trial.get_absolute_url())
    assert response.status_code == 200
    assert "Example Cancer Center" in page_text(response)
    assert "trial page parts not stored" in caplog.text


def test_without_a_worker_one_batch_is_rendered_and_visitors_render_the_rest(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The embedded default runs tasks where they are queued: an import of
    the registry must not wait for every recruiting trial's page. With a
    worker, each batch queues the next."""
    monkeypatch.setattr("trials.trial_pages.RENDER_BATCH", 2)
    trials = [TrialFactory(overall_status=RecruitmentStatus.RECRUITING) for _ in range(3)]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks() as queued:
        assert render_stale_pages() == 2
    assert queued == []
    assert not stored_parts(trials[2])
    # The third trial's first visitor renders and stores its page.
    assert "A study of treatment" in page_text(Client().get(trials[2].get_absolute_url()))
    assert stored_parts(trials[2])

    TrialPage.objects.all().delete()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with django_capture_on_commit_callbacks() as queued:
        assert render_stale_pages() == 2
    assert len(queued) == 1  # the next batch, for the worker


def test_the_release_before_the_card_column_still_stores_its_pages(trial):
    """During a deployment the release before writes its rows without
    naming the card column; the database fills it in."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO trials_trialpage (trial_id, language, version, trial_updated_at, parts,"
            " rendered_at) VALUES (%s, 'en', 'the release before', %s, %s, %s)",
            [
                trial.pk,
                trial.updated_at,
                json.dumps({"card": "<li>A card of the release before</li>"}),
                timezone.now(),
            ],
        )
    assert TrialPage.objects.get(trial=trial, language="en").card == ""
    assert "release before" not in page_text(Client().get(trial.get_absolute_url()))
