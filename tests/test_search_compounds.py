"""Chinese names of diseases that no source lists, read from their parts
(trials/compounds.py): an organ and a disease head that the dictionaries
name, combined as MeSH writes its terms, accepted only when they name one
descriptor."""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import TrialFactory
from tests.page_text import page_text
from trials.compounds import adjectives, compounds, parts
from trials.models import TerminologySource, TerminologyTerm
from trials.search import Criteria, trials_search
from trials.understanding import query_understand, terminology_concept

pytestmark = pytest.mark.django_db

LIST = reverse("trials:list")


def meanings(q: str) -> list[tuple[str, ...]]:
    return [concept.meanings for concept in query_understand(q).concepts]


@pytest.mark.parametrize(
    ("q", "meaning"),
    [
        ("胃炎", "Gastritis"),  # stomach + inflammation (HPO layperson: stomach inflammation)
        ("胰腺癌", "Pancreatic Neoplasms"),  # pancreas + cancer (MeSH: Pancreas Cancer)
        ("肾结石", "Kidney Calculi"),  # kidney + stone
        ("结直肠癌", "Colorectal Neoplasms"),  # colon and rectum + cancer: their common parent
        # The organ's regular adjective, when its name makes no term.
        ("十二指肠溃疡", "Duodenal Ulcer"),  # duodenum + ulcer
        ("卵巢囊肿", "Ovarian Cysts"),  # ovary + cyst
        # Body parts whose English is a MeSH name only read in another form
        # (bench/zh_mesh_build.py): 膀胱 "(urinary) bladder", 骨 "bone" (Bone
        # and Bones).
        ("膀胱结石", "Urinary Bladder Calculi"),
        ("骨癌", "Bone Neoplasms"),
        # An organ's Latin or Greek adjective, as MeSH's own terms use it
        # (lung: pulmonary).
        ("肺栓塞", "Pulmonary Embolism"),
    ],
)
def test_a_compound_is_read_from_its_parts(q, meaning):
    assert meaning in meanings(q)[0]
    assert meaning in terminology_concept(q).meanings


def test_a_compound_a_source_reads_narrowly_gets_its_parts_meaning_beside():
    """HPO's Chinese label 卵巢癌 is epithelial ovarian carcinoma only."""
    assert meanings("卵巢癌") == [("Carcinoma, Ovarian Epithelial", "Ovarian Neoplasms")]


def test_a_compound_inside_a_sentence_is_found():
    assert meanings("我妈妈有胃炎") == [("Gastritis",)]


def test_parts_that_name_no_single_term_give_nothing():
    # 胶质 is colloid in the dictionaries, not glia: no term combines it.
    assert compounds(["胶质瘤", "我妈妈", "卵巢"]) == {}
    assert query_understand("胶质瘤").concepts == ()


def test_a_composed_chinese_query_finds_english_records(client):
    TrialFactory(brief_title="FOLFOX for colorectal cancer", concepts="Colorectal Neoplasms")
    TrialFactory(brief_title="Sleep study", concepts="Sleep Wake Disorders")
    found = trials_search(criteria=Criteria(q="结直肠癌")).trials
    assert [t.brief_title for t in found] == ["FOLFOX for colorectal cancer"]
    text = page_text(client.get(LIST, {"q": "结直肠癌"}))
    assert "FOLFOX for colorectal cancer" in text
    assert "matched: Colorectal Neoplasms · 结直肠癌" in text


def test_without_the_dictionaries_or_the_terminology_nothing_is_composed(client, tmp_path):
    assert parts("elsewhere", Path(tmp_path)) == ({}, {})
    TerminologyTerm.objects.all().delete()
    TerminologySource.objects.all().delete()
    assert query_understand("结直肠癌").concepts == ()
    assert client.get(LIST, {"q": "结直肠癌"}).status_code == 200


def test_an_organ_has_its_regular_adjectives():
    assert {"prostatic", "ovarian", "rectal", "pancreatic", "esophageal", "uterine"} <= {
        adjective
        for noun in ("prostate", "ovary", "rectum", "pancreas", "esophagus", "uterus")
        for adjective in adjectives(noun)
    }
    assert adjectives("thyroid gland") == set()


def test_a_source_reads_bladder_cancer_and_its_parts_agree():
    assert "Urinary Bladder Neoplasms" in meanings("膀胱癌")[0]


def test_an_organ_has_the_latin_adjectives_mesh_uses():
    assert {"hepatic"} <= adjectives("liver")
    assert {"cardiac"} <= adjectives("heart")
    assert {"renal"} <= adjectives("kidney")
    assert {"pulmonary"} <= adjectives("lung")
    assert {"gastric"} <= adjectives("stomach")
    assert {"cerebral"} <= adjectives("brain")
    # A plural is no adjective (MeSH's "Teeth ..." beside "Tooth ...").
    assert "teeth" not in adjectives("tooth")


def test_words_that_are_no_body_part_alone_stay_unread():
    body, _heads = parts()
    # "behind" (之后, after) and "back" (后面) are adverbs too; "cervix" is
    # the neck as well as the uterine cervix in WordNet: none is added.
    assert "之后" not in body and "后面" not in body
    assert all("Neck" not in names for word, names in body.items() if word == "宫颈")
    assert all(
        concept.meanings != ("Buttocks",) for concept in query_understand("手术之后疼").concepts
    )
    # Age groups are no concept (tests/test_age_groups.py).
    assert "孩子" not in body
