"""The notes endpoints refuse what notes.js would never send: a 400 with a
message, and nothing stored. Run against PostgreSQL in CI, where NUL, lone
surrogates and offsets past 2³¹ used to fail inside the database with a 500."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import SiteFactory, TrialFactory
from trials.models import Note
from trials.notes import OWNER_COOKIE

pytestmark = pytest.mark.django_db

SELECTION = '"section": "description", "quote": "radiotherapy"'
GOOD = SELECTION + ', "body": "Ask"'


def obj(*members: str) -> str:
    """A JSON object written by hand: json.dumps cannot write what these tests send."""
    return "{" + ", ".join(members) + "}"


BAD_BODIES = {
    "infinity": obj(GOOD, '"start": 0, "end": Infinity'),
    "minus infinity": obj(GOOD, '"start": -Infinity, "end": 3'),
    "nan": obj(GOOD, '"start": 0, "end": NaN'),
    "a float too big for a float": obj(GOOD, '"start": 0, "end": 1e400'),
    "past 2**31": obj(GOOD, '"start": 0, "end": 2147483648'),
    "far past 2**63": obj(GOOD, '"start": 0, "end": 99999999999999999999999'),
    "negative": obj(GOOD, '"start": -5, "end": 3'),
    "start after end": obj(GOOD, '"start": 9, "end": 3'),
    "a fraction": obj(GOOD, '"start": 0.5, "end": 3'),
    "a number as text": obj(GOOD, '"start": "0", "end": "3"'),
    "true as a number": obj(GOOD, '"start": true, "end": 3'),
    "nul in the quote": '{"section": "overview", "quote": "a\\u0000b", "start": 0, "end": 3}',
    "nul in the body": obj(SELECTION, '"start": 0, "end": 3, "body": "\\u0000"'),
    "lone surrogate": '{"section": "overview", "quote": "a\\ud800", "start": 0, "end": 3}',
    "surrogate in the body": obj(SELECTION, '"start": 0, "end": 3, "body": "\\udfff"'),
    "a control character": '{"section": "overview", "quote": "a\\u0001b", "start": 0, "end": 3}',
    "a list as the quote": '{"section": "overview", "quote": ["a"], "start": 0, "end": 3}',
    "an object as the body": obj(SELECTION, '"start": 0, "end": 3, "body": {"a": 1}'),
    "a number as the quote": '{"section": "overview", "quote": 12, "start": 0, "end": 3}',
    "an unknown section": '{"section": "sites", "quote": "x", "start": 0, "end": 3}',
    "deeply nested": "[" * 100_000 + "]" * 100_000,
    "nested in the object": '{"section": ' + "[" * 5000 + "]" * 5000 + "}",
    "an array": "[1, 2]",
    "not json": "section=overview&quote=x",
    "not utf-8": b'{"section": "overview", "quote": "\xff", "start": 0, "end": 3}',
    "a body too long": obj(SELECTION, '"start": 0, "end": 3, "body": "' + "x" * 5001 + '"'),
    "a huge request": obj(SELECTION, '"start": 0, "end": 3, "body": "' + "x" * 3_000_000 + '"'),
}


@pytest.fixture
def trial():
    trial = TrialFactory(description="Patients receive radiotherapy before surgery.")
    SiteFactory(trial=trial, is_primary_contact=True)
    return trial


def _post(client, trial, body):
    return client.post(
        reverse("trials:notes", args=[trial.nct_id]), body, content_type="application/json"
    )


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_it_refuses_a_bad_new_note_with_a_message_and_stores_nothing(postgres, trial, body):
    client = Client(raise_request_exception=False)

    response = _post(client, trial, body)

    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]
    assert Note.objects.count() == 0
    assert OWNER_COOKIE not in client.cookies


def test_each_mistake_gets_its_own_message(client, trial):
    def error(body):
        return _post(client, trial, body).json()["error"]

    assert error(BAD_BODIES["start after end"]) == "The selection must end after it starts."
    assert error(BAD_BODIES["an unknown section"]) == "Select some text on the page first."
    assert error(BAD_BODIES["nul in the quote"]) == "Null characters are not allowed."
    assert error(BAD_BODIES["lone surrogate"]) == (
        "This text contains characters we cannot keep. Please retype it."
    )
    assert error(BAD_BODIES["a fraction"]) == (
        "The place of the selected text must be a whole number."
    )
    assert error(BAD_BODIES["infinity"]) == (
        "We could not read what your browser sent. Please reload the page."
    )
    assert error(BAD_BODIES["a huge request"]) == "This is more than a note can hold."
    assert "at most 5000 characters" in error(BAD_BODIES["a body too long"])


@pytest.mark.parametrize(
    "name",
    ["nul in the body", "surrogate in the body", "an object as the body", "a body too long"],
)
def test_it_refuses_a_bad_edit_and_keeps_the_note(postgres, trial, name):
    client = Client(raise_request_exception=False)
    note = _post(client, trial, obj(GOOD, '"start": 29, "end": 41')).json()
    body = BAD_BODIES[name].replace('"start": 0, "end": 3, ', "")

    response = client.patch(
        reverse("trials:note", args=[trial.nct_id, note["id"]]),
        body,
        content_type="application/json",
    )

    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]
    assert Note.objects.get().body == "Ask"


def test_the_largest_offsets_the_database_holds_are_kept(postgres, client, trial):
    body = json.dumps(
        {"section": "eligibility", "quote": "x", "start": 2**31 - 2, "end": 2**31 - 1}
    )
    assert _post(client, trial, body).status_code == 201
    assert Note.objects.get().end_offset == 2**31 - 1
