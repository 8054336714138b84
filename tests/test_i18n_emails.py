"""Emails in the reader's language: the patient's copy and the notification
emails in the patient's, the study site's email in the site's setting, with
the patient's own words untouched."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from tests.factories import InquiryFactory, SiteFactory, SubscriptionFactory, TrialFactory
from tests.untranslated import english_on_page, english_words
from trials.emails import (
    inquiry_correction_create,
    inquiry_emails_create,
    inquiry_escalation_create,
    inquiry_reminder_create,
    operator_alert_create,
)
from trials.models import OutgoingEmail, Subscription
from trials.recipients import phones_for
from trials.subscriptions import (
    subscription_confirm,
    subscription_digest_send,
    subscription_request,
)
from trials.team_access import link_email, site_claim_create, team_invite

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_catalogues")]

ZH = "zh-hans"
TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"


@pytest.fixture
def chinese_site():
    trial = TrialFactory(brief_title="Radiotherapy for Bone Metastases")
    return SiteFactory(
        trial=trial,
        facility="Shandong Cancer Hospital",
        city="Jinan",
        state="Shandong",
        country="China",
        email_language=ZH,
        translations={
            ZH: {"facility": "山东省肿瘤医院", "city": "济南", "state": "山东省", "country": "中国"}
        },
    )


def _registry_words(email: OutgoingEmail) -> set[str]:
    """English an email may carry: the trial title and the site's country as
    registered, and where the patient said they are, in their words."""
    titles = []
    if email.inquiry:
        inquiry = email.inquiry
        titles += [inquiry.trial.brief_title, inquiry.site.country, inquiry.location_text]
    if email.subscription:
        titles += [d.trial.brief_title for d in email.subscription.deliveries.all()]
    return {word for title in titles for word in title.split()}


def test_every_email_reads_in_chinese(chinese_site):
    inquiry = InquiryFactory(site=chinese_site, language=ZH, message="请问需要住院吗？")
    emails = (
        inquiry_emails_create(inquiry=inquiry)
        + inquiry_reminder_create(inquiry=inquiry)
        + inquiry_correction_create(inquiry=inquiry, changed=["phone", "latitude"])
        + inquiry_escalation_create(
            inquiry=inquiry,
            central_addresses=["central@example.org"],
            phones=phones_for(trial=inquiry.trial, site=inquiry.site),
        )
    )
    with translation.override(ZH):  # the operators' alert, in the operators' language
        emails.append(operator_alert_create(failed=emails[0]))
    # A new subscriber, a subscriber who signs up again, and a digest.
    subscription_request(email="new@example.com", interests="肉瘤", language=ZH)
    confirmed = SubscriptionFactory(
        language=ZH,
        interests="Sarcoma",
        confirmed_at=timezone.now() - datetime.timedelta(days=2),
    )
    subscription_request(email=confirmed.email, interests="Sarcoma", language=ZH)
    TrialFactory(
        brief_title="Sarcoma Radiotherapy Study",
        listed_at=timezone.now() - datetime.timedelta(hours=1),
    )
    # The new subscriber confirms: their first email lists what already matches.
    subscription_confirm(subscription=Subscription.objects.get(email="new@example.com"))
    emails += list(OutgoingEmail.objects.filter(subscription__isnull=False))
    digest = subscription_digest_send(subscription_id=confirmed.pk)
    assert digest is not None
    emails.append(digest)
    # The study team's links: a sign-in, a claim by the registry's address,
    # an invitation (in the site's language).
    with translation.override(ZH):
        emails.append(link_email(purpose="sign_in", email="lin@example.org"))
        site_claim_create(site=chinese_site, email=chinese_site.contact_email)
    team_invite(site=chinese_site, email="new@example.org")
    emails += list(OutgoingEmail.objects.filter(kind__in=["team_claim", "team_invite"]))

    templates = {path.name.removesuffix("_subject.txt") for path in TEMPLATES.glob("*_subject.txt")}
    covered = set()
    for email in emails:
        allowed = _registry_words(email) | {"Sarcoma"}  # the subscriber's own words
        assert english_words(email.subject, also_allowed=allowed) == [], email.subject
        assert english_words(email.body_text, also_allowed=allowed) == [], email.body_text
        assert english_on_page(email.body_html, also_allowed=allowed) == [], email.body_html
        assert '<html lang="zh-hans">' in email.body_html
        covered.add(email.kind)
    assert len(emails) == len(templates) == 14
    assert covered == set(OutgoingEmail.Kind.values)


def test_the_patients_copy_and_the_site_email_follow_their_own_languages(chinese_site):
    english_site = SiteFactory(
        trial=chinese_site.trial, facility="Example Clinic", email_language="en"
    )
    # A patient reading the English pages writes to the Chinese-speaking site.
    inquiry = InquiryFactory(
        site=chinese_site, language="en", first_name="Mei", last_name="Chen", message="我想参加。"
    )
    site_email, patient_copy = inquiry_emails_create(inquiry=inquiry)
    assert "新患者咨询" in site_email.subject
    assert "我想参加。" in site_email.body_text and "我想参加。" in site_email.body_html
    assert "Mei Chen" in site_email.body_text
    assert patient_copy.subject.startswith("Your message about trial")
    assert "Dear Mei," in patient_copy.body_text
    assert "Shandong Cancer Hospital" in patient_copy.body_text
    assert "/zh-hans/" not in patient_copy.body_text
    # A patient reading the Chinese pages writes to the English-speaking site.
    inquiry = InquiryFactory(site=english_site, language=ZH, message="Is there a waiting list?")
    site_email, patient_copy = inquiry_emails_create(inquiry=inquiry)
    assert site_email.subject.startswith("New patient inquiry")
    assert "王小明 would like to hear from your study team" in site_email.body_text
    assert patient_copy.subject.startswith("您关于试验")
    assert patient_copy.body_text.startswith("王小明，您好：")
    assert "Is there a waiting list?" in patient_copy.body_text


def test_the_notification_emails_link_to_pages_in_the_subscribers_language(db):
    subscription_request(email="zh@example.com", interests="肉瘤", language=ZH)
    subscription = Subscription.objects.get(email="zh@example.com")
    email = subscription.emails.get()
    assert email.subject.startswith("请确认")
    assert f"{settings.SITE_URL}/zh-hans/notifications/confirm/" in email.body_text
    assert f"{settings.SITE_URL}/zh-hans/notifications/unsubscribe/" in email.body_text
    # The one-click unsubscribe header works whatever the language.
    assert "/zh-hans/notifications/unsubscribe/" in email.headers["List-Unsubscribe"]
