"""The eligibility parser: registry text in, the nested numbered lists a patient
reads out, with every word and every number kept."""

import json
from pathlib import Path

import pytest

from trials.eligibility import Criterion, Eligibility, parse_criteria

DATA = Path(__file__).resolve().parent.parent / "data"


def seed_criteria(nct_id: str) -> str:
    record = json.loads((DATA / f"{nct_id}.json").read_text(encoding="utf-8"))
    return record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]


def outline(items: list[Criterion]) -> list:
    """(number, text) pairs, children as nested lists after their parent."""
    result: list = []
    for item in items:
        result.append((item.number, item.text))
        if item.children:
            result.append(outline(item.children))
    return result


def test_it_splits_inclusion_and_exclusion_and_keeps_the_numbers():
    eligibility = parse_criteria(
        "Inclusion Criteria:\n\n  1. Aged ≥18 years;\n  2. Signed informed consent;\n\n"
        "Exclusion Criteria:\n\n  1. Distant metastasis;\n  2. Unable to lie flat."
    )
    assert outline(eligibility.inclusion) == [
        ("1.", "Aged ≥18 years;"),
        ("2.", "Signed informed consent;"),
    ]
    assert outline(eligibility.exclusion) == [
        ("1.", "Distant metastasis;"),
        ("2.", "Unable to lie flat."),
    ]
    assert eligibility.other == []


def test_it_reads_the_first_seed_trial_verbatim():
    eligibility = parse_criteria(seed_criteria("NCT06760221"))
    assert [c.number for c in eligibility.inclusion] == [f"{n}." for n in range(1, 8)]
    assert [c.number for c in eligibility.exclusion] == [f"{n}." for n in range(1, 14)]
    assert eligibility.inclusion[6].text == (
        "Willing to provide tissue from an excisional biopsy of a tumor lesion,willing to "
        "provide blood sample before and after treatment;"
    )
    assert eligibility.exclusion[8].text == "Known psychiatric or substance abuse disorders ;"
    assert not any(c.children for c in eligibility.inclusion + eligibility.exclusion)


def test_it_nests_the_laboratory_criteria_of_the_second_seed_trial_two_levels():
    eligibility = parse_criteria(seed_criteria("NCT06987370"))
    first, second, *_, eighth = eligibility.inclusion
    assert first.number == "1." and first.children == []
    assert (second.number, second.text) == (
        "2.",
        "Male or female, aged 18 years or above and 75 years or below;",
    )
    assert eighth.text.endswith("that is, the following criteria are met:")
    blood, organs = eighth.children
    assert (blood.number, blood.text) == (
        "1.",
        "The blood routine examination criteria should meet:",
    )
    assert outline(blood.children) == [
        ("1.", "Hemoglobin (HB) ≥ 90g/L;"),
        ("2.", "Absolute neutrophil count (ANC) ≥ 1.5×10⁹/L;"),
        ("3.", "Platelet count (PLT) ≥ 75×10⁹/L;"),
    ]
    assert organs.text.startswith("There is no functional organic disease")
    assert [c.number for c in organs.children] == ["1.", "2.", "3.", "4."]
    assert organs.children[3].text == (
        "International normalized ratio (INR) and activated partial thromboplastin time "
        "(APTT): ≤ 1.5×ULN;"
    )
    assert len(eligibility.exclusion) == 6


@pytest.mark.parametrize(
    "marker",
    ["1.", "1)", "(1)", "（1）", "①", "a)", "a.", "(a)", "i.", "1、", "一、", "1.1"],
)
def test_it_keeps_each_numbering_style_as_written(marker):
    eligibility = parse_criteria(f"Inclusion Criteria:\n{marker} Adults with cancer")
    assert outline(eligibility.inclusion) == [(marker, "Adults with cancer")]


@pytest.mark.parametrize("bullet", ["-", "*", "•"])
def test_it_reads_bullets_as_unnumbered_items(bullet):
    eligibility = parse_criteria(f"Inclusion Criteria:\n{bullet} Adults\n{bullet} Children")
    assert outline(eligibility.inclusion) == [(None, "Adults"), (None, "Children")]


def test_it_nests_by_indentation_at_any_depth():
    text = (
        "Inclusion Criteria:\n\n"
        "* Measurable disease:\n"
        "  * a lesion over 1 cm, or\n"
        "    * a lymph node over 1.5 cm\n"
        "* Adequate organ function\n"
    )
    assert outline(parse_criteria(text).inclusion) == [
        (None, "Measurable disease:"),
        [(None, "a lesion over 1 cm, or"), [(None, "a lymph node over 1.5 cm")]],
        (None, "Adequate organ function"),
    ]


def test_it_nests_a_new_numbering_style_after_a_colon_even_without_indentation():
    text = (
        "Inclusion Criteria:\n"
        "1. Adequate blood counts:\n"
        "(1) Hemoglobin ≥ 90 g/L;\n"
        "(2) Platelets ≥ 75×10⁹/L;\n"
        "2. ECOG 0-1.\n"
        "3. Adequate organ function:\n"
        "① ALT ≤ 2.5× ULN\n"
    )
    assert outline(parse_criteria(text).inclusion) == [
        ("1.", "Adequate blood counts:"),
        [("(1)", "Hemoglobin ≥ 90 g/L;"), ("(2)", "Platelets ≥ 75×10⁹/L;")],
        ("2.", "ECOG 0-1."),
        ("3.", "Adequate organ function:"),
        [("①", "ALT ≤ 2.5× ULN")],
    ]


def test_it_joins_wrapped_lines_and_indented_paragraphs_to_their_item():
    text = (
        "Exclusion Criteria:\n"
        "1. Known additional malignancy that is progressing\n"
        "   or requires active treatment.\n"
        "\n"
        "   Exceptions include basal cell carcinoma of the skin.\n"
        "2. Pregnant or breastfeeding;\n"
    )
    assert outline(parse_criteria(text).exclusion) == [
        (
            "1.",
            "Known additional malignancy that is progressing or requires active treatment. "
            "Exceptions include basal cell carcinoma of the skin.",
        ),
        ("2.", "Pregnant or breastfeeding;"),
    ]


def test_it_puts_criteria_without_any_header_under_other():
    eligibility = parse_criteria("1. Aged 18 or older\n2. Signed consent")
    assert eligibility.inclusion == [] and eligibility.exclusion == []
    assert outline(eligibility.other) == [("1.", "Aged 18 or older"), ("2.", "Signed consent")]


def test_it_takes_the_list_before_a_lone_exclusion_header_as_inclusion():
    eligibility = parse_criteria("- Aged 18 or older\n\nExclusion Criteria:\n- Pregnant")
    assert outline(eligibility.inclusion) == [(None, "Aged 18 or older")]
    assert outline(eligibility.exclusion) == [(None, "Pregnant")]
    assert eligibility.other == []


def test_it_keeps_an_introduction_before_both_headers_as_other():
    eligibility = parse_criteria(
        "Patients must meet all of the following.\n\nInclusion Criteria:\n- Adults\n\n"
        "Exclusion Criteria:\n- Pregnant"
    )
    assert outline(eligibility.other) == [(None, "Patients must meet all of the following.")]
    assert outline(eligibility.inclusion) == [(None, "Adults")]


@pytest.mark.parametrize(
    "header",
    [
        "INCLUSION CRITERIA",
        "Key Inclusion Criteria:",
        "**Inclusion Criteria:**",
        "Inclusion criteria (all cohorts):",
        "Inclusion:",
    ],
)
def test_it_recognises_the_ways_records_write_headers(header):
    eligibility = parse_criteria(f"{header}\n1. Adults\n\nExclusion Criteria\n1. Pregnant")
    assert outline(eligibility.inclusion) == [("1.", "Adults")]
    assert outline(eligibility.exclusion) == [("1.", "Pregnant")]


def test_it_takes_text_after_a_header_colon_as_a_criterion():
    eligibility = parse_criteria(
        "Inclusion Criteria: adults with sarcoma\nExclusion Criteria: none"
    )
    assert outline(eligibility.inclusion) == [(None, "adults with sarcoma")]
    assert outline(eligibility.exclusion) == [(None, "none")]


def test_it_does_not_mistake_a_sentence_or_a_numbered_item_for_a_header():
    eligibility = parse_criteria(
        "Inclusion Criteria:\n1. Exclusion criteria of the parent study do not apply\n"
        "2. Adults\n\nExclusion of patients with prior surgery is planned."
    )
    assert [c.number for c in eligibility.inclusion] == ["1.", "2.", None]
    assert eligibility.exclusion == []


@pytest.mark.parametrize("text", [None, "", "   ", "\n\n\t\n", "Inclusion Criteria:\n\n"])
def test_it_returns_empty_lists_for_blank_input(text):
    eligibility = parse_criteria(text)
    assert eligibility == Eligibility()
    assert not eligibility


def test_it_copes_with_odd_input():
    text = (
        "Inclusion Criteria:\r\n\t1.Age \\> 18 years\r\n\t2\\. Signed consent\r\n1.5 mg dose\r\n3."
    )
    eligibility = parse_criteria(text)
    # Windows line ends, tabs, markdown escapes and a marker without text. The
    # text stays Markdown source ("\\>"): the page renders it (registry_text).
    assert outline(eligibility.inclusion) == [
        ("1.", "Age \\> 18 years"),
        ("2.", "Signed consent 1.5 mg dose 3."),
    ]


def test_it_keeps_every_word_of_the_seed_texts():
    for nct_id in ("NCT06760221", "NCT06987370"):
        text = seed_criteria(nct_id)
        eligibility = parse_criteria(text)

        def words(items: list[Criterion]) -> list[str]:
            found: list[str] = []
            for item in items:
                found += (item.number or "").split() + item.text.split() + words(item.children)
            return found

        parsed = words(eligibility.inclusion) + words(eligibility.exclusion)
        headers = ["Inclusion", "Criteria:", "Exclusion", "Criteria:"]
        assert sorted(parsed + headers) == sorted(text.split())


def test_it_splits_the_items_nct06987370_runs_together_keeping_every_word():
    eligibility = parse_criteria(seed_criteria("NCT06987370"))
    assert [(c.number, c.value) for c in eligibility.inclusion] == [
        (f"{n}.", n) for n in range(1, 9)
    ]
    assert [c.text for c in eligibility.inclusion[3:7]] == [
        "ECOG PS 0-2;",
        "Have at least one target lesion: bone metastasis with a soft tissue mass confirmed by "
        "CT or MRI. The shortest diameter of the soft tissue is greater than 30mm;",
        "The number of metastatic lesions is ≤ 5 and the number of metastatic organs is ≤ 3;",
        "The expected survival time is ≥ 3 months;",
    ]
    # The sub-lists belong to item 8, whose text announces them.
    assert [len(c.children) for c in eligibility.inclusion] == [0] * 7 + [2]


@pytest.mark.parametrize(
    "text",
    [
        # Numbers that do not continue the item's own: a dose, a list of grades.
        "Inclusion Criteria:\n1. Grade 1. 3. Something; 7. Other",
        # The next number is already a sibling: the text only mentions it.
        "Inclusion Criteria:\n1. As in item 2; 2. below\n2. Adults",
        # A number inside a sentence, not after its end.
        "Inclusion Criteria:\n1. Patients on day 2. of treatment",
    ],
)
def test_it_leaves_numbers_alone_when_they_do_not_plainly_number_items(text):
    first = parse_criteria(text).inclusion[0]
    assert first.text == text.split("\n")[1][3:]


@pytest.mark.parametrize(
    ("marker", "value"),
    [("3.", 3), ("(3)", 3), ("③", 3), ("c)", 3), ("(iii)", 3), ("iv.", 4), ("三、", 3)],
)
def test_it_knows_each_markers_place_in_its_list(marker, value):
    assert parse_criteria(f"Inclusion Criteria:\n{marker} Adults").inclusion[0].value == value
