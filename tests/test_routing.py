"""Which study site a patient's message goes to."""

import pytest

from tests.factories import SiteFactory, TrialFactory
from trials.distance import Origin, place_resolve
from trials.models import Inquiry, Place, PlaceName, RecruitmentStatus
from trials.routing import nearest_site_for, site_route

pytestmark = pytest.mark.django_db

HANGZHOU = Origin(30.2937, 120.1614, "Hangzhou, CN")
SHANGHAI = Origin(31.2222, 121.4581, "Shanghai, CN")


@pytest.fixture
def trial():
    trial = TrialFactory()
    SiteFactory(
        trial=trial,
        facility="Jinan Hospital",
        city="Jinan",
        latitude=36.6683,
        longitude=116.9972,
        is_primary_contact=True,
    )
    SiteFactory(trial=trial, facility="Hangzhou Hospital", latitude=30.2588, longitude=120.1693)
    SiteFactory(
        trial=trial,
        facility="Shanghai Hospital (closed)",
        city="Shanghai",
        latitude=31.2304,
        longitude=121.4737,
        status=RecruitmentStatus.COMPLETED,
    )
    return trial


def test_it_routes_to_the_nearest_recruiting_site(trial):
    route = site_route(trial=trial, origin=HANGZHOU)
    assert route.site.facility == "Hangzhou Hospital"
    assert route.routing == Inquiry.Routing.NEAREST
    assert 3 < route.distance_km < 5


def test_it_skips_sites_that_are_not_recruiting(trial):
    # Shanghai's own site has closed: Hangzhou (about 165 km) is the nearest open one.
    route = site_route(trial=trial, origin=SHANGHAI)
    assert route.site.facility == "Hangzhou Hospital"
    assert 150 < route.distance_km < 180


def test_it_skips_sites_without_coordinates():
    trial = TrialFactory()
    SiteFactory(trial=trial, facility="Unknown place", latitude=None, longitude=None)
    far = SiteFactory(trial=trial, facility="Jinan Hospital", latitude=36.67, longitude=117.0)
    assert nearest_site_for(trial.sites.all(), HANGZHOU)[0] == far


def test_it_sends_to_the_site_the_patient_picked(trial):
    jinan = trial.sites.get(facility="Jinan Hospital")
    route = site_route(trial=trial, origin=HANGZHOU, chosen=jinan)
    assert route.site == jinan
    assert route.routing == Inquiry.Routing.CHOSEN
    assert 750 < route.distance_km < 780


def test_it_falls_back_to_the_primary_contact_without_a_location(trial):
    route = site_route(trial=trial, origin=None)
    assert route.site.facility == "Jinan Hospital"
    assert route.routing == Inquiry.Routing.PRIMARY
    assert route.distance_km is None


def test_it_falls_back_to_the_primary_contact_when_no_recruiting_site_is_located():
    trial = TrialFactory()
    primary = SiteFactory(trial=trial, is_primary_contact=True, latitude=None, longitude=None)
    SiteFactory(trial=trial, status=RecruitmentStatus.COMPLETED)
    route = site_route(trial=trial, origin=HANGZHOU)
    assert route.site == primary
    assert route.routing == Inquiry.Routing.PRIMARY


def test_it_has_no_route_for_a_trial_without_sites():
    assert site_route(trial=TrialFactory(), origin=HANGZHOU) is None


def test_it_resolves_a_place_typed_with_its_country():
    springfield_il = Place.objects.create(
        geoname_id=1,
        name="Springfield",
        country_code="US",
        latitude=39.8,
        longitude=-89.6,
        population=114000,
    )
    springfield_au = Place.objects.create(
        geoname_id=2,
        name="Springfield",
        country_code="AU",
        latitude=-27.65,
        longitude=152.9,
        population=15000,
    )
    for place in (springfield_il, springfield_au):
        PlaceName.objects.create(place=place, name="Springfield", key="springfield")
    assert place_resolve("Springfield").label == "Springfield, US"
    assert place_resolve("springfield, au").latitude == -27.65
    assert place_resolve("Springfield, NZ") is None
    assert place_resolve("") is None
