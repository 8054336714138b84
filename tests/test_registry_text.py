"""Registry text as patients read it: ClinicalTrials.gov Markdown rendered and
sanitised through one path, every word kept."""

import pytest

from tests.factories import TrialFactory
from tests.page_text import page_text
from trials.registry_text import registry_html, registry_inline_html, registry_plain

# Shaped like real API v2 records (NCI-style descriptions, escaped brackets).
DESCRIPTION = """PRIMARY OBJECTIVES:

I. To evaluate the response of regulatory T-cells \\[Treg\\] to treatment.

II. To assess Kaposi sarcoma \\[KS\\] in patients aged \\> 18 years.

OUTLINE: Patients are randomized to 1 of 2 arms.

* ARM I: Patients receive **radiotherapy**.
  * Cohort A: 5 fractions
  * Cohort B: 10 fractions
* ARM II: Patients receive standard care.

| Arm | Dose |
| --- | --- |
| I | 30 Gy |
| II | 20 Gy |
"""


def test_it_shows_escaped_characters_as_the_characters():
    html = registry_html(DESCRIPTION)
    assert "regulatory T-cells [Treg]" in html
    assert "Kaposi sarcoma [KS]" in html
    assert "aged &gt; 18 years" in html
    assert "\\" not in html


def test_it_keeps_capitalised_headings_and_roman_numbered_items_as_their_own_paragraphs():
    html = registry_html(DESCRIPTION)
    assert "<p>PRIMARY OBJECTIVES:</p>" in html
    assert "<p>I. To evaluate the response" in html
    assert "<p>II. To assess Kaposi sarcoma" in html
    assert "<p>OUTLINE: Patients are randomized to 1 of 2 arms.</p>" in html


def test_it_renders_nested_lists_emphasis_and_tables():
    html = registry_html(DESCRIPTION)
    assert "<li>ARM I: Patients receive <strong>radiotherapy</strong>." in html
    assert html.count("<ul>") == 2
    assert "<li>Cohort A: 5 fractions</li>" in html
    assert "<table>" in html and "<th>Dose</th>" in html and "<td>30 Gy</td>" in html


def test_it_keeps_every_word():
    words = registry_plain(DESCRIPTION).split()
    assert " ".join(words).startswith("PRIMARY OBJECTIVES: I. To evaluate the response")
    for word in ("[Treg]", "[KS]", ">", "fractions", "30", "Gy"):
        assert word in words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('<img src=x onerror="alert(1)">', '&lt;img src=x onerror="alert(1)"&gt;'),
        ("[click](javascript:alert(1))", "[click](javascript:alert(1))"),
    ],
)
def test_it_never_lets_markup_from_a_record_run(text, expected):
    html = registry_html(text)
    assert expected in html
    assert (
        "<script" not in html
        and "<img" not in html
        and "javascript:" not in html.split("[click]")[0]
    )


def test_links_in_a_record_are_marked_as_not_ours():
    html = registry_html("See [the protocol](https://example.org/protocol).")
    assert '<a href="https://example.org/protocol" rel="noopener noreferrer nofollow">' in html


def test_headings_in_a_record_sit_below_the_pages_own():
    assert registry_html("# Background\n\n## Aims").startswith("<h3>Background</h3>\n<h4>Aims</h4>")


def test_an_eligibility_line_renders_inline():
    assert registry_inline_html("Age \\> 18 and **no** prior therapy") == (
        "Age &gt; 18 and <strong>no</strong> prior therapy"
    )


@pytest.mark.django_db
def test_the_trial_page_shows_registry_text_formatted_without_backslashes(client):
    TrialFactory(
        nct_id="NCT05000001",
        overview="Regulatory T-cells \\[Treg\\] and **response**.",
        description=DESCRIPTION,
        eligibility_criteria=(
            "Inclusion Criteria:\n\n* Age \\> 18 years\n* Kaposi sarcoma \\[KS\\]\n\n"
            "Exclusion Criteria:\n\n* Prior **radiotherapy**"
        ),
    )
    response = client.get("/trials/NCT05000001/")
    html = response.content.decode()
    text = page_text(response)
    assert "\\[" not in text and "\\>" not in text
    assert "Regulatory T-cells [Treg] and response" in text
    assert "<strong>response</strong>" in html
    assert "Age > 18 years" in text and "Kaposi sarcoma [KS]" in text
    assert "Prior <strong>radiotherapy</strong>" in html
    assert "<td>30 Gy</td>" in html
