"""Private notes (JSON for static/js/notes.js) and the passcode page of a shared link.

A note is found only through its owner's cookie: any other browser, or none,
gets 404, so nobody can even tell whether a note exists.
"""

from __future__ import annotations

from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from trials import notes as services
from trials.forms.notes import BadJson, NoteBodyForm, NoteForm, first_error, json_object_from
from trials.models import ShareLink, Trial
from trials.ratelimit import client_ip, rate_limited
from trials.site_list import site_listing
from trials.trial_pages import NOT_SHOWN

SHARED_SESSION_KEY = "shared_links"


def _trial(request: HttpRequest, nct_id: str) -> Trial:
    return get_object_or_404(Trial.objects.visible_to(request.user), nct_id=nct_id.upper())


def _owner_key_or_404(request: HttpRequest) -> str:
    owner_key = services.owner_key_from(request)
    if owner_key is None:
        raise Http404
    return owner_key


def _too_many(scope: str, key: str, limit: int, window: int) -> bool:
    return rate_limited(scope=scope, key=key, limit=limit, window_seconds=window)


def _slow_down() -> JsonResponse:
    return JsonResponse({"error": _("Too many changes at once. Please wait a while.")}, status=429)


def _refused(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _note_form(request: HttpRequest, form_class: type[Form]) -> Form | JsonResponse:
    """The bound, valid form of the JSON body, or the 400 answer saying what is wrong."""
    try:
        form = form_class(json_object_from(request))
    except BadJson as exc:
        return _refused(str(exc))
    return form if form.is_valid() else _refused(first_error(form))


def _share_as_dict(request: HttpRequest, link: ShareLink) -> dict:
    return {
        "id": link.pk,
        "url": request.build_absolute_uri(reverse("trials:shared_notes", args=[link.token])),
        "expires_at": link.expires_at.isoformat(),
        "revoke_url": reverse("trials:notes_share_revoke", args=[link.trial.nct_id, link.pk]),
    }


@require_http_methods(["GET", "POST"])
def note_list(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = _trial(request, nct_id)
    if request.method == "GET":
        owner_key = _owner_key_or_404(request)
        notes = services.notes_of(owner_key=owner_key, trial=trial)
        shares = services.shares_of(owner_key=owner_key, trial=trial).select_related("trial")
        return JsonResponse(
            {
                "notes": [services.note_as_dict(note) for note in notes],
                "shares": [_share_as_dict(request, link) for link in shares],
            }
        )
    if _too_many("notes-write", client_ip(request), services.NOTE_WRITES_PER_HOUR, 3600):
        return _slow_down()
    form = _note_form(request, NoteForm)
    if isinstance(form, JsonResponse):
        return form
    data = form.cleaned_data
    token = request.COOKIES.get(services.OWNER_COOKIE, "")
    owner_key = services.owner_key_from(request)
    if owner_key is None:
        token = services.owner_token_new()
        owner_key = services.owner_key_for(token)
    elif services.notes_full(owner_key=owner_key, trial=trial):
        message = _("You have kept as many notes on this trial as it can hold.")
        return JsonResponse({"error": message}, status=400)
    note = services.note_create(
        owner_key=owner_key,
        trial=trial,
        section=data["section"],
        quote=data["quote"],
        start_offset=data["start"],
        end_offset=data["end"],
        body=data["body"],
    )
    response = JsonResponse(services.note_as_dict(note), status=201)
    # Refreshing the cookie keeps a browser's notes a year after its last note.
    services.owner_cookie_set(response=response, token=token)
    return response


@require_http_methods(["GET", "PATCH", "DELETE"])
def note_detail(request: HttpRequest, nct_id: str, pk: int) -> HttpResponse:
    trial = _trial(request, nct_id)
    owner_key = _owner_key_or_404(request)
    note = get_object_or_404(services.notes_of(owner_key=owner_key, trial=trial), pk=pk)
    if request.method == "DELETE":
        note.delete()
        return HttpResponse(status=204)
    if _too_many("notes-write", client_ip(request), services.NOTE_WRITES_PER_HOUR, 3600):
        return _slow_down()
    if request.method == "PATCH":
        form = _note_form(request, NoteBodyForm)
        if isinstance(form, JsonResponse):
            return form
        note = services.note_update(note=note, body=form.cleaned_data["body"])
    return JsonResponse(services.note_as_dict(note))


@require_POST
def share_create(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = _trial(request, nct_id)
    owner_key = _owner_key_or_404(request)
    if _too_many("notes-share", owner_key, services.SHARES_PER_DAY, 24 * 3600):
        return _slow_down()
    if not services.notes_of(owner_key=owner_key, trial=trial).exists():
        return JsonResponse({"error": _("Add a note before you send your notes.")}, status=400)
    link, passcode = services.share_create(owner_key=owner_key, trial=trial)
    # The passcode is in this response only; the database keeps a hash of it.
    return JsonResponse({**_share_as_dict(request, link), "passcode": passcode}, status=201)


@require_POST
def share_revoke(request: HttpRequest, nct_id: str, pk: int) -> HttpResponse:
    trial = _trial(request, nct_id)
    owner_key = _owner_key_or_404(request)
    if not services.share_revoke(owner_key=owner_key, trial=trial, link_id=pk):
        raise Http404
    return HttpResponse(status=204)


@require_http_methods(["GET", "POST"])
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """Someone's notes on a trial, read-only, once the passcode is given."""
    link = get_object_or_404(
        ShareLink.objects.select_related("trial").filter(trial__published=True), token=token
    )
    state = services.share_state(link)
    unlocked = request.session.get(SHARED_SESSION_KEY, [])
    if state is None and link.pk in unlocked:
        return _shared_trial_page(request, link)
    error = ""
    if state is None and request.method == "POST":
        ip_limit = services.PASSCODE_TRIES_PER_IP_PER_HOUR
        if _too_many("shared-passcode", client_ip(request), ip_limit, 3600):
            return render(request, "429.html", status=429)
        state = services.share_unlock(link=link, passcode=request.POST.get("passcode", ""))
        if state == services.Unlock.OPEN:
            request.session.cycle_key()
            request.session[SHARED_SESSION_KEY] = [*unlocked, link.pk][-20:]
            return redirect(request.path)
        if state == services.Unlock.WRONG:
            link.refresh_from_db(fields=["failed_attempts"])
            error = _("That passcode is not right. %(left)s tries left before the link locks.") % {
                "left": services.attempts_left(link)
            }
            state = None
    status = 200 if state is None else 403 if state == services.Unlock.LOCKED else 410
    context = {"link": link, "state": state and state.value, "error": error}
    return render(request, "trials/shared_passcode.html", context, status=status)


def _shared_trial_page(request: HttpRequest, link: ShareLink) -> HttpResponse:
    trial = get_object_or_404(
        Trial.objects.published().with_card_data().defer(*NOT_SHOWN), pk=link.trial_id
    )
    notes = services.notes_of(owner_key=link.owner_key, trial=trial)
    context = {
        "trial": trial,
        "site_listing": site_listing(trial=trial, page=request.GET.get("site_page")),
        "primary_site": trial.primary_site,
        "shared": link,
        "shared_notes": [services.note_as_dict(note) for note in notes],
    }
    response = render(request, "trials/detail.html", context)
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "private, no-store"
    return response
