"""Search that understands patients: registry concepts, lay words, Chinese,
misspellings, ranking and hostile queries, through the page the site serves.

These run on either database (the embedded SQLite default has the same
understanding, more simply); the ranking tests need PostgreSQL."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ConditionFactory, TrialFactory
from tests.page_text import page_text
from trials.lexicon import search_words_refresh
from trials.models import SearchTerm, Trial
from trials.search import MAX_QUERY_LENGTH, Criteria, trials_search

pytestmark = pytest.mark.django_db

LIST = reverse("trials:list")
SARCOMA = "NCT06760221"
BONE_METASTASES = "NCT06987370"


@pytest.fixture
def shipped(terminology):
    """The two shipped trials, imported as `make run` imports them, and the
    shipped vocabulary."""
    call_command("import_trials", "data/NCT06760221.json", "data/NCT06987370.json", verbosity=0)
    call_command("load_vocabulary", verbosity=0)


@pytest.fixture
def vocabulary(terminology):
    call_command("load_vocabulary", verbosity=0)


def found(q: str, **criteria) -> list[str]:
    return [t.nct_id for t in trials_search(criteria=Criteria(q=q, **criteria)).trials]


def test_it_imports_the_registry_concepts_of_a_trials_conditions(shipped):
    concepts = Trial.objects.get(nct_id=SARCOMA).concepts.splitlines()
    assert concepts[:2] == ["Sarcoma", "Soft Tissue Neoplasms"]
    assert "Neoplasms" in concepts


def test_it_finds_the_sarcoma_trial_for_cancer(client, shipped):
    assert SARCOMA in found("cancer")
    response = client.get(LIST, {"q": "cancer"})
    assert "Soft Tissue Sarcoma of Extremities" in page_text(response)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("放疗", {SARCOMA, BONE_METASTASES}),
        ("放療", {SARCOMA, BONE_METASTASES}),  # Traditional characters
        ("肉瘤", {SARCOMA}),
        ("软组织肉瘤的放疗", {SARCOMA}),  # segmented: soft tissue sarcoma + radiotherapy
        ("骨转移 放疗", {BONE_METASTASES}),
    ],
)
def test_it_finds_english_records_for_a_chinese_query(client, shipped, q, expected):
    assert set(found(q)) == expected
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200
    assert "Showing trials for" in page_text(response)


def test_it_corrects_a_misspelling_and_offers_the_words_as_typed(client, shipped):
    assert set(found("radiotheraphy")) == {SARCOMA, BONE_METASTASES}
    response = client.get(LIST, {"q": "radiotheraphy"})
    text = page_text(response)
    assert "Showing trials for “radiotherapy”." in text
    assert "Search instead for “radiotheraphy”" in text
    assert b"q=radiotheraphy&amp;as_typed=1" in response.content
    as_typed = client.get(LIST, {"q": "radiotheraphy", "as_typed": "1"})
    assert "No trial matches your search." in page_text(as_typed)


def test_it_prefers_the_correction_more_trials_carry(vocabulary):
    TrialFactory(brief_title="Acute diabetic retinopathy imaging")
    for number in range(20):
        TrialFactory(brief_title=f"Diabetes self-care {number}")
    search_words_refresh()
    results = trials_search(criteria=Criteria(q="diabetis"))
    assert results.corrected_to == "diabetes"
    titles = {trial.brief_title for trial in results.trials}
    assert {f"Diabetes self-care {number}" for number in range(3)} <= titles


@pytest.mark.parametrize(
    ("typo", "word"),
    [
        ("haert", "heart"),  # two letters swapped, a short word
        ("alzhiemer", "alzheimer"),  # two letters swapped
        ("schizofrenia", "schizophrenia"),  # two edits: only a longer word gets them
        ("cancr", "cancer"),  # one edit from several words: the one most trials carry
    ],
)
def test_it_corrects_a_word_one_or_two_edits_away(db, typo, word):
    for name in ("Heart failure", "Heart attack", "Alzheimer disease", "Schizophrenia", "Cancer"):
        TrialFactory(brief_title=name)
    for name in ("Cancer pain", "Harm reduction", "Canary study", "Candor trial"):
        TrialFactory(brief_title=name)
    search_words_refresh()
    assert trials_search(criteria=Criteria(q=typo)).corrected_to == word


def test_a_real_word_is_never_replaced_but_offered_when_nothing_matches(db):
    """ "hart" is an English word (a stag): the search keeps it, and since
    no trial has it, the page asks "Did you mean heart?"."""
    for name in ("Heart failure", "Heart attack", "Harm reduction"):
        TrialFactory(brief_title=name)
    search_words_refresh()
    results = trials_search(criteria=Criteria(q="hart"))
    assert (results.corrected_to, results.count, results.suggestion) == ("", 0, "heart")


def test_a_lay_term_finds_its_concept_and_says_so(client, vocabulary):
    tia = TrialFactory(
        brief_title="Dual antiplatelet therapy after a warning event",
        conditions=[ConditionFactory(name="Transient Ischemic Attack")],
    )
    stones = TrialFactory(brief_title="Tamsulosin", concepts="Nephrolithiasis\nKidney Calculi")
    assert found("mini stroke") == [tia.nct_id]
    assert found("kidney stones") == [stones.nct_id]
    text = page_text(client.get(LIST, {"q": "mini stroke"}))
    # The MeSH descriptor: HPO's layperson synonym "mini stroke" names it, so
    # the shipped vocabulary has no row of its own for it.
    assert "Showing trials for Ischemic Attack, Transient (mini stroke)." in text
    assert "Dual antiplatelet therapy" in text


def test_a_sentence_in_plain_words_finds_the_concepts_in_it(client, vocabulary):
    parkinson = TrialFactory(
        brief_title="Exercise for movement", conditions=[ConditionFactory(name="Parkinson Disease")]
    )
    TrialFactory(brief_title="Walking after hip surgery")
    q = "my father's hands shake and he walks slowly"
    assert found(q) == [parkinson.nct_id]
    text = page_text(client.get(LIST, {"q": q}))
    assert "No trial matches all your words. Showing trials for parkinson disease" in text


def test_staff_can_add_a_chinese_name_in_the_admin(client, django_user_model, vocabulary):
    gout = TrialFactory(brief_title="Febuxostat for gout")
    assert found("痛风") == [gout.nct_id]
    assert found("尿酸结晶") == []
    staff = django_user_model.objects.create_superuser("editor", "editor@example.org", "x")
    client.force_login(staff)
    terms = "/" + django_settings.ADMIN_URL + "trials/searchterm/"
    response = client.post(
        terms + "add/", {"phrase": "尿酸结晶", "meaning": "gout", "language": "zh-hans"}
    )
    assert response.status_code == 302
    assert SearchTerm.objects.filter(phrase="尿酸结晶").exists()
    assert found("尿酸结晶") == [gout.nct_id]
    listed = client.get(terms, {"q": "尿酸"})
    assert "尿酸结晶" in page_text(listed)


def test_it_ranks_title_and_condition_above_concept_above_description(postgres, vocabulary):
    old = datetime.date(2015, 1, 1)
    described = TrialFactory(
        brief_title="Exercise study",
        description="Many people with diabetes exercise too little.",
        last_updated=old + datetime.timedelta(3),
    )
    excluded = TrialFactory(
        brief_title="Knee pain study",
        eligibility_criteria="Exclusion Criteria:\n* diabetes\n* pregnancy",
        last_updated=old + datetime.timedelta(2),
    )
    by_concept = TrialFactory(
        brief_title="Retinal imaging study",
        concepts="Diabetic Retinopathy\nDiabetes Mellitus",
        last_updated=old + datetime.timedelta(1),
    )
    by_condition = TrialFactory(
        brief_title="Glucose monitoring",
        conditions=[ConditionFactory(name="Diabetes")],
        last_updated=old,
    )
    ranked = found("diabetes")
    assert ranked == [by_condition.nct_id, by_concept.nct_id, described.nct_id]
    assert excluded.nct_id not in ranked  # a mention in the exclusion criteria is no match


def test_an_old_exact_title_match_is_on_the_first_page(postgres, monkeypatch):
    monkeypatch.setattr("trials.search.RANK_WINDOW", 3)
    monkeypatch.setattr("trials.search.COUNT_CAP", 2)
    exact = TrialFactory(brief_title="Breast Cancer", last_updated=datetime.date(2009, 1, 1))
    for day in range(1, 9):
        TrialFactory(
            brief_title=f"Exercise after breast cancer surgery, cohort {day}",
            last_updated=datetime.date(2025, 1, day),
        )
    first_page = found("breast cancer")
    assert first_page[0] == exact.nct_id


HOSTILE = [
    '"soft tissue',
    "sarcoma -pediatric",
    "sarcoma OR OR OR",
    "the and of a",
    "!!! ??? ...",
    "-",
    '"',
    "放疗 sarcoma Ωμέγα саркома",
    "sar\x00coma",
    "\x00",
    "' OR 1=1; --",
    "%_\\",
    "a" * 10_000,
]


@pytest.mark.parametrize("q", HOSTILE)
def test_every_query_shape_gets_a_page(client, shipped, q):
    response = client.get(LIST, {"q": q})
    text = page_text(response)
    if "\x00" in q:
        # A control character in the address is refused before any search
        # (trialfinder/middleware.py): a page that says so, with a search box.
        assert response.status_code == 400
        assert "We could not read that request" in text
        return
    assert response.status_code == 200
    if len(q) > MAX_QUERY_LENGTH:
        assert f"Your search is {len(q):,} characters long" in text or str(len(q)) in text
        assert "Please shorten it to" in text
        assert "No trial matches" not in text  # not searched at all, not a different search
    else:
        assert "Find a clinical trial" in text


def test_an_overlong_query_is_not_replaced_by_another_search(client, shipped):
    q = "radiotherapy " * 30
    text = page_text(client.get(LIST, {"q": q}))
    assert "Please shorten it to 300 characters or fewer" in text
    assert "Soft Tissue Sarcoma of Extremities" not in text


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    q=st.one_of(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400),
        st.lists(
            st.sampled_from(['"', "-", "OR", "放疗", "肉瘤", "cancer", "mini", "stroke", "(", "*"]),
            max_size=12,
        ).map(" ".join),
    )
)
def test_any_query_string_gets_a_page_never_an_error(client, shipped, q):
    response = client.get(LIST, {"q": q})
    # 400: a control character in the address, refused with a page that says so.
    assert response.status_code in (200, 302, 400)
    if response.status_code == 400:
        assert "We could not read that request" in page_text(response)


def test_a_query_is_looked_up_in_the_terminology_once_until_staff_change_the_vocabulary(
    vocabulary,
):
    """A popular word's concepts are remembered by each process; a phrase
    staff add in the admin changes what the next search understands at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trials.understanding import query_understand

    first = query_understand("heart attack")
    assert first.concepts
    # Only the vocabulary's version is read again: no terminology lookup.
    with CaptureQueriesContext(connection) as again:
        assert query_understand("heart attack") == first
    read = " ".join(query["sql"] for query in again.captured_queries)
    assert "trials_terminologyterm" not in read
    assert "trials_meshtreenumber" not in read
    SearchTerm.objects.create(phrase="ticker trouble", meaning="heart diseases")
    assert query_understand("ticker trouble").concepts
