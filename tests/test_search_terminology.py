"""Search from real terminology (MeSH 2024, HPO, THUOCL; loaded for the test
database by tests/conftest.py as `make run` loads it): patients' words and
Chinese recognised as concepts first, corrections that never replace a real
word, broader terms with their family, why each trial matched, a useful
empty page, and plain full-text search when the terminology is missing.

They run on either database (the embedded SQLite default understands the
same, matched more simply)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tests.factories import ConditionFactory, TrialFactory
from tests.page_text import page_text
from trials.lexicon import search_words_refresh
from trials.models import TerminologySource, TerminologyTerm
from trials.search import Criteria, trials_search

pytestmark = pytest.mark.django_db

LIST = reverse("trials:list")


def titles(q: str, **criteria) -> list[str]:
    return [t.brief_title for t in trials_search(criteria=Criteria(q=q, **criteria)).trials]


def test_kids_is_never_corrected_to_aids(client):
    TrialFactory(
        brief_title="Long-acting injectable therapy",
        conditions=[ConditionFactory(name="HIV Infections")],
        concepts="HIV Infections\nAcquired Immunodeficiency Syndrome",
    )
    TrialFactory(
        brief_title="Exercise for kids with asthma",
        concepts="Asthma",
        minimum_age_days=5 * 365,
        maximum_age_days=17 * 365,
    )
    search_words_refresh()
    results = trials_search(criteria=Criteria(q="kids"))
    assert (results.corrected_from, results.corrected_to) == ("", "")
    text = page_text(client.get(LIST, {"q": "kids"}))
    assert "Exercise for kids with asthma" in text
    assert "Long-acting injectable therapy" not in text
    assert "Search instead" not in text and "aids" not in text.lower()


@pytest.mark.parametrize(
    ("q", "concept"), [("hives", "Urticaria"), ("aids", "Acquired Immunodeficiency Syndrome")]
)
def test_a_word_of_a_concept_is_never_corrected_into_another(q, concept):
    TrialFactory(brief_title="Antiretroviral study", concepts="HIV Infections")
    TrialFactory(brief_title="Antihistamine study", concepts="Urticaria")
    search_words_refresh()
    results = trials_search(criteria=Criteria(q=q))
    assert results.corrected_to == ""
    assert concept.lower() in results.searched.lower()


def test_a_lay_word_finds_its_mesh_concept_and_the_card_says_why(client):
    TrialFactory(
        brief_title="A recombinant vaccine in adults over 50",
        conditions=[ConditionFactory(name="Herpes Zoster")],
        concepts="Herpes Zoster\nHerpesviridae Infections",
    )
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    assert titles("shingles") == ["A recombinant vaccine in adults over 50"]
    text = page_text(client.get(LIST, {"q": "shingles"}))
    assert "matched: Herpes Zoster · shingles" in text


def test_a_mistyped_lay_word_is_corrected_and_the_typed_words_offered(client):
    TrialFactory(brief_title="Zoster vaccine", concepts="Herpes Zoster")
    search_words_refresh()
    text = page_text(client.get(LIST, {"q": "shingels"}))
    assert "Showing trials for “shingles”." in text
    assert "Search instead for “shingels”" in text
    assert "Zoster vaccine" in text


def test_a_real_word_is_offered_as_did_you_mean_never_applied(client):
    TrialFactory(brief_title="Radiotherapy for prostate cancer", concepts="Prostatic Neoplasms")
    search_words_refresh()
    results = trials_search(criteria=Criteria(q="prostrate cancer"))
    assert results.corrected_to == ""
    assert results.suggestion == "prostate cancer"
    text = page_text(client.get(LIST, {"q": "prostrate cancer"}))
    assert "Did you mean prostate cancer" in text


@pytest.mark.parametrize("q", ["呕吐", "嘔吐"])
def test_chinese_symptoms_find_english_records_through_hpo_labels(client, q):
    TrialFactory(
        brief_title="Olanzapine after chemotherapy",
        conditions=[ConditionFactory(name="Chemotherapy-induced Nausea and Vomiting")],
        concepts="Vomiting\nNausea",
    )
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    assert titles(q) == ["Olanzapine after chemotherapy"]
    assert "matched: Vomiting · 呕吐" in page_text(client.get(LIST, {"q": q}))
    chinese = page_text(client.get("/zh-hans/trials/", {"q": q}))
    assert "Olanzapine after chemotherapy" in chinese
    assert "匹配： 呕吐" in chinese


def test_jieba_keeps_a_long_chinese_term_whole(client):
    """肾病综合征 (HPO: Nephrotic syndrome) is one word of the sentence."""
    TrialFactory(
        brief_title="Rituximab in children",
        concepts="Nephrotic Syndrome",
        minimum_age_days=2 * 365,
        maximum_age_days=17 * 365,
    )
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    assert titles("我的孩子有肾病综合征") == ["Rituximab in children"]


def test_a_chinese_disorder_named_without_its_suffix_finds_its_concept(client):
    """HPO writes 甲状腺功能减退症 (Hypothyroidism); a patient writes it
    without 症, alone or in a sentence."""
    TrialFactory(brief_title="Levothyroxine dosing", concepts="Hypothyroidism")
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    assert titles("甲状腺功能减退") == ["Levothyroxine dosing"]
    assert titles("我妈妈有甲状腺功能减退") == ["Levothyroxine dosing"]
    assert "matched: Hypothyroidism" in page_text(client.get(LIST, {"q": "甲状腺功能减退"}))


def test_letters_typed_in_another_order_are_read_as_the_word_they_spell(client):
    """ "chrons" is two edits from both crohns and chronic; the one of the same
    letters wins, though more trials say chronic."""
    TrialFactory(brief_title="Ustekinumab for Crohn's disease", concepts="Crohn Disease")
    for number in range(3):
        TrialFactory(brief_title=f"Chronic pain study {number}", concepts="Chronic Pain")
    search_words_refresh()
    assert titles("chrons disease") == ["Ustekinumab for Crohn's disease"]
    text = page_text(client.get(LIST, {"q": "chrons disease"}))
    assert "Search instead for “chrons disease”" in text


def test_a_broader_concept_brings_trials_indexed_under_its_family(db):
    """Varicella Zoster Virus Infection is the concept; a trial indexed only
    under its narrower Herpes Zoster (no ancestors) is found, below the trial
    named for the concept itself on PostgreSQL."""
    TrialFactory(brief_title="Long-term shingles follow-up", concepts="Herpes Zoster")
    TrialFactory(
        brief_title="Varicella zoster virus infection in transplant recipients",
        conditions=[ConditionFactory(name="Varicella Zoster Virus Infection")],
        concepts="Varicella Zoster Virus Infection",
    )
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    found = titles("varicella zoster virus infection")
    assert set(found) == {
        "Long-term shingles follow-up",
        "Varicella zoster virus infection in transplant recipients",
    }
    if connection.vendor == "postgresql":
        assert found[0] == "Varicella zoster virus infection in transplant recipients"


def test_an_empty_page_offers_wider_searches_and_an_alert(client):
    TrialFactory(
        brief_title="Vaccine trial that has closed",
        overall_status="COMPLETED",
        concepts="Herpes Zoster",
    )
    response = client.get(LIST, {"q": "shingles", "age": "30"})
    text = page_text(response)
    html = response.content.decode()
    assert "0 trials" in text
    assert "Showing trials for" not in text
    assert "q=shingles&amp;age=30&amp;status=all" in html
    assert "the broader term Varicella Zoster Virus Infection" in text
    assert f'href="{reverse("trials:notify_signup")}?interests=shingles"' in html
    wider = page_text(client.get(LIST, {"q": "shingles", "status": "all"}))
    assert "Vaccine trial that has closed" in wider
    signup = client.get(reverse("trials:notify_signup"), {"interests": "shingles"})
    assert 'value="shingles"' in signup.content.decode()


def test_without_the_terminology_search_is_plain_full_text(client):
    TrialFactory(brief_title="Shingles vaccine", concepts="Herpes Zoster")
    TerminologyTerm.objects.all().delete()
    TerminologySource.objects.all().delete()
    assert titles("shingles") == ["Shingles vaccine"]
    assert client.get(LIST, {"q": "恶心 呕吐 shingles"}).status_code == 200


def test_missing_terminology_tables_are_no_error(client):
    """Not migrated yet: the lookups fail in a savepoint, the page stands."""
    TrialFactory(brief_title="Shingles vaccine", concepts="Herpes Zoster")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE trials_terminologyterm RENAME TO trials_terminologyterm_away")
    response = client.get(LIST, {"q": "shingles"})
    assert response.status_code == 200
    assert "Shingles vaccine" in page_text(response)


QUERIES = ["\tshingles\n\x85\u200b", "a" * 10_000, "🤒🤮 vomiting 😷", "呕吐 vomiting Ωμέγα рвота"]
OPERATORS_ALONE = ["OR", "-", '""', "- - OR -", "*", 'OR OR -""']


@pytest.mark.parametrize("q", QUERIES + OPERATORS_ALONE)
def test_any_query_answers_with_a_page(client, q):
    """(A NUL or another C0 control character gets the bad-input middleware's
    clear 400 page before search: tests/test_bad_input.py.)"""
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200
    # A search ran (no trial here), or the box asks for fewer words.
    shown = "Please shorten it" if len(q) > 300 else "No trial matches your search."
    assert shown in page_text(response)


def test_loading_again_skips_unchanged_files_and_reloads_a_changed_one(capsys):
    call_command("load_terminology")
    assert "terminology unchanged" in capsys.readouterr().out
    TerminologySource.objects.filter(name="hpo-zh").update(checksum="older")
    TerminologyTerm.objects.filter(source="hpo-zh").delete()
    call_command("load_terminology")
    out = capsys.readouterr().out
    assert "hpo-zh: 18,988 rows (HPO 2025-01-16)" in out and "mesh-entry-terms" not in out
    assert TerminologyTerm.objects.filter(source="hpo-zh", term="呕吐").exists()


def test_the_faq_page_names_the_sources_and_their_notices(client):
    text = page_text(client.get(reverse("trials:faq")))
    assert "Courtesy of the U.S. National Library of Medicine (MeSH 2024)" in text
    assert "using the Human Phenotype Ontology (version 2025-01-16)" in text
    assert "Copyright (c) 2018 THUNLP, MIT License" in text


@pytest.mark.parametrize(
    ("q", "concept"),
    [
        ("kissing disease", "Infectious Mononucleosis"),
        ("pinkeye", "Conjunctivitis"),
        ("stomach flu", "Gastroenteritis"),
        ("nettle rash", "Urticaria"),
    ],
)
def test_everyday_names_wordnet_gives_find_their_concept(client, q, concept):
    TrialFactory(brief_title="A study in adults", concepts=concept)
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    assert titles(q) == ["A study in adults"]
    assert f"matched: {concept}" in page_text(client.get(LIST, {"q": q}))


def test_wordnet_names_leave_out_verbs_and_words_of_several_meanings():
    # "flush" is also a verb; "pox" is first syphilis, then smallpox; a
    # place name ("Cuban itch") is no patient's word.
    wordnet = TerminologyTerm.objects.filter(source="wn-en")
    assert wordnet.filter(term="kissing disease", meaning="Infectious Mononucleosis").exists()
    assert not wordnet.filter(term__in=["flush", "pox", "Cuban itch", "excitation"]).exists()
    assert not trials_search(criteria=Criteria(q="flush")).searched


@pytest.mark.parametrize(
    ("q", "condition"), [("hot flash", "Hot Flashes"), ("brain abscesses", "Brain Abscess")]
)
def test_a_singular_meets_a_plural_that_adds_es(q, condition):
    TrialFactory(
        brief_title="Non-hormonal therapy",
        conditions=[ConditionFactory(name=condition)],
        concepts=condition,
    )
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    results = trials_search(criteria=Criteria(q=q))
    assert [t.brief_title for t in results.trials] == ["Non-hormonal therapy"]
    assert condition.lower() in results.searched.lower()


def test_a_word_no_trial_carries_is_corrected_inside_a_phrase_the_terminology_knows(client):
    # MeSH spells one term "Body Image Disfunction": the word is the
    # terminology's, but no trial carries it and it is no English word.
    TrialFactory(brief_title="Tadalafil after prostatectomy", concepts="Erectile Dysfunction")
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    search_words_refresh()
    assert titles("erectile disfunction") == ["Tadalafil after prostatectomy"]
    text = page_text(client.get(LIST, {"q": "erectile disfunction"}))
    assert "Showing trials for “erectile dysfunction”." in text
    assert "Search instead for “erectile disfunction”" in text
    as_typed = page_text(client.get(LIST, {"q": "erectile disfunction", "as_typed": "1"}))
    assert "Tadalafil after prostatectomy" not in as_typed


@pytest.mark.parametrize("q", ["lids", "disfunction"])
def test_a_word_alone_is_never_corrected_into_a_concept(q):
    TrialFactory(brief_title="Antiretroviral study", concepts="Acquired Immunodeficiency Syndrome")
    TrialFactory(brief_title="Tadalafil after prostatectomy", concepts="Erectile Dysfunction")
    search_words_refresh()
    results = trials_search(criteria=Criteria(q=q))
    assert results.corrected_to == "" and results.trials == []
