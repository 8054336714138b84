"""The results page on a phone: results first, the filters one tap away (a
plain link, no JavaScript) with the number of filters that are on."""

import pytest

from tests.factories import TrialFactory
from tests.page_text import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def trials():
    TrialFactory(brief_title="Radiotherapy for bone metastases")


def test_results_come_before_the_filters_in_the_page(client):
    html = client.get("/trials/", {"q": "radiotherapy"}).content.decode()
    assert html.index('id="results"') < html.index('id="filters"')
    # The jump to the filters, and back, are links: they work without JavaScript.
    assert '<a class="btn btn-outline-primary" href="#filters">Filters</a>' in html
    assert '<a href="#results">Back to the results</a>' in html


@pytest.mark.parametrize(
    ("query", "active"),
    [
        ({"q": "radiotherapy"}, 0),
        ({"q": "radiotherapy", "sort": "updated"}, 0),
        ({"status": "all"}, 1),
        ({"age": "45", "sex": "FEMALE", "phase": "PHASE2"}, 3),
        ({"age": "300"}, 0),
        ({"country": "China", "healthy_volunteers": "1", "condition": "sarcoma"}, 3),
    ],
)
def test_it_counts_the_filters_that_are_on(client, query, active):
    text = page_text(client.get("/trials/", query))
    if active:
        assert f"Filters {active} active" in text
        assert f"Filters ({active} active)" in text
    else:
        assert "active" not in text.split("Filters")[1][:12]


def test_the_count_comes_with_the_results_htmx_swaps_in(client):
    response = client.get("/trials/", {"status": "all"}, HTTP_HX_REQUEST="true")
    assert "Filters 1 active" in page_text(response)
