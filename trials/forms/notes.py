"""What a browser may send to the notes endpoints, read strictly from JSON.

static/js/notes.js sends one flat JSON object. Anything else (not JSON,
NaN or Infinity, numbers the database cannot hold, text PostgreSQL cannot
store, nested or huge bodies) is refused with one message a person can
read, before anything is written.
"""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from trials.models import Note
from trials.notes import MAX_BODY

# Both bodies together with every character \u-escaped fit; a note never needs more.
MAX_JSON_BYTES = 64 * 1024
# The largest offset the database column holds (PostgreSQL integer).
MAX_OFFSET = 2**31 - 1
# NUL, which PostgreSQL cannot store, the other control characters but tab and
# line breaks, and halves of surrogate pairs, which cannot be encoded.
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


UNREADABLE = _("We could not read what your browser sent. Please reload the page.")
TOO_BIG = _("This is more than a note can hold.")


class BadJson(Exception):
    """The body is not one JSON object this endpoint can read; str() says why."""


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


def json_object_from(request: HttpRequest) -> dict:
    """The request body as one flat JSON object, or BadJson."""
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise BadJson(TOO_BIG) from exc
    if len(body) > MAX_JSON_BYTES:
        raise BadJson(TOO_BIG)
    try:
        data = json.loads(body or b"{}", parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise BadJson(UNREADABLE) from exc
    if not isinstance(data, dict) or any(isinstance(v, dict | list) for v in data.values()):
        raise BadJson(UNREADABLE)
    return data


def validate_storable_text(value: str) -> None:
    if UNSTORABLE.search(value):
        raise ValidationError(
            _("This text contains characters we cannot keep. Please retype it."),
            code="unstorable",
        )


class JsonTextField(forms.CharField):
    """Text only: a number or true is not turned into "3" or "True"."""

    default_error_messages = {"invalid": _("This must be text.")}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate_storable_text)

    def to_python(self, value):
        if value is not None and not isinstance(value, str):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class JsonOffsetField(forms.IntegerField):
    """A whole number the database can hold: not 1.5, "2", true or 1e400."""

    default_error_messages = {
        "invalid": _("The place of the selected text must be a whole number.")
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators += [MinValueValidator(0), MaxValueValidator(MAX_OFFSET)]

    def to_python(self, value):
        if value is None:
            return None
        # bool is an int in Python; JSON's true is not a number.
        if type(value) is not int:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


NO_SELECTION = _("Select some text on the page first.")


class NoteForm(forms.Form):
    section = forms.ChoiceField(
        choices=Note.Section.choices,
        error_messages={"required": NO_SELECTION, "invalid_choice": NO_SELECTION},
    )
    # Page text, not typed: a long selection is cut to MAX_QUOTE by note_create.
    quote = JsonTextField(error_messages={"required": NO_SELECTION})
    start = JsonOffsetField(error_messages={"required": NO_SELECTION})
    end = JsonOffsetField(error_messages={"required": NO_SELECTION})
    body = JsonTextField(required=False, max_length=MAX_BODY, strip=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and start >= end:
            raise ValidationError(_("The selection must end after it starts."), code="order")
        return data


class NoteBodyForm(forms.Form):
    body = JsonTextField(required=False, max_length=MAX_BODY, strip=False)


def first_error(form: forms.Form) -> str:
    """One message for the page to show: the form's first."""
    for messages in form.errors.values():
        return str(messages[0])
    return ""
