"""Whatever is put in the search page's URL, and in the place suggestions:
a page (or a redirect to a trial), never a server error."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.fuzz import ANY_VALUE, fields, fuzz, no_server_error
from tests.page_text import page_text
from trials.models import Place, PlaceName

pytestmark = pytest.mark.django_db

FILTERS = {
    "q": [
        "radiotherapy",
        "sarcoma OR glioma",
        '"bone metastases" -pain',
        "sarcomma",
        "nct06760221",
    ],
    "status": ["recruiting", "open", "all"],
    "condition": ["Sarcoma", "Bone Metastases", "bone metastases"],
    "phase": ["PHASE2", "NA", "EARLY_PHASE1"],
    "study_type": ["INTERVENTIONAL", "OBSERVATIONAL"],
    "age": ["40", "0", "120", "121"],
    "sex": ["FEMALE", "MALE"],
    "healthy_volunteers": ["on"],
    "country": ["China", "china"],
    "place": ["Hangzhou", "杭州", "Atlantis"],
    "lat": ["30.29", "90", "-90.5"],
    "lon": ["120.16", "180", "181"],
    "radius": ["100", "1000", "7"],
    "sort": ["", "distance", "updated", "relevance"],
    "page": ["1", "2", "50", "51"],
}


@pytest.fixture
def registry():
    sarcoma = ConditionFactory(name="Sarcoma")
    metastases = ConditionFactory(name="Bone Metastases")
    for n in range(3):
        trial = TrialFactory(
            brief_title=f"Radiotherapy for sarcoma {n}", conditions=[sarcoma, metastases]
        )
        SiteFactory(trial=trial, city="Hangzhou", country="China")
    TrialFactory(nct_id="NCT06760221", conditions=[metastases], overall_status="COMPLETED")
    place = Place.objects.create(
        geoname_id=1808926, name="Hangzhou", country_code="CN", latitude=30.29, longitude=120.16
    )
    PlaceName.objects.create(place=place, name="Hangzhou", key="hangzhou")
    PlaceName.objects.create(place=place, name="杭州", key="杭州")


@fuzz(max_examples=120)
@given(query=fields(FILTERS), htmx=st.booleans())
def test_the_results_page_answers_any_query(client, registry, query, htmx):
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.get(reverse("trials:list"), query, headers=headers)

    no_server_error(response)
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 200:
        text = page_text(response)
        assert "trial" in text or "No trials" in text


@fuzz(max_examples=60)
@given(q=ANY_VALUE)
def test_place_suggestions_answer_any_text(client, registry, q):
    response = client.get(reverse("trials:place_suggest"), {} if q is None else {"q": q})

    no_server_error(response)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert isinstance(response.json()["places"], list)
