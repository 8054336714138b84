"""Send a message: the contact form as its own page, its confirmation, and
the place suggestions that help fill it in.

The same form sits on every trial page and posts here; without JavaScript
an invalid post comes back on this page with the messages next to the fields.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_safe

from trialfinder.unavailable import keeps_form_when_database_down
from trials.forms import ContactForm
from trials.inquiries import inquiry_submit
from trials.models import Inquiry, Trial
from trials.models.inquiries import RecipientReason
from trials.prescreen import prescreen_answers_from_session
from trials.ratelimit import client_ip, mailbox_key, rate_limited
from trials.recipients import REACHES_THE_SITE, message_route, phones_for
from trials.routing import place_suggestions
from trials.site_list import AskedPlace, asked_place

# What the confirmation page shows, kept in the session (nothing in the URL).
SENT_KEY = "contact_sent"
# When the confirmation page tells a patient who has heard nothing to write to
# us: the site has had its reminder (INQUIRY_REMINDER_DAYS) and time to act on it.
NO_ANSWER_DAYS = 7


def _trial(request: HttpRequest, nct_id: str) -> Trial:
    trials = Trial.objects.visible_to(request.user).with_card_data().defer("source_record")
    return get_object_or_404(trials, nct_id=nct_id.upper())


def _over_limit(request: HttpRequest) -> bool:
    """Per IP address, then per email address: each post counts."""
    window = settings.INQUIRY_RATE_LIMIT_WINDOW_SECONDS
    if rate_limited(
        scope="inquiry-ip",
        key=client_ip(request),
        limit=settings.INQUIRY_RATE_LIMIT_PER_IP,
        window_seconds=window,
    ):
        return True
    email = (request.POST.get("email") or "")[:254]
    return bool(email.strip()) and rate_limited(
        scope="inquiry-email",
        key=mailbox_key(email),
        limit=settings.INQUIRY_RATE_LIMIT_PER_EMAIL,
        window_seconds=window,
    )


def _initial(request: HttpRequest, place: AskedPlace) -> dict:
    """?site= and the place from links such as "write to this site" and from a
    search (?location=, ?place=, ?site_near=, ?lat=&lon=)."""
    initial = {"site": request.GET.get("site", "")[:20], "location": place.text}
    if place.latitude is not None:
        initial.update(location=place.label, lat=place.latitude, lon=place.longitude)
    return initial


@require_http_methods(["GET", "HEAD", "POST"])
@keeps_form_when_database_down(ContactForm, hidden=["website"])
def contact(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = _trial(request, nct_id)
    if request.method != "POST":
        canonical = reverse("trials:contact", args=[trial.nct_id])
        if request.path != canonical:
            return redirect(canonical, permanent=True)
        # The place and country narrow and order the choice of sites (no JavaScript needed).
        place = asked_place(request.GET)
        form = ContactForm(
            trial=trial,
            origin=place.origin,
            country=request.GET.get("site_country", "")[:80],
            initial=_initial(request, place),
        )
        context = {"trial": trial, "contact_form": form, "asked_place": place}
        return render(request, "trials/contact.html", context)

    if _over_limit(request):
        response = render(request, "429.html", status=429)
        response["Retry-After"] = str(settings.INQUIRY_RATE_LIMIT_WINDOW_SECONDS)
        return response
    answers = prescreen_answers_from_session(request.session, trial)
    form = ContactForm(request.POST, trial=trial, prescreen_answers=answers)
    form.is_valid()  # the input alone; the errors of the route follow
    data = form.cleaned_data
    # Who receives the message: the referral chain (trials/recipients.py),
    # from where the patient is and the center they chose.
    routed = message_route(trial=trial, origin=data.get("origin"), chosen=data.get("chosen_site"))
    form.check_route(routed)
    if not form.is_valid():
        return render(request, "trials/contact.html", {"trial": trial, "contact_form": form})
    route, recipients = routed
    sent = {
        "trial": trial.nct_id,
        "site": route.site.pk,
        "distance_km": route.distance_km,
        "routing": route.routing,
        "passed_over": route.passed_over.pk if route.passed_over else None,
        "recipient_reason": recipients.reason,
        "emailed": bool(data["email"]),
        "location": data["location"],
        "location_found": data["location_found"],
    }
    # A filled honeypot gets the same page and nothing is stored or sent.
    if not form.is_spam:
        inquiry = inquiry_submit(
            trial=trial,
            route=route,
            recipients=recipients,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            contact_method=data["contact_method"],
            contact_time=data["contact_time"],
            preferred_language=data["preferred_language"],
            language=request.LANGUAGE_CODE,
            location_text=data["location"],
            message=data["message"],
            notify_other_trials=data["notify_other_trials"],
            prescreen_answers=answers,
            health_consent=data["health_consent"],
            abroad_consent=bool(data.get("abroad_consent")),
        )
        # The inquiry's id, never its address: the sign-up the confirmation page
        # offers reads the address from the inquiry (anonymised with it).
        sent.update(
            site=inquiry.site_id,
            distance_km=inquiry.distance_km,
            routing=inquiry.routing,
            recipient_reason=inquiry.recipient_reason,
            inquiry=inquiry.pk,
        )
        if data["notify_other_trials"]:
            # The inquiry's id, not its address: a session must hold no copy
            # of contact details that anonymisation would miss.
            request.session["notify_prefill"] = {"inquiry": inquiry.pk, "trial": trial.nct_id}
    request.session[SENT_KEY] = sent
    return redirect("trials:contact_sent", nct_id=trial.nct_id)


def _inquiry_email(pk: int | None, trial: Trial) -> str:
    if pk is None:
        return ""
    inquiry = Inquiry.objects.filter(pk=pk, trial=trial, anonymised_at__isnull=True).first()
    return inquiry.email if inquiry else ""


@require_safe
def contact_sent(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = _trial(request, nct_id)
    sent = request.session.get(SENT_KEY) or {}
    sites = {s.pk: s for s in trial.sites.all()}
    site = sites.get(sent.get("site"))
    if sent.get("trial") != trial.nct_id or site is None:
        return redirect("trials:contact", nct_id=trial.nct_id)
    distance = sent.get("distance_km")
    median_hours = site.median_response_hours()
    context = {
        "trial": trial,
        "site": site,
        "distance_km": round(distance) if distance is not None else None,
        "routing": sent.get("routing"),
        "Routing": Inquiry.Routing,
        # The site the patient chose, whose team is not taking messages now.
        "passed_over": sites.get(sent.get("passed_over")),
        # Sessions from before the referral chain: the site's own team.
        "reached_the_site": sent.get("recipient_reason", RecipientReason.SITE_CONTACT)
        in REACHES_THE_SITE,
        "emailed": sent.get("emailed", True),
        "location": sent.get("location", ""),
        "location_found": sent.get("location_found", False),
        "email": _inquiry_email(sent.get("inquiry"), trial),
        "response_hours": max(1, round(median_hours)) if median_hours is not None else None,
        "response_days": math.ceil(median_hours / 24) if median_hours is not None else None,
        "reminder_days": settings.INQUIRY_REMINDER_DAYS,
        "escalation_days": settings.INQUIRY_ESCALATION_DAYS,
        "no_answer_days": max(NO_ANSWER_DAYS, settings.INQUIRY_REMINDER_DAYS + 2),
        "contact_email": settings.CONTACT_EMAIL,
    }
    return render(request, "trials/contact_sent.html", context)


@require_safe
def contact_print(request: HttpRequest, nct_id: str) -> HttpResponse:
    """A page to print and take to one's doctor: the trial, whom to call, what to say."""
    trial = _trial(request, nct_id)
    site = trial.primary_site
    context = {
        "trial": trial,
        "phone_site": site,
        "phones": phones_for(trial=trial, site=site),
        "trial_url": request.build_absolute_uri(trial.get_absolute_url()),
        "printing": True,
    }
    return render(request, "trials/contact_print.html", context)


@require_safe
def place_suggest(request: HttpRequest) -> HttpResponse:
    """Places for the "Where are you?" field's suggestions (JSON)."""
    response = JsonResponse({"places": place_suggestions(request.GET.get("q", "")[:100])})
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response
