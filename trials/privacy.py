"""Patients' contact details: who may see them, and how they are hidden.

A row's contact values are what its model's `contact_values()` returns (a
patient's names, address, phone, message, place). Staff without
PERMISSION see them masked in the admin (trials/admin/masking.py), and
anonymisation scrubs them out of the text that quotes them (trials/anonymise.py).
"""

from __future__ import annotations

import re
import smtplib
import unicodedata
from collections.abc import Iterable

import phonenumbers

PERMISSION = "trials.view_contact_details"


# Anything shaped like an address, in a mail server's words ("<a@b.c>: unknown").
ADDRESS = re.compile(r"[^\s<>()\[\]{}'\",;:]+@[^\s<>()\[\]{}'\",;:]+")


def can_see_contacts(user) -> bool:
    return user.has_perm(PERMISSION)


HIDDEN = "•••"


def _initial_kept(character: str) -> bool:
    """A Latin letter, a digit or "+" may stay; one character of a Chinese
    name is a third of it ("王秀英"), so no character of another script does."""
    if character.isascii():
        return character.isprintable() and not character.isspace()
    return unicodedata.name(character, "").startswith("LATIN ")


def mask(value: str) -> str:
    """Enough to tell two rows apart, not enough to contact anybody: a Latin
    name or address keeps its first character ("M•••"), a name in Chinese or
    any other script shows none ("•••")."""
    if not value:
        return ""
    return f"{value[0]}{HIDDEN}" if _initial_kept(value[0]) else HIDDEN


def hide(value: object) -> str:
    """Health data and places (pre-screening answers, interests, coordinates):
    not even a first character, only whether there is something."""
    return "" if value in (None, "", [], {}) else HIDDEN


_PHONE_SHAPE = re.compile(r"^\+?[\d\s\-.()/]+$")
_BETWEEN_DIGITS = r"[\s\-.()/]*"


def _phone_pattern(value: str) -> re.Pattern | None:
    """A pattern of a phone number's national digits in any layout, or None
    when `value` is not shaped like a phone number."""
    if not _PHONE_SHAPE.match(value):
        return None
    digits = re.sub(r"\D", "", value)
    try:
        national = str(phonenumbers.parse(value, None).national_number)
    except phonenumbers.NumberParseException:
        national = digits.lstrip("0")
    if len(national) < 6:
        return None
    return re.compile(r"(?<!\d)0?" + _BETWEEN_DIGITS.join(national) + r"(?!\d)")


def redact(text: str, values: Iterable[str], replacement: str | None = None) -> str:
    """`text` with every occurrence of `values` masked (or replaced), ignoring case.

    Longest first, so a full name goes before the first name inside it. Mail
    servers change the case of addresses they quote, hence the ignored case.
    """
    if not text:
        return text
    values = sorted({v.strip() for v in values if v and v.strip()}, key=len, reverse=True)
    for value in values:
        shown = mask(value) if replacement is None else replacement
        text = re.sub(
            re.escape(value), lambda _match, shown=shown: shown, text, flags=re.IGNORECASE
        )
        # A phone number comes back written another way ("+86 138 0013 8000"
        # as "13800138000" or "138-0013-8000"): its national digits, whatever
        # stands between them.
        if (pattern := _phone_pattern(value)) is not None:
            text = pattern.sub(lambda _match, shown=shown: shown, text)
    # A column cut short ("… <mei.lin@exa") ends with the start of a value.
    for value in values:
        for length in range(min(len(value) - 1, len(text)), 2, -1):
            if text[-length:].lower() == value[:length].lower():
                return text[:-length] + (mask(value) if replacement is None else replacement)
    return text


def delivery_error(exc: Exception) -> str:
    """What went wrong sending an email, for `last_error` and the worker's log.

    The exception's class, the SMTP code and the server's reason, never the
    recipient: smtplib's refusals are keyed by address, and servers quote it
    in their reasons ("550 5.1.1 <a@b.c>: Recipient address rejected").
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        reasons = [f"{code} {_decoded(reason)}" for code, reason in exc.recipients.values()]
        text = "; ".join(reasons)
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_decoded(exc.smtp_error)}"
    else:
        text = str(exc)
    return ADDRESS.sub("[address]", f"{type(exc).__name__}: {text}")[:2000]


def _decoded(reason: bytes | str) -> str:
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
