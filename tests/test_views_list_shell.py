"""The trial list assembled by the Jinja2 shell (trials/shell.py) is the page
Django's templates render: the same HTML and headers in each language, for
results, pages of results, filters, an empty search and a search too long."""

import pytest
from django.core.cache import caches
from django.test import Client

from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from tests.test_stored_parts import same_html
from trials.models import RecruitmentStatus

pytestmark = pytest.mark.django_db

HEADERS = ("Content-Type", "Cache-Control", "Vary", "Content-Language", "Content-Security-Policy")


@pytest.fixture
def trials():
    sarcoma = ConditionFactory(name="Soft Tissue Sarcoma")
    made = [
        TrialFactory(
            brief_title=f"Radiotherapy for sarcoma, cohort {n}",
            conditions=[sarcoma],
            phases=["PHASE2"] if n % 2 else ["PHASE3"],
        )
        for n in range(23)
    ]
    for trial in made[:3]:
        SiteFactory(trial=trial, city="Hangzhou", country="China", is_primary_contact=True)
        SiteFactory(trial=trial, city="Ningbo", country="China")
    TrialFactory(brief_title="Breast cancer screening", overall_status=RecruitmentStatus.COMPLETED)
    return made


def django_rendered(path: str, **headers):
    """The page as Django's templates render it: nothing kept or stored yet."""
    caches["pages"].clear()
    return Client().get(path, **headers)


def shell_assembled(path: str, **headers):
    """The page again, from the header, footer and cards the first visit kept."""
    return Client().get(path, **headers)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=sarcoma",
        "?q=sarcoma&page=2",
        "?q=sarcoma&status=all&phase=PHASE2&sex=FEMALE&age=40&sort=updated&country=China",
        "?q=sarcoma&healthy_volunteers=1",
        "?q=no+such+words+anywhere",
        "?q=sarcoma+%22soft+tissue%22+-crohn%27s&country=C%C3%B4te+d%27Ivoire&place=%3Cb%3E",
        "?q=sarcoma&phase=NO_SUCH_PHASE&age=300",
        "?q=" + "sarcoma " * 50,
    ],
)
def test_the_shell_gives_the_list_django_renders(trials, language, query):
    path = ("/trials/" if language == "en" else "/zh-hans/trials/") + query
    rendered = django_rendered(path)
    assembled = shell_assembled(path)
    assert "trials/list.html" in [template.name for template in rendered.templates]
    assert assembled.templates == []  # Django's templates rendered nothing
    assert assembled.status_code == rendered.status_code == 200
    assert same_html(assembled) == same_html(rendered)
    for header in HEADERS:
        assert assembled.get(header) == rendered.get(header)
    assert assembled.cookies["csrftoken"].value


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_results_part_alone_is_the_part_django_renders(trials, language):
    """What the search form asks for as the visitor types (htmx)."""
    path = ("/trials/" if language == "en" else "/zh-hans/trials/") + "?q=sarcoma"
    rendered = django_rendered(path, HTTP_HX_REQUEST="true")
    assembled = shell_assembled(path, HTTP_HX_REQUEST="true")
    assert "trials/includes/results.html" in [t.name for t in rendered.templates]
    assert assembled.templates == []
    assert same_html(assembled) == same_html(rendered)
    for header in HEADERS:
        assert assembled.get(header) == rendered.get(header)


def test_cards_near_a_place_are_rendered_for_it(trials, client):
    """Near a place, each card links to the trial's sites nearest it and
    names the nearest: Django's template renders them, not the stored cards."""
    client.get("/trials/?q=sarcoma")
    html = client.get("/trials/?q=sarcoma&lat=30.29&lon=120.16").content.decode()
    assert "?lat=30.29&amp;lon=120.16" in html
    assert "Nearest recruiting site" in html
