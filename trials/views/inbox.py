"""The study team's inbox: only the inquiries of the sites the account holds.

Every view here starts from `Inquiry.objects.for_member(request.user)` or
`sites_held_by(request.user)`: another site's inquiry or settings are a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from trials import coordinator, team_access
from trials.forms import InboxFilterForm, StatusForm, TeamSettingsForm
from trials.models import Inquiry, Language
from trials.spreadsheet import csv_response
from trials.teams import median_hours_by_site, sites_held_by

PAGE_SIZE = 25
# Deeper than this, a team filters or searches (or exports): each page is
# read from the newest, so a page's cost grows with its number.
MAX_PAGE = 400
# The fields a row of the inbox shows; the export reads all it needs.
ROW_FIELDS = (
    "pk",
    "created_at",
    "first_name",
    "last_name",
    "email",
    "phone",
    "status",
    "preferred_language",
    "location_text",
    "trial__nct_id",
    "site__facility",
    "site__translations",
)

member_required = login_required(login_url=reverse_lazy("trials:team_sign_in"))


def _filtered(request: HttpRequest) -> tuple[InboxFilterForm, list, object]:
    """The filter form, the account's sites and its inquiries the filters keep.
    A site filter naming a site the account does not hold is a 404."""
    form = InboxFilterForm(request.GET)
    sites = list(sites_held_by(request.user))
    inquiries = Inquiry.objects.for_member(request.user)
    if form.is_valid():
        site_id = form.cleaned_data["site"]
        if site_id is not None:
            if site_id not in {site.pk for site in sites}:
                raise Http404
            inquiries = inquiries.filter(site_id=site_id)
        if form.cleaned_data["status"]:
            inquiries = inquiries.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["q"]:
            inquiries = inquiries.matching(form.cleaned_data["q"])
    elif "site" in form.errors:
        raise Http404
    else:
        inquiries = inquiries.none()
    return form, sites, inquiries


@never_cache
@member_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    form, sites, inquiries = _filtered(request)
    number = (form.cleaned_data.get("page") if form.is_valid() else None) or 1
    # One page and one more row to know whether there is a next page; no
    # count: counting a large inbox reads every row of it on each visit.
    offset = (number - 1) * PAGE_SIZE
    rows = list(
        inquiries.select_related("trial", "site")
        .only(*ROW_FIELDS[1:])
        .order_by("-created_at", "-pk")[offset : offset + PAGE_SIZE + 1]
    )
    medians = median_hours_by_site(sites)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "sites": [(site, medians[site.pk]) for site in sites],
        "rows": rows[:PAGE_SIZE],
        "number": number,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if len(rows) > PAGE_SIZE and number < MAX_PAGE else None,
        "deeper": len(rows) > PAGE_SIZE and number >= MAX_PAGE,
        "query": query.urlencode(),
    }
    return render(request, "trials/team/inbox.html", context, status=400 if form.errors else 200)


@never_cache
@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def inquiry(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        Inquiry.objects.for_member(request.user).select_related("trial", "site"), pk=pk
    )
    form = StatusForm(request.POST or None, initial={"status": found.status})
    if request.method == "POST" and form.is_valid():
        coordinator.inquiry_status_set(
            inquiry_id=found.pk,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        return redirect(f"{request.path}?saved=1")
    labels = dict(Language.choices)
    context = {
        "inquiry": found,
        "form": form,
        "saved": request.GET.get("saved") == "1",
        "history": found.status_changes.select_related("by")[:100],
        "preferred_language": labels.get(found.preferred_language, found.preferred_language),
        "answers": found.prescreen_answers or [],
    }
    return render(request, "trials/team/inquiry.html", context, status=400 if form.errors else 200)


@member_required
@require_safe
def export(request: HttpRequest) -> StreamingHttpResponse:
    _form, _sites, inquiries = _filtered(request)
    rows = (
        inquiries.select_related("trial", "site").order_by("-created_at").iterator(chunk_size=500)
    )
    return csv_response(name="inquiries", header=_export_header(), rows=_export_rows(rows))


def _export_header() -> list[str]:
    return [
        _("Received"),
        _("Trial"),
        _("Study site"),
        _("Status"),
        _("First name"),
        _("Last name"),
        _("Email"),
        _("Phone"),
        _("Preferred language"),
        _("Where they are"),
        _("Message"),
        _("Pre-screening answers"),
    ]


def _export_rows(rows):
    labels = dict(Language.choices)
    for row in rows:
        yield [
            row.created_at.isoformat(),
            row.trial.nct_id,
            row.site.facility,
            row.get_status_display(),
            row.first_name,
            row.last_name,
            row.email,
            row.phone,
            labels.get(row.preferred_language, row.preferred_language),
            row.location_text,
            row.message,
            "; ".join(
                f"{answer.get('question', '')}: {answer.get('answer', '')}"
                for answer in row.prescreen_answers or []
                if isinstance(answer, dict)
            ),
        ]


@never_cache
@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def site_settings(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(sites_held_by(request.user), pk=site_id)
    current = getattr(site, "team_settings", None)
    initial = {
        "contact_addresses": "\n".join(current.contact_addresses) if current else "",
        "languages": current.languages if current else site.languages,
        "not_taking_messages": current is not None and not current.taking_messages,
    }
    form = TeamSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        team_access.team_settings_save(
            site=site,
            contact_addresses=form.cleaned_data["contact_addresses"],
            languages=form.cleaned_data["languages"],
            taking_messages=not form.cleaned_data["not_taking_messages"],
        )
        return redirect(f"{request.path}?saved=1")
    context = {"site": site, "form": form, "saved": request.GET.get("saved") == "1"}
    return render(request, "trials/team/settings.html", context, status=400 if form.errors else 200)
