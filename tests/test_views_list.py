"""The trial list page: search box, filters, results, pages, all in the URL."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import Place, PlaceName
from trials.search import ESTIMATES
from trials.understanding import VOCABULARY

pytestmark = pytest.mark.django_db

LIST = reverse("trials:list")


@pytest.fixture
def hangzhou():
    place = Place.objects.create(
        geoname_id=1808926,
        name="Hangzhou",
        country_code="CN",
        latitude=30.29365,
        longitude=120.16142,
        population=6241971,
    )
    PlaceName.objects.create(place=place, name="Hangzhou", key="hangzhou")
    PlaceName.objects.create(place=place, name="杭州", key="杭州")
    return place


def test_it_jumps_to_the_trial_for_an_exact_nct_number(client):
    TrialFactory(nct_id="NCT06760221")
    response = client.get(LIST, {"q": " nct06760221 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("trials:detail", args=["NCT06760221"])


def test_it_shows_the_count_and_a_card_per_trial(client):
    TrialFactory(brief_title="Sarcoma radiotherapy")
    TrialFactory(brief_title="Breast cancer screening")
    text = page_text(client.get(LIST, {"q": "sarcoma"}))
    assert "1 trial" in text
    assert "Sarcoma radiotherapy" in text
    assert "Breast cancer screening" not in text


def test_it_keeps_every_filter_in_the_url_and_the_form(client):
    html = client.get(
        LIST, {"q": "sarcoma", "age": "40", "sex": "FEMALE", "phase": "PHASE2", "status": "all"}
    ).content.decode()
    assert 'value="sarcoma"' in html
    assert re.search(r'name="age"[^>]*value="40"', html)
    assert re.search(r'<option value="FEMALE" selected>', html)
    assert re.search(r'<option value="PHASE2" selected>', html)
    assert re.search(r'<option value="all" selected>', html)


def test_it_pages_through_results_keeping_the_search(client):
    TrialFactory.create_batch(25, brief_title="Pain study")
    first = client.get(LIST, {"q": "pain", "age": "30"}).content.decode()
    assert first.count('class="card trial-card') == 20
    assert 'href="?q=pain&amp;age=30&amp;page=2"' in first
    second = client.get(LIST, {"q": "pain", "age": "30", "page": "2"}).content.decode()
    assert second.count('class="card trial-card') == 5
    assert 'href="?q=pain&amp;age=30&amp;page=1"' in second
    assert "page=3" not in second


def test_it_answers_htmx_with_the_results_only(client):
    TrialFactory(brief_title="Sarcoma radiotherapy")
    response = client.get(LIST, {"q": "sarcoma"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "Sarcoma radiotherapy" in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]
    full = client.get(LIST, {"q": "sarcoma"}).content.decode()
    assert 'hx-get="/trials/"' in full and 'hx-push-url="true"' in full
    assert "<html" in full


def test_it_suggests_what_to_loosen_when_nothing_matches(client):
    TrialFactory(brief_title="Sarcoma radiotherapy", minimum_age_days=18 * 365)
    text = page_text(client.get(LIST, {"q": "sarcoma", "age": "10"}))
    assert "No trial matches your search." in text
    assert "leaving out your age" in text
    assert "including trials that are not recruiting yet" in text


def test_it_finds_trials_near_a_named_place_with_the_nearest_site(client, hangzhou):
    trial = TrialFactory(brief_title="Sarcoma radiotherapy")
    SiteFactory(
        trial=trial, facility="Beijing Hospital", city="Beijing", latitude=39.9, longitude=116.4
    )
    SiteFactory(
        trial=trial, facility="Ningbo Hospital", city="Ningbo", latitude=29.87, longitude=121.54
    )
    far = TrialFactory(brief_title="Only in Beijing")
    SiteFactory(trial=far, city="Beijing", latitude=39.9, longitude=116.4)
    text = page_text(client.get(LIST, {"place": "杭州", "radius": "250"}))
    assert "1 trial within 250 km of Hangzhou, CN" in text
    assert "Nearest recruiting site Ningbo Hospital, Ningbo, China · 141 km away" in text
    assert "Only in Beijing" not in text
    # The suggestions offer "Hangzhou, CN": the same place, the same results.
    suggested = page_text(client.get(LIST, {"place": "Hangzhou, CN", "radius": "250"}))
    assert "1 trial within 250 km of Hangzhou, CN" in suggested
    assert 'list="search-place-suggestions"' in client.get(LIST).content.decode()


def test_it_says_when_it_does_not_know_a_place(client):
    TrialFactory(brief_title="Sarcoma radiotherapy")
    text = page_text(client.get(LIST, {"place": "Atlantis"}))
    assert "We do not know this place. Try a nearby city." in text
    assert "Sarcoma radiotherapy" in text


def queries_for(client, params: dict) -> int:
    VOCABULARY.understood.clear()  # the query understood afresh, as by a new process
    ESTIMATES.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return len(context.captured_queries)


def make(count: int) -> None:
    cancer = ConditionFactory(name="Cancer")
    for number in range(count):
        trial = TrialFactory(brief_title=f"Cancer study {number}", conditions=[cancer])
        SiteFactory(trial=trial)
        SiteFactory(trial=trial, city="Ningbo", latitude=29.87, longitude=121.54)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "cancer"},
        {"q": "cancer", "age": "40", "phase": "NA", "country": "China"},
        {"q": "cancer", "place": "Hangzhou", "radius": "250"},
        {"q": "cancer", "status": "all", "sort": "updated"},
        {"condition": "Cancer", "age": "40"},
        {"lat": "30.27", "lon": "120.15", "sort": "distance"},
    ],
)
def test_it_costs_the_same_queries_with_more_trials(client, hangzhou, params):
    make(2)
    with_two = queries_for(client, params)
    make(48)
    assert queries_for(client, params) == with_two  # at 50 trials
    assert 'class="card trial-card' in client.get(LIST, {**params, "page": "1"}).content.decode()
