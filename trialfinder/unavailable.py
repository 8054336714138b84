"""What a visitor sees while the database cannot be reached: a 503, never a 500.

A patient who was sending something (a message to a study team, a sign-up)
gets their own form back, filled in with what they typed, to send again in a
minute: `keeps_form_when_database_down` on the view does that. Any other post
(pre-screening answers, a passcode) comes back as a "Send again" button that
posts the same values; pages get the plain 503, and the notes script JSON it
can show. Both from `DatabaseUnavailableMiddleware`.
"""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable, Iterable

from django import forms
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# What psycopg and sqlite3 raise (wrapped by Django) when the server is down,
# unreachable, restarting or refusing connections; `is_database_down` tells
# those apart from other errors of the same classes (a deadlock, a statement
# timeout), which are not an outage and are reported as what they are.
DATABASE_DOWN = (OperationalError, InterfaceError)
# SQLSTATE of a connection that failed or was cut by the server (class 08),
# a server shutting down or starting (57P01-57P03), no free connection (53300).
_DOWN_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
RETRY_AFTER_SECONDS = 60
UNAVAILABLE_MESSAGE = _(
    "We cannot reach our database right now. Nothing was saved. Please try again in a minute."
)


def is_database_down(error: BaseException) -> bool:
    """True when `error` says the database cannot be reached, not that a
    statement failed in it."""
    if isinstance(error, InterfaceError):
        return True  # a connection already closed
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith(_DOWN_SQLSTATES)
    if type(cause).__module__.startswith("sqlite3"):
        # "database is locked" is a busy file, not a missing one.
        return "unable to open" in str(cause) or "disk I/O error" in str(cause)
    # psycopg gives no SQLSTATE when it cannot connect or loses the server.
    return True


class KeptForm(forms.Form):
    """The fields of a patient's form, filled in with what they posted.

    Built from the form class's fields alone: the real form may need the
    database to build its choices (the sites of a trial), and the database is
    what is missing. Choices that only the database knows, and fields that
    are not for people (the honeypot), travel as hidden inputs, so sending
    again posts exactly what the patient chose. Without a form class every
    posted value travels hidden.
    """

    def __init__(
        self, form_class: type[forms.Form] | None, data, *, hidden: Iterable[str] = ()
    ) -> None:
        super().__init__(auto_id="kept-%s")
        if form_class is None:
            self._keep_hidden(data)
            return
        hidden = set(hidden)
        for name, field in form_class.base_fields.items():
            field = copy.deepcopy(field)
            self.initial[name] = field.widget.value_from_datadict(data, {}, name)
            if name in hidden or (isinstance(field, forms.ChoiceField) and not field.choices):
                field.widget = forms.HiddenInput()
            self.fields[name] = field

    def _keep_hidden(self, data) -> None:
        for name in data:
            if name == "csrfmiddlewaretoken":  # the page brings a fresh one
                continue
            self.fields[name] = forms.Field(required=False, widget=forms.MultipleHiddenInput)
            self.initial[name] = data.getlist(name)


def database_unavailable(
    request: HttpRequest, *, kept_form: KeptForm | None = None, outage: bool = True
):
    """The 503 page, with the patient's form if they were sending one.

    `outage` False: the database answered, but saving failed (a deadlock, a
    timeout); the page says so rather than blame an outage."""
    if kept_form is None and _wants_json(request):
        response = JsonResponse({"error": str(UNAVAILABLE_MESSAGE)}, status=503)
    else:
        context = {"kept_form": kept_form, "outage": outage}
        response = render(request, "503.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "application/json" in request.headers.get(
        "Accept", ""
    )


def keeps_form_when_database_down(
    form_class: type[forms.Form], *, hidden: Iterable[str] = ()
) -> Callable:
    """A POST that meets a database outage gets its form back on the 503 page."""
    hidden = tuple(hidden)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except DATABASE_DOWN as error:
                if request.method != "POST":
                    raise
                outage = is_database_down(error)
                if outage:
                    logger.exception("Database unreachable: %s kept for the patient", request.path)
                else:
                    # Not an outage: reported as the error it is, and still
                    # nothing the patient typed is lost.
                    logger.exception(
                        "Database error (%s) saving %s; the form is kept for the patient",
                        getattr(error.__cause__, "sqlstate", None) or type(error).__name__,
                        request.path,
                    )
                kept = KeptForm(form_class, request.POST, hidden=hidden)
                return database_unavailable(request, kept_form=kept, outage=outage)

        return wrapped

    return decorator


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_database_down(exception):
            return None  # any other error is reported, and answered, as one
        logger.error("Database unreachable: %s answered 503", request.path, exc_info=exception)
        if request.method == "POST" and not _wants_json(request):
            return database_unavailable(request, kept_form=KeptForm(None, request.POST))
        return database_unavailable(request)
