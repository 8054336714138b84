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
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from trials.coordinator import coordinator_url
from trials.models import Inquiry, Language, OutgoingEmail
from trials.place_names import country_code

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


def known_language(language: str) -> str:
    """The language if the site has a catalogue for it, else the default."""
    known = {code for code, _name in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def site_language(site) -> str:
    """What a study site reads its emails in: its setting in the admin."""
    return known_language(site.email_language)


# China keeps one time, Beijing time, named so in Chinese ("北京时间").
CHINA_TIME_ZONE = "Asia/Shanghai"


def _in_china(site) -> bool:
    return site is not None and country_code(site.country) == "CN"


def patient_time_zone(inquiry: Inquiry) -> str:
    """The zone a patient reads times in: Beijing time for a Chinese reader
    (the pages read in Chinese, or a study center in China), else the site's."""
    if inquiry.language.lower().startswith("zh") or _in_china(inquiry.site):
        return CHINA_TIME_ZONE
    return settings.TIME_ZONE


def site_time_zone(site) -> str:
    """The zone a study team reads times in: Beijing time in China, else the site's setting."""
    return CHINA_TIME_ZONE if _in_china(site) else settings.TIME_ZONE


def when_with_zone(moment) -> str:
    """A date and time in the active language and time zone, the zone named:
    "2026年12月6日 21:30（北京时间）", "Dec. 6, 2026, 1:30 p.m. (UTC)"."""
    local = timezone.localtime(moment)
    if timezone.get_current_timezone_name() == CHINA_TIME_ZONE:
        zone = gettext("Beijing time")
    else:
        zone = local.tzname() or timezone.get_current_timezone_name()
    return gettext("%(when)s (%(zone)s)") % {
        "when": date_format(local, "DATETIME_FORMAT"),
        "zone": zone,
    }


def inquiry_context(inquiry: Inquiry) -> dict:
    """What the inquiry emails show, in the language and time zone active when called."""
    labels = dict(Language.choices)
    language = inquiry.preferred_language
    return {
        "inquiry": inquiry,
        "received_at": when_with_zone(inquiry.created_at),
        "trial": inquiry.trial,
        "site": inquiry.site,
        "preferred_language": str(labels.get(language, language)) if language else "",
        "distance_km": round(inquiry.distance_km) if inquiry.distance_km is not None else None,
        "prescreen_answers": inquiry.prescreen_answers or [],
        "coordinator_url": coordinator_url(inquiry),
        "trial_url": settings.SITE_URL + inquiry.trial.get_absolute_url(),
        "link_max_age_days": settings.INQUIRY_LINK_MAX_AGE_DAYS,
        "contact_method": inquiry.get_contact_method_display() if inquiry.contact_method else "",
        "reached_the_site": inquiry.reached_the_site,
        "central_contact": inquiry.central_contact,
    }


def inquiry_emails_create(*, inquiry: Inquiry) -> list[OutgoingEmail]:
    """The study site's email (Reply-To the patient) and the patient's copy.

    Call inside the transaction that stores the inquiry, then pass the ids to
    `outbox_enqueue`. The site email is written in the site's language setting,
    the patient's copy in the language of the pages they used; the patient's
    own words go into both as they typed them.
    """
    return _to_recipients(
        inquiry, kind=OutgoingEmail.Kind.SITE_INQUIRY, template="site_inquiry"
    ) + _to_patient(inquiry, kind=OutgoingEmail.Kind.PATIENT_COPY, template="patient_copy")


def _to_recipients(
    inquiry: Inquiry,
    *,
    kind: str,
    template: str,
    extra: dict | None = None,
    addresses: list[str] | None = None,
) -> list[OutgoingEmail]:
    """One row per address the inquiry was sent to (trials/recipients.py
    chose them when it was sent), or per address given, in the site's
    language, Reply-To the patient."""
    with (
        translation.override(site_language(inquiry.site)),
        timezone.override(site_time_zone(inquiry.site)),
    ):
        return [
            email_queue(
                kind=kind,
                to=address,
                template=template,
                context={**inquiry_context(inquiry), **(extra or {})},
                reply_to=inquiry.email,
                inquiry=inquiry,
            )
            for address in (inquiry.recipient_addresses if addresses is None else addresses)
        ]


def _to_patient(
    inquiry: Inquiry, *, kind: str, template: str, extra: dict | None = None
) -> list[OutgoingEmail]:
    """The patient's email in the language of the pages they used; none for a
    patient who gave a phone number only."""
    if not inquiry.email:
        return []
    with (
        translation.override(known_language(inquiry.language)),
        timezone.override(patient_time_zone(inquiry)),
    ):
        return [
            email_queue(
                kind=kind,
                to=inquiry.email,
                template=template,
                context={**inquiry_context(inquiry), **(extra or {})},
                inquiry=inquiry,
            )
        ]


def inquiry_reminder_create(*, inquiry: Inquiry) -> list[OutgoingEmail]:
    """The one reminder to whoever received an inquiry that nobody has answered."""
    return _to_recipients(inquiry, kind=OutgoingEmail.Kind.SITE_REMINDER, template="site_reminder")


def inquiry_correction_create(*, inquiry: Inquiry, changed: list[str]) -> list[OutgoingEmail]:
    """The site's email when a patient corrected what they sent: all the
    details again, saying which ones changed. Its Message-ID is new, so it
    never collides with the first email's."""
    # Coordinates from the browser are a corrected place to the site.
    fields = ["location_text" if name in {"latitude", "longitude"} else name for name in changed]
    labels = list(dict.fromkeys(Inquiry._meta.get_field(name).verbose_name for name in fields))
    return _to_recipients(
        inquiry,
        kind=OutgoingEmail.Kind.SITE_CORRECTION,
        template="site_correction",
        extra={"changed": labels},
    )


def inquiry_escalation_create(
    *, inquiry: Inquiry, central_addresses: list[str], phones: list
) -> list[OutgoingEmail]:
    """Nobody answered: the message to the trial's central contact with a note
    (when it goes there), and a word to the patient (when they gave an
    address) saying what happened and whom they can call."""

    extra = {"passed_on": bool(central_addresses), "phones": phones}
    # The central contact reads it in the site's language, as the site's own
    # emails (and a first message that went to the central contact) are.
    return _to_recipients(
        inquiry,
        kind=OutgoingEmail.Kind.CENTRAL_ESCALATION,
        template="central_escalation",
        extra=extra,
        addresses=central_addresses,
    ) + _to_patient(
        inquiry,
        kind=OutgoingEmail.Kind.PATIENT_ESCALATION,
        template="patient_escalation",
        extra=extra,
    )


# Emails to the people who act on a message: when one fails for good, the
# operators hear of it (their mailbox is for such alerts, never a route).
STUDY_TEAM_KINDS = (
    OutgoingEmail.Kind.SITE_INQUIRY,
    OutgoingEmail.Kind.SITE_REMINDER,
    OutgoingEmail.Kind.SITE_CORRECTION,
    OutgoingEmail.Kind.CENTRAL_ESCALATION,
)


def operator_alert_create(*, failed: OutgoingEmail) -> OutgoingEmail | None:
    """An alert to INQUIRY_FALLBACK_EMAIL that an email to a study team or a
    registry contact failed for good; no patient's details in it. None when
    no operators' mailbox is set or the email was not for a study team."""
    to = address_safe(settings.INQUIRY_FALLBACK_EMAIL)
    if not to or failed.kind not in STUDY_TEAM_KINDS or failed.inquiry_id is None:
        return None
    inquiry = failed.inquiry
    admin_path = reverse("admin:trials_inquiry_change", args=[inquiry.pk])
    return email_queue(
        kind=OutgoingEmail.Kind.OPERATOR_ALERT,
        to=to,
        template="operator_alert",
        context={
            "failed": failed,
            "inquiry": inquiry,
            "trial": inquiry.trial,
            "site": inquiry.site,
            "admin_url": settings.SITE_URL + admin_path,
        },
    )
