"""Privacy for health data: what staff without "Can see patients' contact
details" see of pre-screening answers, interests and places; masked Chinese
names; the privacy page; the separate consents on the form; anonymisation on beat."""

import datetime
import html

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    InquiryFactory,
    PrescreenQuestionFactory,
    SiteFactory,
    SubscriptionFactory,
    TrialFactory,
)
from tests.page_text import page_text
from trials.anonymise import inquiries_anonymise_task
from trials.models import Inquiry, Subscription
from trials.privacy import mask

pytestmark = pytest.mark.django_db

ANSWERS = [
    {
        "question": "Have you been diagnosed with a soft-tissue sarcoma?",
        "answer": "Yesdiagnosed-zebrawort",
        "verdict": "met",
        "criterion": "Histologically confirmed sarcoma",
    }
]
HEALTH_SECRETS = ["Yesdiagnosed-zebrawort", "quokkaoma", "Lower Snoddington", "31.2468", "121.4737"]


@pytest.fixture
def rows():
    inquiry = InquiryFactory(
        first_name="秀英",
        last_name="王",
        prescreen_answers=ANSWERS,
        latitude=31.2468,
        longitude=121.4737,
    )
    subscription = SubscriptionFactory(
        interests="quokkaoma of the knee",
        place_text="Lower Snoddington",
        latitude=31.2468,
        longitude=121.4737,
    )
    return inquiry, subscription


def staff(client, *, may_see: bool) -> User:
    user = User.objects.create_user("staff", "staff@example.org", "pw", is_staff=True)
    permissions = Permission.objects.all()
    if not may_see:
        permissions = permissions.exclude(codename="view_contact_details")
    user.user_permissions.add(*permissions)
    client.force_login(user)
    return user


def pages(client, inquiry, subscription) -> dict[str, str]:
    """The list, change page and CSV export of inquiries and subscribers."""
    found = {}
    for model, obj in (("inquiry", inquiry), ("subscription", subscription)):
        changelist = reverse(f"admin:trials_{model}_changelist")
        found[model + " list"] = client.get(changelist).content.decode()
        change = reverse(f"admin:trials_{model}_change", args=[obj.pk])
        found[model + " page"] = client.get(change).content.decode()
        export = client.post(
            changelist, {"action": "export_csv", "_selected_action": [str(obj.pk)]}
        )
        found[model + " csv"] = b"".join(export.streaming_content).decode("utf-8-sig")
    return {name: html.unescape(text) for name, text in found.items()}


def test_it_masks_health_data_and_places_for_staff_without_the_permission(client, rows):
    inquiry, subscription = rows
    staff(client, may_see=False)
    shown = pages(client, inquiry, subscription)
    for name, text in shown.items():
        for secret in [*HEALTH_SECRETS, "王", "秀英"]:
            assert secret not in text, (name, secret)
    # Masked, not missing: the pre-screening row and the subscriber's interests say "•••".
    assert "•••" in shown["inquiry page"] and "•••" in shown["subscription page"]
    assert "•••" in shown["subscription csv"]


def test_staff_with_the_permission_read_the_answers_as_a_table(client, rows):
    inquiry, subscription = rows
    staff(client, may_see=True)
    shown = pages(client, inquiry, subscription)
    page = shown["inquiry page"]
    assert "Yesdiagnosed-zebrawort" in page and "Have you been diagnosed" in page
    assert '<table class="prescreen-answers">' in page and '"question":' not in page
    assert "fits the criterion" in page
    assert "quokkaoma of the knee" in shown["subscription page"]
    assert "Lower Snoddington" in shown["subscription csv"]


def test_search_and_filters_do_not_read_health_data_without_the_permission(client, rows):
    staff(client, may_see=False)
    url = reverse("admin:trials_subscription_changelist")
    assert client.get(url, {"q": "quokkaoma"}).context["cl"].result_count == 0
    assert client.get(url, {"q": "Snoddington"}).context["cl"].result_count == 0
    for lookup, value in (
        ("interests__icontains", "quokka"),
        ("place_text__startswith", "L"),
        ("latitude__gt", "31"),
    ):
        response = client.get(url, {lookup: value})
        assert response.status_code == 302 and lookup not in response["Location"]
        page = client.get(response["Location"])
        assert "Filtering by patients' contact details needs the permission" in page_text(page)
    inquiries = reverse("admin:trials_inquiry_changelist")
    for lookup in ("prescreen_answers__icontains", "latitude__lt"):
        response = client.get(inquiries, {lookup: "40"})
        assert response.status_code == 302 and lookup not in response["Location"]


def test_staff_with_the_permission_search_by_interests(client, rows):
    staff(client, may_see=True)
    url = reverse("admin:trials_subscription_changelist")
    assert client.get(url, {"q": "quokkaoma"}).context["cl"].result_count == 1


def test_a_masked_chinese_name_shows_none_of_its_characters(client, rows):
    inquiry, _subscription = rows
    assert mask("王秀英") == "•••" and mask("王") == "•••" and mask("秀英") == "•••"
    assert mask("Mary") == "M•••" and mask("Élodie") == "É•••"
    staff(client, may_see=False)
    listing = page_text(client.get(reverse("admin:trials_inquiry_changelist")))
    change = page_text(client.get(reverse("admin:trials_inquiry_change", args=[inquiry.pk])))
    for text in (listing, change):
        assert "王" not in text and "秀" not in text and "英" not in text
        assert "•••" in text


def test_the_privacy_page_names_every_recipient_and_the_retention(client, settings):
    settings.INQUIRY_RETENTION_DAYS = 365
    text = page_text(client.get(reverse("trials:privacy")))
    assert "The study team at the study center" in text
    assert "The trial's central contact" in text
    assert "when the study center lists no address of its own" in text
    assert "Our own staff" in text
    assert "We keep your message for 365 days" in text
    assert "anonymised automatically" in text
    assert "Only the team at the study site you chose" not in text


# The separate consents on the form.


@pytest.fixture
def trial(settings):
    settings.INQUIRY_RATE_LIMIT_PER_IP = 0
    settings.INQUIRY_RATE_LIMIT_PER_EMAIL = 0
    trial = TrialFactory(nct_id="NCT06760221")
    SiteFactory(
        trial=trial,
        facility="Zhejiang Cancer Hospital",
        city="Hangzhou",
        country="China",
        contact_email="hangzhou@hospital.example",
        is_primary_contact=True,
    )
    SiteFactory(
        trial=trial,
        facility="Albany Medical Center",
        city="Albany",
        country="United States",
        latitude=42.65,
        longitude=-73.75,
        contact_email="albany@hospital.example",
    )
    return trial


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Mary",
        "last_name": "Example",
        "email": "mary@example.com",
        "phone": "+1 518 555 0100",
        "message": "",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def contact_url(trial, language: str = "en") -> str:
    url = reverse("trials:contact", args=[trial.nct_id])
    return f"/zh-hans{url}" if language == "zh-hans" else url


def test_the_health_consent_is_unticked_and_offered_on_the_form(client, trial):
    response = client.get(contact_url(trial))
    form = response.context["contact_form"]
    assert "health_consent" in form.fields and not form["health_consent"].value()
    assert "I agree that my health information" in page_text(response)
    # An English reader's country is not assumed: no consent to send abroad asked.
    assert "abroad_consent" not in form.fields


def test_contact_details_alone_need_no_health_consent(client, trial):
    response = client.post(contact_url(trial), form_data())
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.health_consent_at is None and inquiry.abroad_consent_at is None


def test_a_message_without_health_consent_is_refused_with_a_clear_message(client, trial):
    response = client.post(contact_url(trial), form_data(message="I have a sarcoma."))
    assert response.status_code == 200
    assert "Your message is health information, which we send only if you agree" in (
        page_text(response)
    )
    assert Inquiry.objects.count() == 0
    # What the patient typed is still there.
    assert "I have a sarcoma." in response.content.decode()

    response = client.post(
        contact_url(trial), form_data(message="I have a sarcoma.", health_consent="on")
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.message == "I have a sarcoma."
    assert abs(inquiry.health_consent_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_pre_screening_answers_need_the_health_consent(client, trial):
    question = PrescreenQuestionFactory(trial=trial)
    client.post(
        reverse("trials:prescreen", args=[trial.nct_id]), {"age": "45", f"q{question.pk}": "no"}
    )
    response = client.post(contact_url(trial), form_data())
    assert "Your pre-screening answers are health information" in page_text(response)
    assert Inquiry.objects.count() == 0

    assert client.post(contact_url(trial), form_data(health_consent="on")).status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.prescreen_answers and inquiry.health_consent_at is not None


def test_a_chinese_reader_writing_abroad_is_asked_to_agree_to_send_it_there(client, trial):
    albany = trial.sites.get(city="Albany")
    url = contact_url(trial, "zh-hans")
    form = client.get(url).context["contact_form"]
    assert "abroad_consent" in form.fields

    response = client.post(url, form_data(site=str(albany.pk)))
    assert response.status_code == 200
    assert Inquiry.objects.count() == 0
    assert "abroad_consent" in response.context["contact_form"].errors

    response = client.post(url, form_data(site=str(albany.pk), abroad_consent="on"))
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.site == albany and inquiry.abroad_consent_at is not None


def test_a_chinese_reader_writing_to_a_center_in_china_is_not_asked(client, trial):
    hangzhou = trial.sites.get(city="Hangzhou")
    url = contact_url(trial, "zh-hans")
    response = client.post(url, form_data(site=str(hangzhou.pk), phone="138 0013 8000"))
    assert response.status_code == 302
    assert Inquiry.objects.get().abroad_consent_at is None


def test_a_trial_with_centers_in_china_only_asks_a_chinese_reader_nothing_more(client):
    trial = TrialFactory()
    SiteFactory(trial=trial, country="China", is_primary_contact=True)
    form = client.get(contact_url(trial, "zh-hans")).context["contact_form"]
    assert "abroad_consent" not in form.fields


# Anonymised on schedule.


def test_beat_anonymises_inquiries_past_the_retention_period(settings):
    settings.INQUIRY_RETENTION_DAYS = 30
    old = InquiryFactory(first_name="秀英", last_name="王", prescreen_answers=ANSWERS)
    Inquiry.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=31)
    )
    recent = InquiryFactory(prescreen_answers=ANSWERS)
    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["trials.anonymise.inquiries_anonymise_task"] == 86400

    assert inquiries_anonymise_task() == 1
    # Idempotent: a second run finds nothing more to do.
    assert inquiries_anonymise_task() == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.anonymised_at is not None
    assert (old.first_name, old.last_name, old.prescreen_answers) == ("", "", [])
    assert recent.anonymised_at is None and recent.prescreen_answers == ANSWERS


def test_subscribers_health_fields_are_listed_as_masked():
    assert set(Subscription.HEALTH_FIELDS) >= {"interests", "place_text", "latitude", "longitude"}
    assert "prescreen_answers" in Inquiry.HEALTH_FIELDS


def test_staff_see_when_each_consent_was_given(client, trial):
    client.post(contact_url(trial), form_data(message="I have a sarcoma.", health_consent="on"))
    inquiry = Inquiry.objects.get()
    staff(client, may_see=False)
    text = page_text(client.get(reverse("admin:trials_inquiry_change", args=[inquiry.pk])))
    assert "Consent to send health information given at:" in text
    assert "Consent to send it abroad given at: -" in text
