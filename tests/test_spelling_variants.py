"""British spellings read as the American ones MeSH and registry records use
(trials/spelling.py american_spellings), by rule, never by a list of words:
each rule's candidate is taken only when it is a word of the terminology or
the English word lists, and a word no rule fits, or whose candidate is no
word, stays as typed."""

import pytest
from django.urls import reverse

from trials.spelling import american_spellings, british_candidates

# The terminology's words for these unit tests: a few American spellings
# as MeSH writes them. The tests below with the database use the loaded one.
TERMINOLOGY = {
    "tumor", "esophageal", "hemorrhage", "anemia", "leukemia", "pediatric", "estrogen",
    "diarrhea", "edema", "fetal", "paralyzed", "behavior", "orthopedic", "ischemic",
    "center", "fiber", "counseling", "sulfate", "dyspnea", "program", "analog", "license",
    "for", "tor", "she", "cane", "des",
}  # fmt: skip


def known(words: set[str]) -> set[str]:
    return words & TERMINOLOGY


def american(word: str) -> str:
    return american_spellings([word], known).get(word, word)


@pytest.mark.parametrize(
    ("british", "expected"),
    [
        # ae → e, never a final ae
        ("haemorrhage", "hemorrhage"),
        ("anaemia", "anemia"),
        ("leukaemia", "leukemia"),
        ("paediatric", "pediatric"),
        ("orthopaedic", "orthopedic"),
        ("ischaemic", "ischemic"),
        ("haematology", "hematology"),  # both in the English lists, a long pair
        # oe → e, and the -oea of diarrhoea
        ("oesophageal", "esophageal"),
        ("oestrogen", "estrogen"),
        ("oedema", "edema"),
        ("foetal", "fetal"),
        ("diarrhoea", "diarrhea"),
        ("dyspnoea", "dyspnea"),
        # -our → -or
        ("tumour", "tumor"),
        ("tumours", "tumors"),  # the terminology's word "tumor", as keyed
        ("behaviour", "behavior"),
        ("behavioural", "behavioral"),
        # -ise / -yse → -ize / -yze
        ("paralysed", "paralyzed"),
        ("hospitalised", "hospitalized"),  # the English lists' hospitalize
        # -tre, -bre, -vre → -ter, -ber, -ver
        ("centre", "center"),
        ("fibre", "fiber"),
        # two rules in one word
        ("manoeuvre", "maneuver"),
        # -lled, -lling → -led, -ling
        ("counselling", "counseling"),
        # -mme → -m, sulph → sulf
        ("programme", "program"),
        ("sulphate", "sulfate"),
    ],
)
def test_each_rule_reads_a_british_spelling_as_the_american(british, expected):
    assert american(british) == expected


@pytest.mark.parametrize(
    "word",
    [
        # no rule fits: a final oe, oe one letter from the end, our with one
        # letter before it
        "does", "shoe", "canoe", "poem", "toes", "hour", "tour", "four", "your",
        # a rule fits but its candidate is no word
        "aerobic", "aerosol", "exercise", "promise", "noise", "detour", "contour", "stalled",
        # a rule fits, the candidate is a listed word, and so is the word typed:
        # a short pair is two words
        "timbre", "phoenix", "amour",
        # a misspelling is no British spelling ("hert" is a listed word)
        "haert",
        # American already, and words too short for any rule
        "tumor", "anemia", "kids", "ear",
    ],
)  # fmt: skip
def test_words_that_are_not_british_spellings_stay_as_typed(word):
    assert american(word) == word


def test_candidates_try_every_rule_at_once_then_each_alone():
    assert british_candidates("manoeuvre") == ["maneuver", "maneuvre", "manoeuver"]
    assert british_candidates("shoe") == []
    assert british_candidates("kids") == []


def test_without_the_terminology_only_the_english_lists_decide():
    """A missing terminology (the lookup gives nothing) is no error."""
    found = american_spellings(["paralysed", "haematology", "tumour", "shoe"], lambda words: set())
    assert found == {"paralysed": "paralyzed", "haematology": "hematology"}


LIST = reverse("trials:list")


@pytest.mark.django_db
def test_a_british_spelling_finds_american_records_without_a_correction(client):
    from tests.factories import TrialFactory
    from tests.page_text import page_text
    from trials.lexicon import search_words_refresh
    from trials.search import Criteria, trials_search

    TrialFactory(brief_title="Paclitaxel for esophageal cancer", concepts="Esophageal Neoplasms")
    TrialFactory(brief_title="Iron for anemia in pediatric patients", concepts="Anemia")
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    search_words_refresh()
    for q, title in [
        ("oesophageal cancer", "Paclitaxel for esophageal cancer"),
        ("paediatric anaemia", "Iron for anemia in pediatric patients"),
    ]:
        results = trials_search(criteria=Criteria(q=q))
        assert [t.brief_title for t in results.trials] == [title]
        assert (results.corrected_from, results.corrected_to) == ("", "")
        text = page_text(client.get(LIST, {"q": q}))
        assert title in text
        assert "Search instead" not in text and "Did you mean" not in text


@pytest.mark.django_db
def test_the_search_reads_the_loaded_terminology_words():
    """With the terminology loaded: MeSH writes leukemia and tumor."""
    from trials.terminology import known_words

    found = american_spellings(["leukaemia", "tumours", "shoe", "four"], known_words)
    assert found == {"leukaemia": "leukemia", "tumours": "tumors"}
