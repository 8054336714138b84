"""The home, list and trial pages cost a fixed number of SQL queries, however
many trials, sites and conditions there are."""

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from trials.models import TrialPage
from trials.site_list import SITES_PER_PAGE
from trials.views.pages import HOME_TRIALS

pytestmark = pytest.mark.django_db


def make_trials(count: int, sites_each: int = 3) -> list:
    trials = []
    for number in range(count):
        trial = TrialFactory(
            conditions=[
                ConditionFactory(name=f"Condition {number}"),
                ConditionFactory(name="Cancer"),
            ],
            keywords=["radiotherapy"],
        )
        for site_number in range(sites_each):
            SiteFactory(
                trial=trial, city=f"City {site_number}", is_primary_contact=site_number == 0
            )
        trials.append(trial)
    return trials


def queries_for(client, url: str, *, cold: bool = True) -> int:
    if cold:  # as if nothing of the page were cached or stored yet
        cache.clear()
        caches["pages"].clear()
        TrialPage.objects.all().delete()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("url_name", ["trials:home", "trials:list"])
def test_the_listing_pages_do_not_query_per_trial(client, url_name):
    url = reverse(url_name)
    make_trials(2)
    with_two = queries_for(client, url)
    make_trials(48)
    with_fifty = queries_for(client, url)
    assert with_fifty == with_two
    # The page really listed them all (a broken page would be cheap, too).
    cards = client.get(url).content.decode().count('class="card trial-card')
    # The home page shows a few recruiting trials; the list page one page of results.
    assert cards == HOME_TRIALS if url_name == "trials:home" else cards >= 10


def test_the_list_page_search_does_not_query_per_trial(client):
    url = reverse("trials:list") + "?q=cancer"
    make_trials(2)
    # The first search of a process also loads the search vocabulary.
    client.get(url)
    with_two = queries_for(client, url)
    make_trials(48)
    assert queries_for(client, url) == with_two


def test_the_trial_page_does_not_query_per_site_or_trial(client):
    small = make_trials(2, sites_each=2)[0]
    with_two = queries_for(client, small.get_absolute_url())
    large = make_trials(48, sites_each=50)[0]
    with_fifty = queries_for(client, large.get_absolute_url())
    assert with_fifty == with_two
    # One page of the 50 sites (trials/site_list.py); the others are a click away.
    html = client.get(large.get_absolute_url()).content.decode()
    assert html.count('class="site-item"') == SITES_PER_PAGE
    assert "Showing sites 1–10 of 50" in html
    # Once its parts are cached, the trial itself is all a page reads.
    assert queries_for(client, large.get_absolute_url(), cold=False) == 1
