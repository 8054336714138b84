"""A visitor without a session is served the page kept whole (trials/pagecache.py):
the same page every such visitor sees, with their own CSRF token and cookie.
A visitor with a session, a message or a query string gets theirs rendered;
an edit shows at once."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.admin_forms import faq_answer_changed
from tests.factories import PrescreenQuestionFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import FaqEntry, Inquiry

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial():
    trial = TrialFactory(
        eligibility_criteria="Inclusion Criteria:\n\n1. Aged 18 or older",
    )
    SiteFactory(trial=trial, facility="Example Cancer Center", is_primary_contact=True)
    return trial


def keep(trial) -> None:
    """Visit the trial page until it is kept: the first visit of a process also
    renders the FAQ into the shared cache, and the page is kept with that FAQ."""
    for _ in range(2):
        Client().get(trial.get_absolute_url())


def served_kept(response) -> bool:
    """No template rendered for this response: it is the page kept whole."""
    return not response.templates


def token_in(html: str, form_marker: str) -> str:
    form = html[html.index(form_marker) :]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


@pytest.mark.parametrize("page", ["trial", "/", "/faq/", "/privacy/"])
def test_a_kept_page_is_the_page_the_first_visitor_saw(trial, page):
    url = trial.get_absolute_url() if page == "trial" else page
    if page in ("trial", "/faq/"):
        # The FAQ page is kept while the trial pages' FAQ is kept unchanged.
        FaqEntry.objects.create(question="What is a trial?", answer="A study.", order=1)
        Client().get(trial.get_absolute_url())
    first, second = Client().get(url), Client().get(url)
    assert not served_kept(first)
    assert served_kept(second)
    assert page_text(second) == page_text(first)
    # Only the token differs, in every form of the page.
    placeholder = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert placeholder.sub("", second.content.decode()) == placeholder.sub(
        "", first.content.decode()
    )
    for header in ("Content-Type", "Content-Language", "Vary", "Content-Security-Policy"):
        assert second[header] == first[header]
    assert settings.CSRF_COOKIE_NAME in second.cookies


def test_each_visitor_of_a_kept_page_gets_a_token_that_sends_the_form(trial):
    keep(trial)
    tokens = set()
    for number in range(2):
        visitor = Client(enforce_csrf_checks=True)
        response = visitor.get(trial.get_absolute_url())
        assert served_kept(response)
        token = token_in(response.content.decode(), 'id="contact-form"')
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


def test_a_forged_post_from_a_kept_page_is_refused(trial):
    keep(trial)
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(trial.get_absolute_url())
    other = Client(enforce_csrf_checks=True)
    html = other.get(trial.get_absolute_url()).content.decode()
    # Another visitor's token (another secret) does not pass with this visitor's cookie.
    response = visitor.post(
        "/i18n/setlang/",
        {"csrfmiddlewaretoken": token_in(html, 'class="language-switcher'), "language": "en"},
    )
    assert response.status_code == 403
    assert "CSRF verification failed" in page_text(response)


def test_a_visitor_with_answers_in_their_session_sees_their_own_box(trial):
    question = PrescreenQuestionFactory(trial=trial)
    keep(trial)
    patient = Client()
    patient.post(f"/trials/{trial.nct_id}/prescreen/", {"age": "45", f"q{question.pk}": "yes"})
    response = patient.get(trial.get_absolute_url())
    assert not served_kept(response)
    assert "You may not meet these criteria" in page_text(response)
    # Their answers never reach the next visitor.
    stranger = Client().get(trial.get_absolute_url())
    assert served_kept(stranger)
    assert "You may not meet these criteria" not in page_text(stranger)


def test_a_visitor_with_a_message_or_a_staff_login_gets_the_page_rendered(trial, django_user_model):
    keep(trial)
    with_message = Client()
    with_message.cookies["messages"] = "anything"
    assert not served_kept(with_message.get(trial.get_absolute_url()))
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("editor", "e@example.org", "x"))
    assert not served_kept(staff.get(trial.get_absolute_url()))
    unknown_cookie = Client()
    unknown_cookie.cookies["something"] = "else"
    assert not served_kept(unknown_cookie.get(trial.get_absolute_url()))


def test_a_page_with_a_query_string_is_rendered_for_it(trial):
    url = trial.get_absolute_url()
    keep(trial)
    response = Client().get(url + "?utm_source=newsletter")
    assert not served_kept(response)
    assert "utm_source=newsletter" in response.content.decode()  # the switcher returns here


def test_an_admin_edit_shows_at_once_on_the_kept_page(trial, django_user_model):
    visitor = Client()
    keep(trial)
    assert served_kept(visitor.get(trial.get_absolute_url()))
    staff = Client()
    staff.force_login(django_user_model.objects.create_superuser("editor", "e@example.org", "x"))
    trial.refresh_from_db()
    trial.brief_title = "A kinder radiotherapy schedule"
    trial.save()  # what the admin's change form does
    response = visitor.get(trial.get_absolute_url())
    assert not served_kept(response)
    assert "A kinder radiotherapy schedule" in page_text(response)


def test_an_unpublished_trial_is_never_served_from_a_kept_page(trial):
    url = trial.get_absolute_url()
    keep(trial)
    trial.published = False
    trial.save()
    response = Client().get(url)
    assert response.status_code == 404
    assert "We could not find that page" in page_text(response)
    assert trial.brief_title not in page_text(response)


def test_an_faq_edit_in_the_admin_shows_at_once_on_the_kept_pages(trial, admin_client):
    entry = FaqEntry.objects.create(question="What is a trial?", answer="A study.", order=1)
    keep(trial)
    Client().get("/faq/")
    assert served_kept(Client().get("/faq/"))
    assert served_kept(Client().get(trial.get_absolute_url()))
    faq_answer_changed(admin_client, entry, "A research study.")
    # Another trial's page puts the new FAQ into the shared cache first (as
    # another process would): the pages kept with the old one are not served.
    other = TrialFactory()
    assert "A research study." in page_text(Client().get(other.get_absolute_url()))
    assert "A research study." in page_text(Client().get("/faq/"))
    assert "A research study." in page_text(Client().get(trial.get_absolute_url()))


def test_each_language_and_notes_variant_is_kept_apart(trial):
    english, chinese = trial.get_absolute_url(), f"/zh-hans{trial.get_absolute_url()}"
    for _ in range(2):
        assert '<html lang="en"' in Client().get(english).content.decode()
        assert '<html lang="zh-Hans"' in Client().get(chinese).content.decode()
    with_notes = Client()
    with_notes.cookies["tf_notes"] = "a-browser-token"
    assert "data-has-notes" in with_notes.get(english).content.decode()
    assert "data-has-notes" not in Client().get(english).content.decode()


def test_a_new_recruiting_trial_shows_at_once_on_the_kept_home_page(trial):
    Client().get("/")
    assert served_kept(Client().get("/"))
    TrialFactory(brief_title="A newly listed trial of proton therapy")
    response = Client().get("/")
    assert not served_kept(response)
    assert "A newly listed trial of proton therapy" in page_text(response)
