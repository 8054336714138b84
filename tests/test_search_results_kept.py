"""The results of a popular search are kept for a minute and served again
without searching: the same page, per query and language."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ConditionFactory, TrialFactory
from tests.page_text import page_text

pytestmark = pytest.mark.django_db

LIST = reverse("trials:list")


@pytest.fixture
def kept(settings):
    settings.SEARCH_RESULTS_CACHE_SECONDS = 60


def sarcoma_trial(title: str):
    return TrialFactory(brief_title=title, conditions=[ConditionFactory(name="Sarcoma")])


def test_a_search_asked_again_is_answered_without_searching(client, kept):
    sarcoma_trial("Radiotherapy before surgery")
    first = client.get(LIST, {"q": "sarcoma"})
    with CaptureQueriesContext(connection) as again:
        second = client.get(LIST, {"q": "sarcoma"})
    assert page_text(second) == page_text(first)
    assert "Radiotherapy before surgery" in page_text(second)
    assert not [q for q in again.captured_queries if "trials_trial" in q["sql"]]


def test_each_query_page_and_language_is_kept_apart(client, kept):
    sarcoma_trial("Radiotherapy before surgery")
    TrialFactory(brief_title="Exercise after breast cancer")
    assert "Radiotherapy before surgery" in page_text(client.get(LIST, {"q": "sarcoma"}))
    other = page_text(client.get(LIST, {"q": "breast cancer"}))
    assert "Exercise after breast cancer" in other
    assert "Radiotherapy before surgery" not in other
    chinese = page_text(client.get("/zh-hans/trials/", {"q": "sarcoma"}))
    english = page_text(client.get(LIST, {"q": "sarcoma"}))
    assert chinese != english


def test_a_kept_search_shows_its_own_query_in_the_box_and_its_filters(client, kept):
    sarcoma_trial("Radiotherapy before surgery")
    client.get(LIST, {"q": "sarcoma"})
    response = client.get(LIST, {"q": "sarcoma", "status": "all"})
    assert 'value="sarcoma"' in response.content.decode()
    assert "(1 active)" in page_text(response)


def test_a_query_too_long_is_never_kept(client, kept):
    long_query = "sarcoma " * 60
    text = page_text(client.get(LIST, {"q": long_query}))
    assert "300" in text
    assert page_text(client.get(LIST, {"q": long_query})) == text


def test_with_keeping_off_every_search_is_fresh(client, settings):
    settings.SEARCH_RESULTS_CACHE_SECONDS = 0
    assert "No trial matches" in page_text(client.get(LIST, {"q": "sarcoma"}))
    sarcoma_trial("Radiotherapy before surgery")
    assert "Radiotherapy before surgery" in page_text(client.get(LIST, {"q": "sarcoma"}))


def test_a_repeated_parameter_is_kept_as_the_form_reads_it(client, kept):
    # The form reads the last of a repeated parameter: ?q=a&q=b searches "b".
    sarcoma_trial("Radiotherapy before surgery")
    TrialFactory(brief_title="Exercise after breast cancer")
    first = page_text(client.get(LIST + "?q=breast&q=sarcoma"))
    assert "Radiotherapy before surgery" in first
    assert "Exercise after breast cancer" not in first
    second = page_text(client.get(LIST + "?q=sarcoma&q=breast"))
    assert "Exercise after breast cancer" in second
    assert "Radiotherapy before surgery" not in second
