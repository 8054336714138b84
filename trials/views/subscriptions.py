"""Patient Notification Services: sign up, confirm, manage and unsubscribe.

Links from emails are signed (trials/subscriptions.py). Opening one (GET)
only shows a page with a button: mail scanners that fetch every link must
not confirm or unsubscribe anybody. The one exception is the RFC 8058
one-click endpoint, which mail programs POST to without a CSRF token.
The code calls the feature subscriptions (the Subscription model); patients
see "Patient Notification Services" at /notifications/ (URL names notify_*).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from trialfinder.unavailable import keeps_form_when_database_down
from trials.distance import place_resolve
from trials.forms import PreferencesForm, SignupForm
from trials.links import LinkExpired, LinkInvalid
from trials.models import Inquiry, Subscription, Trial
from trials.ratelimit import client_ip
from trials.search import DEFAULT_RADIUS_KM
from trials.subscriptions import (
    CONFIRM,
    MANAGE,
    UNSUBSCRIBE,
    email_language,
    email_normalise,
    subscription_confirm,
    subscription_from_token,
    subscription_path,
    subscription_request,
    subscription_unsubscribe,
    subscription_update,
)

SENT_TO_KEY = "notify_sent_to"


def _trial_interests(nct_id: str) -> str:
    trial = Trial.objects.published().filter(nct_id=(nct_id or "").upper()[:11]).first()
    if trial is None:
        return ""
    names = [condition.name for condition in trial.conditions.all()]
    return ", ".join(names)[:300] if names else trial.brief_title[:300]


def _signup_initial(request: HttpRequest) -> dict:
    """Pre-filled from the contact form's "Notify me" tick and the trial it was about.

    The session holds the inquiry's id only; its details are read here, so
    an anonymised inquiry pre-fills nothing.
    """
    prefill = request.session.get("notify_prefill") or {}
    inquiry = Inquiry.objects.filter(pk=prefill.get("inquiry"), anonymised_at__isnull=True).first()
    email, place, language = (
        (inquiry.email, inquiry.location_text, inquiry.preferred_language or inquiry.language)
        if inquiry
        else ("", "", "")
    )
    nct_id = request.GET.get("trial") or prefill.get("trial") or ""
    return {
        "email": email,
        # A search that found nothing offers its words ("?interests=").
        "interests": request.GET.get("interests", "")[:300] or _trial_interests(nct_id),
        # Only a place we can find: "your location" from the browser is not one.
        "place": origin.label if (origin := place_resolve(place)) else "",
        "language": email_language(language or request.LANGUAGE_CODE),
        "radius": DEFAULT_RADIUS_KM,
        "trial": nct_id.upper()[:11],
    }


@require_http_methods(["GET", "HEAD", "POST"])
@keeps_form_when_database_down(SignupForm)
def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            accepted = subscription_request(
                email=form.cleaned_data["email"], ip=client_ip(request), **form.preferences()
            )
            if not accepted:
                return render(request, "429.html", status=429)
            request.session.pop("notify_prefill", None)
            # The subscription's id, not the address: no session holds a copy.
            address = email_normalise(form.cleaned_data["email"])
            subscription = Subscription.objects.filter(email=address).only("pk").first()
            request.session[SENT_TO_KEY] = subscription.pk if subscription else None
            return redirect("trials:notify_sent")
    else:
        form = SignupForm(initial=_signup_initial(request))
    return render(request, "trials/subscriptions/signup.html", {"form": form})


@require_safe
def sent(request: HttpRequest) -> HttpResponse:
    # The same page for a new, a pending and a confirmed address.
    subscriptions = Subscription.objects.filter(pk=request.session.get(SENT_TO_KEY))
    context = {"email": subscriptions.values_list("email", flat=True).first() or ""}
    return render(request, "trials/subscriptions/sent.html", context)


def _with_link(purpose: str) -> Callable:
    """Resolve the signed token into the subscription, or show why the link fails."""

    def decorator(view: Callable) -> Callable:
        def wrapped(request: HttpRequest, token: str) -> HttpResponse:
            try:
                subscription = subscription_from_token(token, purpose)
            except LinkExpired:
                return _bad_link(request, purpose, expired=True)
            except LinkInvalid:
                return _bad_link(request, purpose, expired=False)
            return view(request, subscription, token)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


def _bad_link(request: HttpRequest, purpose: str, *, expired: bool) -> HttpResponse:
    context = {"purpose": purpose, "expired": expired}
    return render(request, "trials/subscriptions/bad_link.html", context, status=400)


@require_http_methods(["GET", "HEAD", "POST"])
@_with_link(CONFIRM)
def confirm(request: HttpRequest, subscription: Subscription, token: str) -> HttpResponse:
    if request.method == "POST" or subscription.status == Subscription.Status.CONFIRMED:
        try:
            subscription = subscription_confirm(subscription=subscription)
        except LinkInvalid:
            return _bad_link(request, CONFIRM, expired=False)
        context = {
            "subscription": subscription,
            "manage_url": subscription_path(subscription, MANAGE),
        }
        return render(request, "trials/subscriptions/confirmed.html", context)
    if subscription.status == Subscription.Status.UNSUBSCRIBED:
        return _bad_link(request, CONFIRM, expired=False)
    return render(request, "trials/subscriptions/confirm.html", {"subscription": subscription})


@require_http_methods(["GET", "HEAD", "POST"])
@keeps_form_when_database_down(PreferencesForm)
@_with_link(MANAGE)
def manage(request: HttpRequest, subscription: Subscription, token: str) -> HttpResponse:
    saved = False
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            subscription = subscription_update(subscription=subscription, **form.preferences())
            saved = True
    else:
        form = PreferencesForm(
            initial={
                "interests": subscription.interests,
                "place": subscription.place_text,
                # Coordinates from the browser have no place name: keep them.
                "lat": None if subscription.place_text else subscription.latitude,
                "lon": None if subscription.place_text else subscription.longitude,
                "radius": subscription.radius_km or DEFAULT_RADIUS_KM,
                "language": email_language(subscription.language),
            }
        )
    context = {
        "subscription": subscription,
        "form": form,
        "saved": saved,
        "unsubscribe_url": subscription_path(subscription, UNSUBSCRIBE),
    }
    return render(request, "trials/subscriptions/manage.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@_with_link(UNSUBSCRIBE)
def unsubscribe(request: HttpRequest, subscription: Subscription, token: str) -> HttpResponse:
    if request.method == "POST":
        subscription = subscription_unsubscribe(subscription=subscription)
    template = (
        "trials/subscriptions/unsubscribed.html"
        if subscription.status == Subscription.Status.UNSUBSCRIBED
        else "trials/subscriptions/unsubscribe.html"
    )
    return render(request, template, {"subscription": subscription})


@csrf_exempt
@require_POST
@_with_link(UNSUBSCRIBE)
def unsubscribe_one_click(
    request: HttpRequest, subscription: Subscription, token: str
) -> HttpResponse:
    """RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click" here, with no cookies."""
    subscription_unsubscribe(subscription=subscription)
    return render(request, "trials/subscriptions/unsubscribed.html", {"subscription": subscription})
