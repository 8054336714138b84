"""Whatever is sent to the notes endpoints (new note, edit, delete, share,
revoke) and to a shared link's passcode page: a 4xx with a message or the
expected answer, never a server error, and never a note the database would
hold wrongly."""

import json

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import SiteFactory, TrialFactory
from tests.fuzz import ANY_TEXT, CONTROL, NASTY, fuzz, no_server_error
from trials import notes as services
from trials.models import Note, ShareLink

pytestmark = pytest.mark.django_db

# JSON as a script may write it: any scalar, including what Python's json
# writes for NaN and infinities, huge integers, strings with lone surrogates.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=60),
    NASTY,
)
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner)
)
OFFSETS = st.one_of(st.integers(min_value=-5, max_value=2**33), SCALARS)
NOTE = st.fixed_dictionaries(
    {},
    optional={
        "section": st.one_of(st.sampled_from(Note.Section.values), SCALARS),
        "quote": st.one_of(st.just("radiotherapy"), SCALARS, JSON_VALUES),
        "start": OFFSETS,
        "end": OFFSETS,
        "body": st.one_of(st.just("Ask the doctor"), SCALARS, JSON_VALUES),
        "extra": JSON_VALUES,
    },
)
BODIES = st.one_of(
    NOTE.map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.binary(max_size=200),
    ANY_TEXT,
    st.integers(min_value=1, max_value=3000).map(lambda depth: "[" * depth + "]" * depth),
)

# A Cookie header is bytes, which WSGI hands over as Latin-1 text.
COOKIE = st.text(alphabet=st.characters(max_codepoint=255), max_size=80)


@pytest.fixture
def trial(monkeypatch):
    monkeypatch.setattr(services, "NOTE_WRITES_PER_HOUR", 100_000)
    monkeypatch.setattr(services, "SHARES_PER_DAY", 100_000)
    trial = TrialFactory(description="Patients receive radiotherapy before surgery.")
    SiteFactory(trial=trial, is_primary_contact=True)
    return trial


def assert_every_note_is_sound() -> None:
    for note in Note.objects.all():
        assert note.section in Note.Section.values
        assert 0 <= note.start_offset < note.end_offset <= 2**31 - 1
        assert note.quote and not CONTROL.search(note.quote + note.body)
        assert len(note.body) <= services.MAX_BODY


@fuzz(max_examples=150)
@given(body=BODIES)
def test_a_new_note_is_kept_whole_or_refused_with_a_message(client, trial, body):
    before = Note.objects.count()

    response = client.post(
        reverse("trials:notes", args=[trial.nct_id]), body, content_type="application/json"
    )

    no_server_error(response)
    assert response.status_code in (201, 400), response.status_code
    if response.status_code == 400:
        assert response.json()["error"]
        assert Note.objects.count() == before
    else:
        assert Note.objects.count() == before + 1
    assert_every_note_is_sound()


@fuzz(max_examples=80)
@given(body=BODIES, method=st.sampled_from(["patch", "delete", "get"]), pk=st.integers(0, 2**70))
def test_an_edit_or_delete_never_fails_and_keeps_notes_sound(client, trial, body, method, pk):
    created = client.post(
        reverse("trials:notes", args=[trial.nct_id]),
        json.dumps({"section": "description", "quote": "radiotherapy", "start": 29, "end": 41}),
        content_type="application/json",
    ).json()
    for note_id in (created["id"], pk):
        url = reverse("trials:note", args=[trial.nct_id, note_id])

        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, body, content_type="application/json")

        no_server_error(response)
        assert response.status_code in (200, 204, 400, 404), response.status_code
    assert_every_note_is_sound()


@fuzz(max_examples=40)
@given(pk=st.integers(0, 2**70), cookie=st.one_of(st.just(None), COOKIE))
def test_sharing_and_revoking_answer_any_link_and_any_cookie(client, trial, pk, cookie):
    client.cookies.clear()
    client.post(
        reverse("trials:notes", args=[trial.nct_id]),
        json.dumps({"section": "description", "quote": "radiotherapy", "start": 29, "end": 41}),
        content_type="application/json",
    )
    if cookie is not None:
        client.cookies[services.OWNER_COOKIE] = cookie

    created = client.post(reverse("trials:notes_share", args=[trial.nct_id]))
    revoked = client.post(reverse("trials:notes_share_revoke", args=[trial.nct_id, pk]))

    no_server_error(created)
    no_server_error(revoked)
    assert created.status_code in (201, 400, 404)
    assert revoked.status_code in (204, 404)


@fuzz(max_examples=60)
@given(passcode=st.one_of(ANY_TEXT, NASTY), token=st.one_of(st.none(), ANY_TEXT))
def test_a_shared_link_answers_any_passcode_and_any_token(client, trial, passcode, token):
    link, _passcode = services.share_create(owner_key="k" * 64, trial=trial)
    path = reverse("trials:shared_notes", args=[link.token])
    if token:
        path = "/shared/" + "".join(f"%{byte:02X}" for byte in token.encode()) + "/"

    response = client.post(path, {"passcode": passcode})

    no_server_error(response)
    assert response.status_code in (200, 400, 403, 404, 410, 429), response.status_code
    link.refresh_from_db()
    assert 0 <= link.failed_attempts <= services.MAX_FAILED_PASSCODES
    assert ShareLink.objects.filter(trial=trial).count() >= 1
