"""The study coordinator's signed link to one inquiry, and the status they set there.

The link carries the inquiry id signed with the secret key and a salt of its
own, with a timestamp: it cannot be guessed, altered or reused after
INQUIRY_LINK_MAX_AGE_DAYS. No login is needed; the link is the credential.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from trials.links import LinkExpired, LinkInvalid
from trials.models import Inquiry, InquiryStatusChange, Language

SALT = "trials.coordinator.inquiry"


def coordinator_token(inquiry: Inquiry) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(inquiry.pk))


def coordinator_url(inquiry: Inquiry) -> str:
    path = reverse("trials:coordinator", args=[coordinator_token(inquiry)])
    return settings.SITE_URL + path


def coordinator_inquiry_id(token: str) -> int:
    """The inquiry id in a valid token; LinkExpired or LinkInvalid otherwise."""
    max_age = datetime.timedelta(days=settings.INQUIRY_LINK_MAX_AGE_DAYS)
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    if not value.isdigit():
        raise LinkInvalid
    return int(value)


def coordinator_details(inquiry: Inquiry) -> dict:
    """What the patient gave besides their name and contact, as the study team
    reads it on the page: the language they prefer (its name, in the page's
    language), where they said they are and how far that is from the site,
    and their pre-screening answers (question, answer, whether it fits)."""
    labels = dict(Language.choices)
    code = inquiry.preferred_language
    return {
        "preferred_language": str(labels.get(code, code)) if code else "",
        "place": inquiry.location_text,
        "distance_km": None if inquiry.distance_km is None else round(inquiry.distance_km),
        "prescreen_answers": [
            answer for answer in inquiry.prescreen_answers or [] if isinstance(answer, dict)
        ],
    }


# What a study team can answer, the same on the signed link's page and in
# the study-team inbox: every status but "new".
COORDINATOR_STATUSES = [status for status in Inquiry.Status if status != Inquiry.Status.NEW]


def inquiry_status_set(*, inquiry_id: int, status: str, note: str = "", by=None) -> Inquiry:
    """Record the study team's answer and its note in the inquiry's history;
    the first answer is the first response. `by` is the account, or None
    for the signed link in the site's email."""
    if status not in COORDINATOR_STATUSES:
        raise ValueError(f"not a coordinator status: {status!r}")
    now = timezone.now()
    note = note.strip()
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().get(pk=inquiry_id)
        if inquiry.status == status and not note:
            return inquiry
        if inquiry.status != status:
            inquiry.status = status
            inquiry.status_changed_at = now
            if inquiry.first_response_at is None:
                inquiry.first_response_at = now
            inquiry.save(update_fields=["status", "status_changed_at", "first_response_at"])
        InquiryStatusChange.objects.create(inquiry=inquiry, status=status, note=note, by=by, at=now)
    return inquiry
