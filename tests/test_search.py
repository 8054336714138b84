"""Search on PostgreSQL: ranking, websearch syntax, typos, filters, distance."""

import datetime

import pytest
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from tests.factories import ConditionFactory, SiteFactory, TrialFactory
from trials.distance import Origin, bounding_box, nearest_window
from trials.lexicon import search_words_refresh
from trials.models import Condition, RecruitmentStatus, Trial
from trials.search import (
    Criteria,
    _narrowed,
    filtered_trials,
    rank_window,
    trials_search,
    walk_scope,
)
from trials.text_match import match_expression
from trials.understanding import query_understand

pytestmark = pytest.mark.django_db

HANGZHOU = Origin(30.2741, 120.1551, "Hangzhou, CN")


def titles(criteria: Criteria) -> list[str]:
    """The first page's titles, as the site searches."""
    return [trial.brief_title for trial in trials_search(criteria=criteria).trials]


def test_it_ranks_title_and_condition_matches_before_description_matches(postgres):
    TrialFactory(brief_title="Exercise after surgery", description="Sarcoma patients may join.")
    TrialFactory(
        brief_title="Preoperative radiotherapy",
        conditions=[ConditionFactory(name="Soft Tissue Sarcoma")],
    )
    TrialFactory(brief_title="Sarcoma surgery outcomes")
    found = titles(Criteria(q="sarcoma"))
    assert found[-1] == "Exercise after surgery"
    assert set(found[:2]) == {"Preoperative radiotherapy", "Sarcoma surgery outcomes"}


def test_it_understands_quotes_or_and_exclusion(postgres):
    TrialFactory(brief_title="Soft tissue sarcoma radiotherapy")
    TrialFactory(brief_title="Tissue repair in soft palate")
    TrialFactory(brief_title="Pediatric sarcoma chemotherapy")
    TrialFactory(brief_title="Bone metastases pain")
    assert titles(Criteria(q='"soft tissue"')) == ["Soft tissue sarcoma radiotherapy"]
    assert sorted(titles(Criteria(q="metastases OR chemotherapy"))) == [
        "Bone metastases pain",
        "Pediatric sarcoma chemotherapy",
    ]
    assert titles(Criteria(q="sarcoma -pediatric")) == ["Soft tissue sarcoma radiotherapy"]


def test_it_finds_by_sponsor_and_keyword(postgres):
    TrialFactory(brief_title="A", lead_sponsor="Zhejiang University")
    TrialFactory(brief_title="B", keywords=["SBRT", "neoadjuvant"])
    assert titles(Criteria(q="zhejiang")) == ["A"]
    assert titles(Criteria(q="neoadjuvant")) == ["B"]


def test_it_tolerates_a_typo_in_a_condition_name(postgres):
    TrialFactory(brief_title="Radiotherapy study", conditions=[ConditionFactory(name="Sarcoma")])
    search_words_refresh()
    results = trials_search(criteria=Criteria(q="sarcomma"))
    assert [t.brief_title for t in results.trials] == ["Radiotherapy study"]
    assert (results.corrected_from, results.corrected_to) == ("sarcomma", "sarcoma")


def test_it_filters_by_status_recruiting_by_default(postgres):
    TrialFactory(brief_title="Open")
    TrialFactory(brief_title="Soon", overall_status=RecruitmentStatus.NOT_YET_RECRUITING)
    TrialFactory(brief_title="Done", overall_status=RecruitmentStatus.COMPLETED)
    TrialFactory(brief_title="Hidden", published=False)
    assert titles(Criteria()) == ["Open"]
    assert sorted(titles(Criteria(status="open"))) == ["Open", "Soon"]
    assert sorted(titles(Criteria(status="all"))) == ["Done", "Open", "Soon"]


def test_it_filters_by_condition_phase_type_sex_volunteers_and_country(postgres):
    sarcoma = ConditionFactory(name="Sarcoma")
    match = TrialFactory(
        brief_title="Match",
        conditions=[sarcoma],
        phases=["PHASE1", "PHASE2"],
        study_type="INTERVENTIONAL",
        sex="FEMALE",
        healthy_volunteers=True,
    )
    SiteFactory(trial=match, country="China")
    other = TrialFactory(brief_title="Other", phases=["EARLY_PHASE1"], study_type="OBSERVATIONAL")
    SiteFactory(trial=other, country="France")
    assert titles(Criteria(condition="sarcoma")) == ["Match"]
    assert titles(Criteria(phase="PHASE1")) == ["Match"]
    assert titles(Criteria(phase="EARLY_PHASE1")) == ["Other"]
    assert titles(Criteria(study_type="OBSERVATIONAL")) == ["Other"]
    assert titles(Criteria(sex="MALE")) == ["Other"]
    assert sorted(titles(Criteria(sex="FEMALE"))) == ["Match", "Other"]
    assert titles(Criteria(healthy_volunteers=True)) == ["Match"]
    assert titles(Criteria(country="france")) == ["Other"]
    both = Criteria(condition="Sarcoma", phase="PHASE2", country="China", sex="FEMALE")
    assert titles(both) == ["Match"]
    assert titles(Criteria(condition="Sarcoma", country="France")) == []


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (17, ["Any age", "Children", "Up to 17"]),
        (18, ["Adults", "Any age", "From 18"]),
        (80, ["Adults", "Any age", "From 18"]),
        (81, ["Any age", "From 18"]),
    ],
)
def test_it_keeps_trials_whose_age_range_includes_the_patient(postgres, age, expected):
    TrialFactory(brief_title="Adults", minimum_age_days=18 * 365, maximum_age_days=80 * 365)
    TrialFactory(brief_title="Children", minimum_age_days=6 * 30, maximum_age_days=17 * 365)
    TrialFactory(brief_title="From 18", minimum_age_days=18 * 365, maximum_age_days=None)
    TrialFactory(brief_title="Up to 17", minimum_age_days=None, maximum_age_days=17 * 365)
    TrialFactory(brief_title="Any age", minimum_age_days=None, maximum_age_days=None)
    assert sorted(titles(Criteria(age=age))) == expected


def test_it_orders_by_the_nearest_recruiting_site_within_the_radius(postgres):
    near = TrialFactory(brief_title="Near")
    SiteFactory(trial=near, latitude=30.2588, longitude=120.1693)  # Hangzhou, ~2 km
    farther = TrialFactory(brief_title="Farther")
    SiteFactory(trial=farther, latitude=29.8683, longitude=121.5440)  # Ningbo, ~140 km
    SiteFactory(trial=farther, latitude=39.9042, longitude=116.4074)  # Beijing
    closed_nearby = TrialFactory(brief_title="Closed nearby")
    SiteFactory(
        trial=closed_nearby,
        latitude=30.27,
        longitude=120.16,
        status=RecruitmentStatus.COMPLETED,
    )
    far = TrialFactory(brief_title="Far")
    SiteFactory(trial=far, latitude=39.9042, longitude=116.4074)
    assert titles(Criteria(origin=HANGZHOU, radius_km=250)) == ["Near", "Farther"]
    assert titles(Criteria(origin=HANGZHOU, radius_km=50)) == ["Near"]
    results = trials_search(criteria=Criteria(origin=HANGZHOU, radius_km=250))
    assert [t.nearest_distance_km for t in results.trials] == [2, 141]


def test_a_trial_with_many_sites_near_the_place_is_listed_once_by_its_nearest():
    many = TrialFactory(brief_title="Many sites")
    SiteFactory(trial=many, latitude=29.8683, longitude=121.5440)  # Ningbo, ~140 km
    SiteFactory(trial=many, latitude=30.2588, longitude=120.1693)  # Hangzhou, ~2 km
    SiteFactory(trial=many, latitude=31.2304, longitude=121.4737)  # Shanghai, ~160 km
    SiteFactory(trial=many, latitude=30.27, longitude=120.16, status=RecruitmentStatus.COMPLETED)
    one = TrialFactory(brief_title="One site")
    SiteFactory(trial=one, latitude=30.5928, longitude=114.3055)  # Wuhan, far
    SiteFactory(trial=one, latitude=30.0, longitude=120.5)  # ~40 km
    results = trials_search(criteria=Criteria(origin=HANGZHOU, radius_km=250))
    assert [t.brief_title for t in results.trials] == ["Many sites", "One site"]
    assert results.count == 2
    assert [t.nearest_distance_km for t in results.trials] == [2, 45]
    assert results.trials[0].nearest_site == many.sites.get(latitude=30.2588)
    # Page two of the nearest starts after the first page's last trial.
    ordered = Criteria(origin=HANGZHOU, radius_km=250)
    assert trials_search(criteria=ordered, page=2).trials == []


@pytest.mark.parametrize("ratio", [0.0, 10**9])
def test_the_nearest_are_the_same_whichever_side_is_read_first(ratio):
    # ratio 0: each near trial is read and tested; 10**9: the trials meeting
    # the criteria are read first, then joined with those near the place.
    for n, (latitude, longitude) in enumerate([(30.26, 120.17), (29.87, 121.54), (30.0, 120.5)]):
        sarcoma = TrialFactory(brief_title=f"Sarcoma {n}", last_updated=datetime.date(2025, 1, 1))
        SiteFactory(trial=sarcoma, latitude=latitude, longitude=longitude)
        other = TrialFactory(brief_title=f"Breast cancer {n}")
        SiteFactory(trial=other, latitude=latitude, longitude=longitude)
    tie = TrialFactory(brief_title="Sarcoma newer", last_updated=datetime.date(2025, 6, 1))
    SiteFactory(trial=tie, latitude=30.26, longitude=120.17)
    far = TrialFactory(brief_title="Sarcoma far")
    SiteFactory(trial=far, latitude=39.9042, longitude=116.4074)
    sarcoma_trials = Trial.objects.filter(brief_title__startswith="Sarcoma")
    ids = nearest_window(sarcoma_trials, HANGZHOU, 250, 3, ratio=ratio)
    title_of = dict(Trial.objects.values_list("pk", "brief_title"))
    # Nearest first, the newer of two at the same place first.
    assert [title_of[pk] for pk in ids] == ["Sarcoma newer", "Sarcoma 0", "Sarcoma 2"]
    assert nearest_window(sarcoma_trials.none(), HANGZHOU, 250, 3, ratio=ratio) == []
    assert nearest_window(sarcoma_trials, Origin(0.0, 0.0), 250, 3, ratio=ratio) == []
    # A condition no trial has: no SQL at all, and no results.
    assert titles(Criteria(condition="No such condition", origin=HANGZHOU, radius_km=250)) == []


def test_it_combines_words_and_distance(postgres):
    sarcoma = TrialFactory(brief_title="Sarcoma radiotherapy")
    SiteFactory(trial=sarcoma, latitude=29.8683, longitude=121.5440)
    other = TrialFactory(brief_title="Breast cancer")
    SiteFactory(trial=other, latitude=30.2588, longitude=120.1693)
    assert titles(Criteria(q="sarcoma", origin=HANGZHOU, radius_km=250)) == ["Sarcoma radiotherapy"]
    # Best match first when asked for, even with a place.
    criteria = Criteria(q="sarcoma", origin=HANGZHOU, radius_km=250, sort="relevance")
    assert titles(criteria) == ["Sarcoma radiotherapy"]


def test_it_caps_the_count_and_suggests_what_to_loosen(postgres, settings, monkeypatch):
    monkeypatch.setattr("trials.search.COUNT_CAP", 3)
    TrialFactory.create_batch(5, brief_title="Pain study")
    results = trials_search(criteria=Criteria(q="pain"))
    assert (results.count, results.count_capped) == (3, True)
    empty = trials_search(criteria=Criteria(q="pain", age=5, phase="PHASE3"))
    assert empty.count == 0
    assert empty.loosen == ["status", "age", "phase", "q"]


def test_it_finds_a_trial_by_its_condition_after_a_rename(postgres):
    condition = ConditionFactory(name="Sarcomma")
    TrialFactory(brief_title="Radiotherapy study", conditions=[condition])
    condition.name = "Liposarcoma"
    condition.save()
    assert titles(Criteria(q="liposarcoma")) == ["Radiotherapy study"]
    # The old name is gone from the index (searched as typed: corrected,
    # "sarcomma" is sarcoma, whose family in MeSH holds liposarcoma).
    assert trials_search(criteria=Criteria(q="sarcomma"), as_typed=True).trials == []
    Condition.objects.filter(pk=condition.pk).update(name="Myxoid liposarcoma")
    assert titles(Criteria(q="myxoid")) == ["Radiotherapy study"]


def test_it_follows_changes_to_a_trials_conditions(postgres):
    trial = TrialFactory(brief_title="Radiotherapy study")
    gout, lupus = ConditionFactory(name="Gout"), ConditionFactory(name="Lupus")
    trial.conditions.add(gout)
    assert titles(Criteria(q="gout")) == ["Radiotherapy study"]
    trial.conditions.set([lupus])
    assert (titles(Criteria(q="gout")), titles(Criteria(q="lupus"))) == ([], ["Radiotherapy study"])
    other = TrialFactory(brief_title="Diet study")
    Trial.conditions.through.objects.filter(trial=trial).update(trial=other)
    assert titles(Criteria(q="lupus")) == ["Diet study"]
    other.conditions.clear()
    assert titles(Criteria(q="lupus")) == []


@pytest.mark.parametrize(
    ("origin", "site"),
    [
        (Origin(-18.1416, 178.4419, "Suva, FJ"), (-16.80, -179.95)),
        (Origin(-16.80, -179.95, "Taveuni, FJ"), (-18.1416, 178.4419)),
    ],
)
def test_it_finds_sites_across_the_180th_meridian(origin, site):
    across = TrialFactory(brief_title="Across the date line")
    SiteFactory(trial=across, latitude=site[0], longitude=site[1])
    far = TrialFactory(brief_title="Other side of the world")
    SiteFactory(trial=far, latitude=site[0], longitude=site[1] + (-170 if site[1] > 0 else 170))
    assert titles(Criteria(origin=origin, radius_km=300)) == ["Across the date line"]
    results = trials_search(criteria=Criteria(origin=origin, radius_km=300))
    assert [t.nearest_distance_km for t in results.trials] == [227]


def test_it_spans_every_longitude_near_a_pole():
    south, north, longitudes = bounding_box(Origin(89.5, 10.0), 100)
    assert (north, longitudes) == (90.0, [(-180.0, 180.0)])
    (west, east), (wrapped_west, wrapped_east) = bounding_box(Origin(0.0, 179.0), 222)[2]
    assert (round(west), east, wrapped_west, round(wrapped_east)) == (177, 180, -180, -179)


@pytest.mark.parametrize(("walk_ratio", "walk_rows"), [(10**6, 4), (10**6, 1_000), (0, 1_000)])
@pytest.mark.parametrize("size", [1, 3, 7, 12, 30, 61, 100])
@pytest.mark.parametrize("out_of_line", [False, True])
def test_the_window_is_the_newest_matches_walked_or_read_by_index(
    postgres, monkeypatch, size, walk_ratio, walk_rows, out_of_line
):
    """Walked newest first (a broad term) or read through the GIN index (a
    rare one, or a walk that found too few), the window is exactly the newest
    matches, undated ones last."""
    start = datetime.date(2020, 1, 1)
    for day in range(0, 120, 2):
        pain_day, diet_day = start + datetime.timedelta(day), start + datetime.timedelta(day + 1)
        TrialFactory(brief_title=f"Pain study {day}", last_updated=pain_day)
        TrialFactory(brief_title=f"Diet study {day}", last_updated=diet_day)
    TrialFactory(brief_title="Pain study undated", last_updated=None)
    TrialFactory(brief_title="Pain study closed", overall_status=RecruitmentStatus.COMPLETED)
    with postgres.cursor() as cursor:
        cursor.execute("ANALYZE trials_trial")
    monkeypatch.setattr("trials.search.WALK_ROWS", walk_rows)
    monkeypatch.setattr("trials.search.WALK_RATIO", walk_ratio)
    monkeypatch.setattr("trials.search.WALK_RATIO_OUT_OF_LINE", walk_ratio)
    criteria = Criteria(q="pain")
    pain = filtered_trials(criteria)
    newest = list(
        pain.order_by(F("last_updated").desc(nulls_last=True), "pk").values_list("pk", flat=True)
    )
    assert len(newest) == 61
    understanding = query_understand("pain", correct=False)
    match = match_expression(understanding, ranked=not out_of_line)
    scope = walk_scope(_narrowed(criteria), _narrowed(Criteria()))
    window = rank_window(_narrowed(criteria), match, size, out_of_line=out_of_line, scope=scope)
    assert window == newest[:size]


@pytest.mark.parametrize("size", [1, 3, 7, 12, 30, 61, 100])
def test_a_quoted_phrases_window_read_among_the_newest_trials_is_the_newest_matches(postgres, size):
    """A quoted phrase expected to match many windows is read through the
    index among the newest trials first; whether the slices hold a window or
    every match is read, the window is exactly the newest matches."""
    # The newest trials have both words but not the phrase, so that a probe
    # of the newest finds none and the index is read.
    start = datetime.date(2020, 1, 1)
    for day in range(120):
        TrialFactory(brief_title=f"Pain study {day}", last_updated=start + datetime.timedelta(day))
    for day in range(120, 320):
        TrialFactory(
            brief_title=f"Study of pain {day}", last_updated=start + datetime.timedelta(day)
        )
    TrialFactory(brief_title="Pain study undated", last_updated=None)
    with postgres.cursor() as cursor:
        cursor.execute("ANALYZE trials_trial")
    criteria = Criteria(q='"pain study"', status="all")
    phrase = filtered_trials(criteria)
    newest = list(
        phrase.order_by(F("last_updated").desc(nulls_last=True), "pk").values_list("pk", flat=True)
    )
    assert len(newest) == 121
    match = match_expression(query_understand(criteria.q, correct=False), ranked=True)
    scope = walk_scope(_narrowed(criteria), _narrowed(Criteria(status="all")))
    with CaptureQueriesContext(postgres) as queries:
        window = rank_window(_narrowed(criteria), match, size, scope=scope, positional=True)
    assert window == newest[:size]
    sliced = any('"last_updated" >=' in query["sql"] for query in queries)
    # A window of a few of the matches is read through slices first; one of
    # most of them is not.
    assert sliced == (size <= 7) or 7 < size < 61


def test_a_quoted_phrase_is_matched_in_titles_and_conditions(postgres):
    TrialFactory(brief_title="Radiation therapy for bone metastases")
    TrialFactory(
        brief_title="Pain after surgery",
        conditions=[ConditionFactory(name="Radiation Therapy Complication")],
    )
    TrialFactory(brief_title="Exercise study", description="Prior radiation therapy is allowed.")
    TrialFactory(brief_title="Therapy dogs", description="No radiation.")
    assert sorted(titles(Criteria(q='"radiation therapy"'))) == [
        "Pain after surgery",
        "Radiation therapy for bone metastases",
    ]
    # Without quotes the words are found everywhere, the description included.
    assert len(titles(Criteria(q="radiation therapy"))) == 4


def test_it_ranks_an_older_title_match_above_newer_mentions(postgres, monkeypatch):
    monkeypatch.setattr("trials.search.RANK_WINDOW", 2)
    monkeypatch.setattr("trials.search.COUNT_CAP", 1)
    TrialFactory(brief_title="Sarcoma surgery", last_updated=datetime.date(2019, 1, 1))
    for day in (1, 2, 3):
        TrialFactory(
            brief_title=f"Exercise study {day}",
            description="Sarcoma patients may join.",
            last_updated=datetime.date(2025, 1, day),
        )
    results = trials_search(criteria=Criteria(q="sarcoma"))
    # The 2 newest matches and the 2 newest title matches, title matches first.
    assert [t.brief_title for t in results.trials] == [
        "Sarcoma surgery",
        "Exercise study 3",
        "Exercise study 2",
    ]
    assert (results.count, results.count_capped) == (1, True)
    newest = trials_search(criteria=Criteria(q="sarcoma", sort="updated"))
    assert [t.brief_title for t in newest.trials] == ["Exercise study 3", "Exercise study 2"]
