"""Age groups in a query (trials/age_groups.py): "kids with asthma" is asthma
trials that take children, never a disease; the page says so and can undo it."""

import pytest
from django.urls import reverse

from tests.factories import TrialFactory
from tests.page_text import page_text
from trials import age_groups
from trials.search import Criteria, trials_search
from trials.understanding import query_understand

pytestmark = pytest.mark.django_db

LIST = reverse("trials:list")
YEAR = 365


def trial_for_ages(title: str, concepts: str, youngest: int | None, oldest: int | None):
    """A trial of `concepts` that takes patients from `youngest` to `oldest` years."""
    return TrialFactory(
        brief_title=title,
        concepts=concepts,
        minimum_age_days=None if youngest is None else youngest * YEAR,
        maximum_age_days=None if oldest is None else oldest * YEAR,
    )


def group(q: str) -> str:
    found = query_understand(q).age_group
    return found.descriptor if found else ""


@pytest.mark.parametrize(
    ("q", "descriptor"),
    [
        ("kids", "D002648"),  # WordNet: kid is a child
        ("children", "D002648"),  # MeSH's Child, WordNet's irregular plural
        ("my baby", "D007223"),  # WordNet: baby is an infant
        ("teenagers", "D000293"),  # WordNet: teenager is an adolescent
        ("elderly", "D000368"),  # WordNet: the elderly are the aged
        ("newborns", "D007231"),
        ("孩子", "D002648"),  # CC-CEDICT: child
        ("儿童", "D002648"),
        ("小孩", "D002648"),
        ("宝宝", "D007223"),  # CC-CEDICT: darling; baby
        ("老人", "D000368"),  # CC-CEDICT: the elderly
    ],
)
def test_it_reads_an_age_group(q, descriptor):
    understanding = query_understand(q)
    assert group(q) == descriptor
    # Never a disease, never corrected ("kids" is not "aids").
    assert understanding.concepts == ()
    assert understanding.words == ""
    assert understanding.corrected_from == ""


def test_the_rest_of_the_query_is_searched_as_usual():
    understanding = query_understand("kids with asthma")
    assert understanding.age_group.descriptor == "D002648"
    assert [c.name for c in understanding.concepts] == ["Asthma"]
    chinese = query_understand("儿童哮喘")
    assert chinese.age_group.descriptor == "D002648"
    assert [c.name for c in chinese.concepts] == ["Asthma"]


@pytest.mark.parametrize(
    "q",
    [
        "minor surgery",  # an adjective, not "minors"
        "adult",  # an adjective too ("adult stem cells")
        "aged 40",  # a verb's form
        "aids",
        "-kids asthma",  # a word the patient excluded
        "kidney",
        "babysitter",
    ],
)
def test_words_that_are_no_age_group_stay(q):
    assert group(q) == ""


def test_an_age_group_restricts_the_trials_to_those_that_take_it(client):
    trial_for_ages("Inhaler for children", "Asthma", 6, 17)
    trial_for_ages("Inhaler for adults", "Asthma", 18, 80)
    trial_for_ages("Sleep in children", "Sleep Wake Disorders", 2, 12)
    trial_for_ages("Asthma at any age", "Asthma", None, None)

    def titles(q, **criteria):
        found = trials_search(criteria=Criteria(q=q, **criteria)).trials
        return sorted(t.brief_title for t in found)

    assert titles("kids with asthma") == ["Asthma at any age", "Inhaler for children"]
    assert titles("kids") == ["Asthma at any age", "Inhaler for children", "Sleep in children"]
    assert titles("elderly") == ["Asthma at any age", "Inhaler for adults"]
    assert titles("孩子哮喘") == ["Asthma at any age", "Inhaler for children"]
    # The page's link turns it off: the words as typed.
    assert "Inhaler for adults" in titles("kids with asthma", ages_from_words=False)


def test_the_page_says_what_was_understood_and_can_undo_it(client):
    trial_for_ages("Inhaler for adults", "Asthma", 18, 80)
    trial_for_ages("Inhaler for children", "Asthma", 6, 17)
    response = client.get(LIST, {"q": "kids with asthma"})
    text = page_text(response)
    assert "Showing trials that take children (“kids”)." in text
    assert "Inhaler for adults" not in text
    assert "all_ages=1" in response.content.decode()
    undone = page_text(client.get(LIST, {"q": "kids with asthma", "all_ages": "1"}))
    assert "Inhaler for adults" in undone
    assert "Showing trials that take" not in undone


def test_the_chinese_page_says_it_in_chinese(client):
    text = page_text(client.get("/zh-hans" + LIST, {"q": "孩子"}))
    assert "只显示接收儿童的试验（“孩子”）。" in text
    assert "搜索所有年龄" in text


def test_without_the_files_the_words_are_searched_as_typed(monkeypatch, client):
    monkeypatch.setattr(age_groups, "age_words", lambda directory=None: ({}, {}))
    query_understand.__globals__["VOCABULARY"].understood.clear()
    assert query_understand("kids").age_group is None
    assert query_understand("kids").words == "kids"
    assert client.get(LIST, {"q": "kids"}).status_code == 200


def test_when_no_trial_for_that_age_matches_trials_of_any_age_are_shown(client):
    trial_for_ages("Cream for adults with acne", "Acne Vulgaris", 18, 80)
    results = trials_search(criteria=Criteria(q="kids with acne"))
    assert [t.brief_title for t in results.trials] == ["Cream for adults with acne"]
    assert results.any_age
    text = page_text(client.get(LIST, {"q": "kids with acne"}))
    assert "No trial that takes children (“kids”) matches your words." in text
    assert "Cream for adults with acne" in text
    # "kids" alone names no condition: nothing of another age is shown.
    assert trials_search(criteria=Criteria(q="kids")).trials == []


def test_alerts_read_the_age_group_as_the_search_does():
    from trials.search import filtered_trials

    trial_for_ages("Inhaler for adults", "Asthma", 18, 80)
    trial_for_ages("Inhaler for children", "Asthma", 6, 17)
    found = filtered_trials(Criteria(q="asthma kids"))
    assert [t.brief_title for t in found] == ["Inhaler for children"]
