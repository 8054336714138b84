"""The home page: search box, the recruiting trials as cards, a way to the FAQ."""

import re

import pytest
from django.urls import reverse

from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import RecruitmentStatus, Trial
from trials.views.pages import HOME_TRIALS

pytestmark = pytest.mark.django_db


@pytest.fixture
def sarcoma_trial():
    trial = TrialFactory(
        nct_id="NCT06760221",
        brief_title="Preoperative SBRT for Soft Tissue Sarcoma",
        lead_sponsor="Second Affiliated Hospital, School of Medicine, Zhejiang University",
        conditions=[ConditionFactory(name="Soft Tissue Sarcoma")],
    )
    SiteFactory(trial=trial, city="Hangzhou", is_primary_contact=True)
    SiteFactory(trial=trial, city="Ningbo")
    return trial


def test_it_shows_recruiting_trials_as_cards(client, sarcoma_trial):
    response = client.get("/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Preoperative SBRT for Soft Tissue Sarcoma" in text
    for fact in ("Status: Recruiting", "Ages: 18-80 years", "Sex: all", "Phase: not applicable"):
        assert fact in text
    assert "Second Affiliated Hospital, School of Medicine, Zhejiang University" in text
    assert "Hangzhou, Ningbo" in text
    assert 'href="/trials/NCT06760221/"' in response.content.decode()


def test_it_leaves_out_unpublished_and_closed_trials(client, sarcoma_trial):
    TrialFactory(brief_title="A hidden draft trial", published=False)
    TrialFactory(brief_title="A finished trial", overall_status=RecruitmentStatus.COMPLETED)
    text = page_text(client.get("/"))
    assert "Preoperative SBRT for Soft Tissue Sarcoma" in text
    assert "A hidden draft trial" not in text
    assert "A finished trial" not in text


def test_it_says_so_when_no_trial_is_recruiting(client):
    assert "No trial is recruiting at the moment" in page_text(client.get("/"))


def test_it_has_a_search_box_that_asks_the_list_page(client):
    html = client.get("/").content.decode()
    form = re.search(r"<form[^>]*role=\"search\"[^>]*>.*?</form>", html, re.S).group(0)
    assert f'action="{reverse("trials:list")}"' in form
    assert 'method="get"' in form
    assert 'name="q"' in form
    # The box has a visible label tied to it.
    assert re.search(r'<label[^>]*for="home-q"', form)
    assert 'id="home-q"' in form


def test_it_links_to_the_faq(client):
    html = client.get("/").content.decode()
    assert f'href="{reverse("trials:faq")}"' in html
    assert "Read the frequently asked questions" in page_text(html)


def test_it_is_built_for_screen_readers_and_keyboards(client):
    html = client.get("/").content.decode()
    assert re.search(r'<html lang="en"', html)
    assert '<a class="visually-hidden-focusable skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html and "<nav" in html
    headings = re.findall(r"<h([1-6])", html)
    assert headings[0] == "1" and headings.count("1") == 1
    # Headings never skip a level on the way down.
    for before, after in zip(headings, headings[1:], strict=False):
        assert int(after) <= int(before) + 1


def test_it_loads_only_our_own_assets(client):
    html = client.get("/").content.decode()
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "/static/css/site.css" in html
    # No script needed for the menu: the page works on Bootstrap's CSS alone.
    assert "bootstrap.bundle" not in html
    # Assets only: the canonical link and og:url are absolute addresses by design.
    assert not re.search(r"src=\"(https?:)?//", html)
    assert not re.search(r"<link rel=\"(stylesheet|icon)\" href=\"(https?:)?//", html)


def test_it_shows_a_few_recruiting_trials_however_many_there_are(client):
    def page(trial_count: int) -> tuple[int, int]:
        for _ in range(trial_count - Trial.objects.count()):
            SiteFactory(trial=TrialFactory(brief_title="A recruiting trial"))
        html = client.get("/").content.decode()
        return html.count('<article class="card trial-card'), len(html)

    cards, size = page(7)
    assert cards == HOME_TRIALS
    more_cards, bigger_size = page(40)
    assert more_cards == HOME_TRIALS
    assert bigger_size < size * 1.05
    assert "See all trials" in page_text(client.get("/"))


def test_it_shows_a_trial_edited_since_the_last_visit(client, sarcoma_trial):
    assert "Preoperative SBRT for Soft Tissue Sarcoma" in page_text(client.get("/"))
    sarcoma_trial.brief_title = "Preoperative radiotherapy for sarcoma"
    sarcoma_trial.save()
    text = page_text(client.get("/"))
    assert "Preoperative radiotherapy for sarcoma" in text
    assert "Preoperative SBRT" not in text


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_kept_home_page_is_the_page_rendered_afresh(sarcoma_trial, language):
    """The second visitor's page is assembled by the Jinja2 shell from the
    content, header and footer the first visit kept (trials/shell.py): the
    same page, with the visitor's own token in the language form."""
    from django.test import Client

    from tests.test_stored_parts import same_html

    path = "/" if language == "en" else "/zh-hans/"
    rendered = Client().get(path)
    assembled = Client().get(path)
    assert "trials/home.html" in [template.name for template in rendered.templates]
    assert assembled.templates == []  # Django's templates rendered nothing
    assert same_html(assembled) == same_html(rendered)
    assert "Preoperative SBRT for Soft Tissue Sarcoma" in page_text(assembled)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', assembled.content.decode())
    assert token and assembled.cookies["csrftoken"].value
    for header in ("Cache-Control", "Vary", "Content-Language", "Content-Security-Policy"):
        assert assembled[header] == rendered[header]
