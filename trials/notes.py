"""Private notes on a trial page, and the passcode-protected links that share them.

A note's owner is anonymous: a long random token lives in an HttpOnly cookie
and the database keeps only its SHA-256 (`owner_key`), so a leaked database
does not let anyone act as a note's owner.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Case, F, Q, When
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from trials.models import Note, ShareLink, Trial

OWNER_COOKIE = "tf_notes"
OWNER_COOKIE_MAX_AGE = 365 * 24 * 60 * 60
SHARE_VALID_FOR = timedelta(days=7)
MAX_FAILED_PASSCODES = 5
LOCKED_FOR = timedelta(minutes=15)
PASSCODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
PASSCODE_LENGTH = 8
MAX_QUOTE = 5000
MAX_BODY = 5000
MAX_NOTES_PER_TRIAL = 200
# Generous for a person, tight for a script filling the database.
NOTE_WRITES_PER_HOUR = 300
SHARES_PER_DAY = 30
PASSCODE_TRIES_PER_IP_PER_HOUR = 60


def owner_key_for(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def owner_key_from(request: HttpRequest) -> str | None:
    """The owner key of this browser, or None when it has never kept a note."""
    token = request.COOKIES.get(OWNER_COOKIE, "")
    # Our tokens are 43 characters; anything much shorter was not made here.
    if len(token) < 32 or len(token) > 128:
        return None
    return owner_key_for(token)


def owner_token_new() -> str:
    return secrets.token_urlsafe(32)


def owner_cookie_set(*, response: HttpResponse, token: str) -> None:
    response.set_cookie(
        OWNER_COOKIE,
        token,
        max_age=OWNER_COOKIE_MAX_AGE,
        # Secure unless running locally (DEBUG), like the session cookie.
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def note_create(
    *,
    owner_key: str,
    trial: Trial,
    section: str,
    quote: str,
    start_offset: int,
    end_offset: int,
    body: str,
) -> Note:
    return Note.objects.create(
        owner_key=owner_key,
        trial=trial,
        section=section,
        quote=quote[:MAX_QUOTE],
        start_offset=start_offset,
        end_offset=end_offset,
        body=body[:MAX_BODY],
    )


def note_update(*, note: Note, body: str) -> Note:
    """Change what the note says; the quoted text and its place never change."""
    note.body = body[:MAX_BODY]
    note.save(update_fields=["body", "updated_at"])
    return note


def notes_of(*, owner_key: str, trial: Trial):
    return Note.objects.filter(owner_key=owner_key, trial=trial)


def notes_full(*, owner_key: str, trial: Trial) -> bool:
    return notes_of(owner_key=owner_key, trial=trial).count() >= MAX_NOTES_PER_TRIAL


def note_as_dict(note: Note) -> dict:
    return {
        "id": note.pk,
        "section": note.section,
        "quote": note.quote,
        "start": note.start_offset,
        "end": note.end_offset,
        "body": note.body,
        "updated_at": note.updated_at.isoformat(),
    }


def passcode_new() -> str:
    return "".join(secrets.choice(PASSCODE_ALPHABET) for _ in range(PASSCODE_LENGTH))


def share_create(*, owner_key: str, trial: Trial) -> tuple[ShareLink, str]:
    """A new link to the owner's notes on a trial, and its passcode (returned only here)."""
    passcode = passcode_new()
    link = ShareLink.objects.create(
        owner_key=owner_key,
        trial=trial,
        token=secrets.token_urlsafe(32),
        passcode_hash=make_password(passcode),
        expires_at=timezone.now() + SHARE_VALID_FOR,
    )
    return link, passcode


def share_revoke(*, owner_key: str, trial: Trial, link_id: int) -> bool:
    changed = ShareLink.objects.filter(
        pk=link_id, owner_key=owner_key, trial=trial, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    return changed == 1


def shares_of(*, owner_key: str, trial: Trial):
    """The owner's links on this trial that still open."""
    return ShareLink.objects.filter(
        owner_key=owner_key, trial=trial, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


class Unlock(enum.Enum):
    OPEN = "open"
    WRONG = "wrong"
    LOCKED = "locked"
    EXPIRED = "expired"
    REVOKED = "revoked"


def share_state(link: ShareLink) -> Unlock | None:
    """Why the link does not open at all, or None when a passcode may be tried."""
    now = timezone.now()
    if link.revoked_at is not None:
        return Unlock.REVOKED
    if link.expires_at <= now:
        return Unlock.EXPIRED
    if link.locked_until is not None and link.locked_until > now:
        return Unlock.LOCKED
    return None


def share_unlock(*, link: ShareLink, passcode: str) -> Unlock:
    """Check a passcode; the fifth wrong one in a row locks the link for a while.

    Each try first claims an attempt with one conditional UPDATE that also sets
    the lock on the fifth, so parallel guesses cannot get more than five checks
    in before the lock, whatever the database.
    """
    state = share_state(link)
    if state is not None:
        return state
    now = timezone.now()
    last_try = Q(failed_attempts__gte=MAX_FAILED_PASSCODES - 1)
    claimed = (
        ShareLink.objects.filter(pk=link.pk)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(
            failed_attempts=Case(When(last_try, then=0), default=F("failed_attempts") + 1),
            locked_until=Case(When(last_try, then=now + LOCKED_FOR), default=None),
        )
    )
    if not claimed:
        return Unlock.LOCKED
    if check_password(passcode.strip().upper(), link.passcode_hash):
        ShareLink.objects.filter(pk=link.pk).update(failed_attempts=0, locked_until=None)
        return Unlock.OPEN
    link.refresh_from_db(fields=["failed_attempts", "locked_until"])
    if link.locked_until is not None and link.locked_until > now:
        return Unlock.LOCKED
    return Unlock.WRONG


def attempts_left(link: ShareLink) -> int:
    return max(MAX_FAILED_PASSCODES - link.failed_attempts, 0)
