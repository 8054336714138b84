"""The study team's way in: claim a site, ask for a sign-in link, use a link, sign out."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trials import team_access
from trials.forms import ClaimForm, SignInForm
from trials.links import LinkExpired, LinkInvalid
from trials.models import Site
from trials.ratelimit import client_ip


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if team_access.sign_in_throttled(email=email, ip=client_ip(request)):
            return render(request, "429.html", status=429)
        team_access.sign_in_request(email=email)
        # The same page whether or not the address has an account.
        return redirect("trials:team_sign_in_sent")
    status = 400 if form.errors else 200
    return render(request, "trials/team/sign_in.html", {"form": form}, status=status)


@require_safe
def sign_in_sent(request: HttpRequest) -> HttpResponse:
    context = {"minutes": settings.TEAM_SIGN_IN_LINK_MINUTES}
    return render(request, "trials/team/sign_in_sent.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """A one-time link: GET asks to confirm (mail scanners open links and must
    not use them up), POST uses the link and signs the coordinator in."""
    try:
        team_link = team_access.link_find(token)
        if request.method != "POST":
            return render(request, "trials/team/link.html", {"link": team_link})
        user = team_access.link_use(link=team_link)
    except LinkInvalid as problem:
        return _link_problem(request, problem)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("trials:team_inbox")


def _link_problem(request: HttpRequest, problem: LinkInvalid) -> HttpResponse:
    if isinstance(problem, team_access.LinkUsed):
        kind = "used"
    elif isinstance(problem, LinkExpired):
        kind = "expired"
    else:
        kind = "invalid"
    return render(request, "trials/team/link_problem.html", {"problem": kind}, status=400)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("trials:team_sign_in")


def _claimable_site(site_id: int) -> Site:
    sites = Site.objects.select_related("trial").filter(trial__published=True)
    return get_object_or_404(sites, pk=site_id)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def claim(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _claimable_site(site_id)
    form = ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if team_access.sign_in_throttled(email=email, ip=client_ip(request)):
            return render(request, "429.html", status=429)
        made = team_access.site_claim_create(site=site, email=email, name=form.cleaned_data["name"])
        by = "link" if made.registry_address else "staff"
        return redirect(f"{request.path}sent/?by={by}")
    status = 400 if form.errors else 200
    return render(request, "trials/team/claim.html", {"site": site, "form": form}, status=status)


@require_safe
def claim_sent(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _claimable_site(site_id)
    context = {"site": site, "by_link": request.GET.get("by") == "link"}
    return render(request, "trials/team/claim_sent.html", context)
