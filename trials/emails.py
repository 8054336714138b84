"""Email content: one template triple per message, and the outbox rows built from it.

Every email is `templates/emails/<name>_subject.txt`, `<name>_body.txt` and
`<name>_body.html`, rendered by `render_email` (as healthchecks'
`hc/lib/emails.py` `make_message`). `email_queue` stores the result as an
`OutgoingEmail` row; a worker sends it later (see trials/outbox.py).
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.utils import translation

from trials.coordinator import coordinator_url
from trials.models import Inquiry, Language, OutgoingEmail

# CR, LF and the other control characters: none of them belongs in a header.
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


def header_safe(value: str, *, max_length: int = 250) -> str:
    """One line of plain text, safe to put in a header (subject, display name)."""
    return " ".join(_CONTROL_CHARS.sub(" ", str(value)).split())[:max_length]


def has_control_characters(value: str) -> bool:
    """True for text that would break a header line (CR, LF, NUL, VT, U+2028...)."""
    return bool(_CONTROL_CHARS.search(value or ""))


def unsafe_header(email: OutgoingEmail) -> str:
    """The name of a header of this row that would break its line, or "".

    Forms refuse such values; this guards rows written before they did, or
    by staff and importers, at the last moment before sending.
    """
    values = {"To": email.to, "Reply-To": email.reply_to, "Subject": email.subject}
    values.update({str(k): str(v) for k, v in (email.headers or {}).items()})
    for name, value in values.items():
        if has_control_characters(name) or has_control_characters(value):
            return name
    return ""


def address_safe(value: str) -> str:
    """The address if it is one valid email address and nothing else, else ""."""
    value = (value or "").strip()
    if not value or has_control_characters(value) or "," in value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML body) from the template triple `emails/<name>_*`."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = header_safe(render_to_string(f"emails/{name}_subject.txt", context))
    text = render_to_string(f"emails/{name}_body.txt", context).strip() + "\n"
    html = render_to_string(f"emails/{name}_body.html", context)
    return subject, text, html


def message_id_for(*, kind: str, inquiry: Inquiry | None = None) -> str:
    """A Message-ID no other email anywhere carries, fixed when the row is written.

    Random (a UUID), not derived from row ids: ids repeat across databases
    (a staging copy, a restored backup), and a mailbox that drops repeated
    Message-IDs would then drop a different patient's email. Every send
    attempt of the row reuses it, so a re-sent copy is recognisable as the
    same message. The inquiry id and the kind stay in it for people reading
    mail logs.
    """
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN
    prefix = f"inquiry-{inquiry.pk}.{kind}" if inquiry is not None else kind
    return f"<{prefix}.{uuid.uuid4().hex}@{domain}>"


def email_queue(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict,
    reply_to: str = "",
    inquiry: Inquiry | None = None,
    subscription=None,
    headers: dict[str, str] | None = None,
) -> OutgoingEmail:
    """Render and store one email as a queued row. Call `outbox_enqueue` after.

    Header values are flattened to one line; a reply-to that is not exactly
    one valid address is dropped rather than passed on to the mail headers.
    """
    subject, text, html = render_email(template, context)
    return OutgoingEmail.objects.create(
        kind=kind,
        to=to,
        reply_to=address_safe(reply_to),
        subject=subject,
        body_text=text,
        body_html=html,
        headers={
            header_safe(k, max_length=60): header_safe(v, max_length=900)
            for k, v in (headers or {}).items()
        },
        message_id=message_id_for(kind=kind, inquiry=inquiry),
        inquiry=inquiry,
        subscription=subscription,
    )


def site_recipient(site) -> str:
    """Where a site's inquiries go: its contact, else the operator's fallback."""
    return address_safe(site.contact_email) or settings.INQUIRY_FALLBACK_EMAIL


def inquiry_context(inquiry: Inquiry) -> dict:
    labels = dict(Language.choices)
    language = inquiry.preferred_language
    return {
        "inquiry": inquiry,
        "trial": inquiry.trial,
        "site": inquiry.site,
        "preferred_language": str(labels.get(language, language)) if language else "",
        "distance_km": round(inquiry.distance_km) if inquiry.distance_km is not None else None,
        "prescreen_answers": inquiry.prescreen_answers or [],
        "coordinator_url": coordinator_url(inquiry),
        "trial_url": settings.SITE_URL + inquiry.trial.get_absolute_url(),
        "link_max_age_days": settings.INQUIRY_LINK_MAX_AGE_DAYS,
    }


def inquiry_emails_create(*, inquiry: Inquiry) -> list[OutgoingEmail]:
    """The study site's email (Reply-To the patient) and the patient's copy.

    Call inside the transaction that stores the inquiry, then pass the ids to
    `outbox_enqueue`. The site email is written in the site's working language
    (the project default); the patient's copy in the language of the page
    they used.
    """
    context = inquiry_context(inquiry)
    with translation.override(settings.LANGUAGE_CODE):
        site_email = email_queue(
            kind=OutgoingEmail.Kind.SITE_INQUIRY,
            to=site_recipient(inquiry.site),
            template="site_inquiry",
            context=context,
            reply_to=inquiry.email,
            inquiry=inquiry,
        )
    patient_copy = email_queue(
        kind=OutgoingEmail.Kind.PATIENT_COPY,
        to=inquiry.email,
        template="patient_copy",
        context=context,
        inquiry=inquiry,
    )
    return [site_email, patient_copy]


def inquiry_reminder_create(*, inquiry: Inquiry) -> OutgoingEmail:
    """The one reminder to a site that has not answered an inquiry."""
    with translation.override(settings.LANGUAGE_CODE):
        return email_queue(
            kind=OutgoingEmail.Kind.SITE_REMINDER,
            to=site_recipient(inquiry.site),
            template="site_reminder",
            context=inquiry_context(inquiry),
            reply_to=inquiry.email,
            inquiry=inquiry,
        )


def inquiry_correction_create(*, inquiry: Inquiry, changed: list[str]) -> OutgoingEmail:
    """The site's email when a patient corrected what they sent: all the
    details again, saying which ones changed. Its Message-ID is new, so it
    never collides with the first email's."""
    # Coordinates from the browser are a corrected place to the site.
    fields = ["location_text" if name in {"latitude", "longitude"} else name for name in changed]
    labels = list(dict.fromkeys(Inquiry._meta.get_field(name).verbose_name for name in fields))
    with translation.override(settings.LANGUAGE_CODE):
        return email_queue(
            kind=OutgoingEmail.Kind.SITE_CORRECTION,
            to=site_recipient(inquiry.site),
            template="site_correction",
            context={**inquiry_context(inquiry), "changed": labels},
            reply_to=inquiry.email,
            inquiry=inquiry,
        )
