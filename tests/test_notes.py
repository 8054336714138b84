"""Private notes: only the browser that wrote them sees them; links shared by
passcode open read-only, lock after five wrong passcodes, expire and can be
withdrawn."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tests.factories import SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import Note, ShareLink
from trials.notes import OWNER_COOKIE

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial():
    trial = TrialFactory(description="Patients receive radiotherapy before surgery.")
    SiteFactory(trial=trial, is_primary_contact=True)
    return trial


def add_note(client, trial, body="Ask the doctor about this.", quote="radiotherapy"):
    response = client.post(
        reverse("trials:notes", args=[trial.nct_id]),
        json.dumps(
            {"section": "description", "quote": quote, "start": 29, "end": 41, "body": body}
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def share(client, trial) -> dict:
    response = client.post(reverse("trials:notes_share", args=[trial.nct_id]))
    assert response.status_code == 201
    return response.json()


def shared_path(data: dict) -> str:
    return data["url"].removeprefix("http://testserver")


def test_it_keeps_the_owner_in_a_private_cookie_and_only_its_hash_in_the_database(client, trial):
    note = add_note(client, trial)

    cookie = client.cookies[OWNER_COOKIE]
    assert len(cookie.value) >= 40
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    stored = Note.objects.get(pk=note["id"])
    assert stored.owner_key == hashlib.sha256(cookie.value.encode()).hexdigest()
    assert cookie.value not in json.dumps(list(Note.objects.values()), default=str)


def test_the_cookie_is_secure_when_the_site_runs_on_https(client, trial, settings):
    settings.SESSION_COOKIE_SECURE = True
    add_note(client, trial)
    assert client.cookies[OWNER_COOKIE]["secure"] is True


def test_the_owner_sees_their_notes(client, trial):
    note = add_note(client, trial)
    response = client.get(reverse("trials:notes", args=[trial.nct_id]))
    assert response.status_code == 200
    assert response.json()["notes"] == [note]
    assert note["quote"] == "radiotherapy"
    assert note["body"] == "Ask the doctor about this."


def test_notes_are_invisible_to_another_browser(client, trial):
    note = add_note(client, trial)
    stranger = Client()
    list_url = reverse("trials:notes", args=[trial.nct_id])
    note_url = reverse("trials:note", args=[trial.nct_id, note["id"]])

    # No cookie at all.
    assert stranger.get(list_url).status_code == 404
    assert stranger.get(note_url).status_code == 404
    # A cookie of its own.
    add_note(stranger, trial, body="Mine")
    assert [n["body"] for n in stranger.get(list_url).json()["notes"]] == ["Mine"]
    assert stranger.get(note_url).status_code == 404
    patch = stranger.patch(note_url, json.dumps({"body": "x"}), content_type="application/json")
    assert patch.status_code == 404
    assert stranger.delete(note_url).status_code == 404
    # A forged cookie.
    stranger.cookies[OWNER_COOKIE] = "x" * 43
    assert stranger.get(note_url).status_code == 404
    assert Note.objects.get(pk=note["id"]).body == "Ask the doctor about this."


def test_notes_belong_to_their_trial(client, trial):
    note = add_note(client, trial)
    other = TrialFactory()
    assert client.get(reverse("trials:note", args=[other.nct_id, note["id"]])).status_code == 404
    assert client.get(reverse("trials:notes", args=[other.nct_id])).json()["notes"] == []


def test_it_keeps_the_quote_when_a_note_is_edited(client, trial):
    note = add_note(client, trial)
    url = reverse("trials:note", args=[trial.nct_id, note["id"]])

    response = client.patch(
        url,
        json.dumps({"body": "Changed my mind", "quote": "surgery", "start": 0, "end": 3}),
        content_type="application/json",
    )

    assert response.status_code == 200
    stored = Note.objects.get(pk=note["id"])
    assert (stored.body, stored.quote, stored.start_offset, stored.end_offset) == (
        "Changed my mind",
        "radiotherapy",
        29,
        41,
    )


def test_the_owner_deletes_a_note(client, trial):
    note = add_note(client, trial)
    assert client.delete(reverse("trials:note", args=[trial.nct_id, note["id"]])).status_code == 204
    assert not Note.objects.exists()


def test_it_refuses_a_note_without_a_selection(client, trial):
    response = client.post(
        reverse("trials:notes", args=[trial.nct_id]),
        json.dumps({"section": "sites", "quote": "x", "start": 0, "end": 1}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert OWNER_COOKIE not in client.cookies


def test_the_note_endpoints_need_the_csrf_token(trial):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        reverse("trials:notes", args=[trial.nct_id]),
        json.dumps({"section": "description", "quote": "x", "start": 0, "end": 1}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Note.objects.exists()


def test_the_trial_page_says_notes_need_javascript(client, trial):
    response = client.get(trial.get_absolute_url())
    html = response.content.decode()
    assert "Private notes need JavaScript." in page_text(response)
    for section in ("overview", "description", "eligibility", "details"):
        assert f'data-note-section="{section}"' in html
    assert "/static/js/notes.js" in html
    assert "<script>" not in html


def test_no_admin_page_lists_notes():
    for name in ("admin:trials_note_changelist", "admin:trials_sharelink_changelist"):
        with pytest.raises(NoReverseMatch):
            reverse(name)


def test_sharing_shows_the_passcode_once_and_stores_only_its_hash(client, trial):
    add_note(client, trial)

    data = share(client, trial)

    link = ShareLink.objects.get()
    assert len(data["passcode"]) == 8
    assert data["passcode"] not in link.passcode_hash
    assert check_password(data["passcode"], link.passcode_hash)
    assert data["url"] == f"http://testserver/shared/{link.token}/"
    assert len(link.token) >= 40
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    listed = client.get(reverse("trials:notes", args=[trial.nct_id])).json()["shares"]
    assert [s["id"] for s in listed] == [link.pk]
    assert "passcode" not in listed[0]


def test_sharing_needs_a_note(client, trial):
    add_note(client, trial)
    Note.objects.all().delete()
    response = client.post(reverse("trials:notes_share", args=[trial.nct_id]))
    assert response.status_code == 400
    assert response.json() == {"error": "Add a note before you send your notes."}
    assert Client().post(reverse("trials:notes_share", args=[trial.nct_id])).status_code == 404


def test_the_right_passcode_shows_the_trial_with_the_notes_read_only(client, trial):
    add_note(client, trial)
    data = share(client, trial)
    reader = Client()

    assert "Passcode" in page_text(reader.get(shared_path(data)))
    response = reader.post(shared_path(data), {"passcode": data["passcode"].lower()})
    assert response.status_code == 302
    page = reader.get(shared_path(data))

    text = page_text(page)
    assert page.status_code == 200
    assert trial.brief_title in text
    assert "Notes shared with you" in text
    assert "radiotherapy Ask the doctor about this." in text
    assert "Get in touch with the nearest study center" not in text
    assert 'id="shared-notes"' in page.content.decode()
    # The reader cannot touch the owner's notes.
    assert reader.get(reverse("trials:notes", args=[trial.nct_id])).status_code == 404


def test_five_wrong_passcodes_lock_the_link_for_fifteen_minutes(client, trial):
    add_note(client, trial)
    data = share(client, trial)
    guesser = Client()

    for left in (4, 3, 2, 1):
        text = page_text(guesser.post(shared_path(data), {"passcode": "WRONG123"}))
        assert f"That passcode is not right. {left} tries left" in text
    fifth = guesser.post(shared_path(data), {"passcode": "WRONG123"})
    assert fifth.status_code == 403
    assert "This link is locked for 15 minutes." in page_text(fifth)

    # Even the right passcode is refused while locked, and it does not count.
    right = guesser.post(shared_path(data), {"passcode": data["passcode"]})
    assert "This link is locked for 15 minutes." in page_text(right)
    assert "Ask the doctor about this." not in page_text(guesser.get(shared_path(data)))
    link = ShareLink.objects.get()
    assert link.locked_until - timezone.now() > timedelta(minutes=14)

    # A quarter of an hour later the right passcode works.
    ShareLink.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert guesser.post(shared_path(data), {"passcode": data["passcode"]}).status_code == 302
    assert ShareLink.objects.get().failed_attempts == 0


def test_an_expired_link_says_so(client, trial):
    add_note(client, trial)
    data = share(client, trial)
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = Client().post(shared_path(data), {"passcode": data["passcode"]})

    assert response.status_code == 410
    assert "This link has expired." in page_text(response)


def test_a_revoked_link_says_so_even_to_someone_who_opened_it(client, trial):
    add_note(client, trial)
    data = share(client, trial)
    reader = Client()
    reader.post(shared_path(data), {"passcode": data["passcode"]})

    response = client.post(reverse("trials:notes_share_revoke", args=[trial.nct_id, data["id"]]))

    assert response.status_code == 204
    page = reader.get(shared_path(data))
    assert page.status_code == 410
    assert "This link has been withdrawn." in page_text(page)
    assert "radiotherapy" not in page_text(page)
    assert client.get(reverse("trials:notes", args=[trial.nct_id])).json()["shares"] == []


def test_only_the_owner_revokes_a_link(client, trial):
    add_note(client, trial)
    data = share(client, trial)
    stranger = Client()
    add_note(stranger, trial)
    url = reverse("trials:notes_share_revoke", args=[trial.nct_id, data["id"]])
    assert stranger.post(url).status_code == 404
    assert ShareLink.objects.get().revoked_at is None


def test_an_unknown_link_is_not_found(client):
    response = client.get(reverse("trials:shared_notes", args=["nope"]))
    assert response.status_code == 404
    assert "We could not find that page" in page_text(response)


def test_one_connection_cannot_guess_passcodes_across_many_links(client, trial, monkeypatch):
    from trials import notes

    monkeypatch.setattr(notes, "PASSCODE_TRIES_PER_IP_PER_HOUR", 3)
    add_note(client, trial)
    links = [share(client, trial) for _ in range(4)]
    guesser = Client()
    for data in links[:3]:
        assert guesser.post(shared_path(data), {"passcode": "WRONG123"}).status_code == 200
    response = guesser.post(shared_path(links[3]), {"passcode": links[3]["passcode"]})
    assert response.status_code == 429
    assert ShareLink.objects.filter(failed_attempts=0).count() == 1


def test_a_browser_cannot_fill_the_database_with_notes(client, trial, monkeypatch):
    from trials import notes

    monkeypatch.setattr(notes, "MAX_NOTES_PER_TRIAL", 2)
    add_note(client, trial)
    add_note(client, trial)
    response = client.post(
        reverse("trials:notes", args=[trial.nct_id]),
        json.dumps({"section": "description", "quote": "x", "start": 0, "end": 1}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Note.objects.count() == 2
