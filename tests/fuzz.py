"""What the fuzz tests (tests/test_fuzz_*.py) send: any text a browser or a
script can put in a form, a URL or a JSON body, and the few values that used
to break pages. Each test keeps its number of examples small: they run in CI
against PostgreSQL, where NUL and out-of-range numbers fail inside the
database, and on SQLite on a laptop."""

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Every character but halves of surrogate pairs, which a form or URL cannot
# carry (they have no UTF-8); control characters and NUL included.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120)
# Values that broke pages or could: NUL, line breaks in all their spellings,
# numbers past every limit, things that look like code.
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x0b",
        "\r\nBcc: x@example.org",
        "\u2028",
        "\x85",
        "%00",
        "-1",
        "0",
        "1e309",
        "NaN",
        "Infinity",
        "9" * 30,
        "2147483648",
        "' OR 1=1 --",
        '"',
        "<script>alert(1)</script>",
        "ü:💥",
        "\ufeff",
        "NCT0676022",
    ]
)
# Text with a control character inside, NUL the most often: random text
# seldom holds one, and they are what PostgreSQL and headers choke on.
WITH_CONTROL = st.tuples(
    ANY_TEXT,
    st.one_of(st.just("\x00"), st.characters(max_codepoint=0x1F), st.just("\x7f")),
    ANY_TEXT,
).map("".join)
ANY_VALUE = st.one_of(st.none(), ANY_TEXT, NASTY, WITH_CONTROL)
# Characters no stored row may hold (tab and line breaks only in free text).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAK = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def fuzz(max_examples: int):
    """Hypothesis settings for one endpoint's fuzz test."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def fields(valid: dict[str, list[str]]):
    """A form or query: each field absent, valid, arbitrary or one of NASTY."""
    return st.fixed_dictionaries(
        {name: st.one_of(ANY_VALUE, st.sampled_from(values)) for name, values in valid.items()}
    ).map(lambda data: {name: value for name, value in data.items() if value is not None})


def no_server_error(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:500])
