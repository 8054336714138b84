"""Staff write content per language side by side in the admin, and see how
readable their English plain-language summary is."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.admin_forms import form_data
from tests.factories import SiteFactory, TrialFactory
from tests.page_text import page_text
from trials.models import FaqEntry, Site, Trial
from trials.readability import flesch_reading_ease, reading_ease_verdict

pytestmark = pytest.mark.django_db

ADMIN = "/" + settings.ADMIN_URL


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "x")
    client.force_login(user)
    return user


def test_it_edits_an_faq_entry_in_both_languages_side_by_side(client, staff):
    entry = FaqEntry.objects.create(question="Is it free?", answer="Often.", order=9)
    url = f"{ADMIN}trials/faqentry/{entry.pk}/change/"
    html = client.get(url).content.decode()
    # One row holds the English and the Chinese of each field.
    row = html[html.index("field-question") : html.index("field-answer")]
    assert 'name="question"' in row and 'name="question_zh_hans"' in row
    assert "question (简体中文)" in page_text(html)
    data = form_data(client.get(url))
    data.update(question_zh_hans=["免费吗？"], answer_zh_hans=["通常是免费的。"])
    response = client.post(url, data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.question == "Is it free?"
    assert entry.translations == {"zh-hans": {"question": "免费吗？", "answer": "通常是免费的。"}}
    # Emptying the Chinese brings the English back on the Chinese page.
    data.update(question_zh_hans=[""], answer_zh_hans=[""])
    client.post(url, data)
    entry.refresh_from_db()
    assert entry.translations == {}


def test_it_edits_a_sites_name_and_a_lay_summary_per_language(client, staff):
    trial = TrialFactory()
    site = SiteFactory(trial=trial, facility="Shandong Cancer Hospital")
    url = f"{ADMIN}trials/trial/{trial.pk}/change/"
    response = client.get(url)
    assert 'name="lay_summary_zh_hans"' in response.content.decode()
    data = form_data(response)
    data.update(
        {
            "lay_summary": ["Doctors test a short radiotherapy. It may help."],
            "lay_summary_zh_hans": ["医生在试验一种短程放疗。"],
            "lay_summary_by": ["the patient information team"],
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:2000]
    # The site on its own page, reached from the trial's list of sites.
    site_url = f"{ADMIN}trials/site/{site.pk}/change/"
    response = client.get(site_url)
    html = response.content.decode()
    assert 'name="facility_zh_hans"' in html and 'name="email_language"' in html
    data = form_data(response)
    data.update({"facility_zh_hans": ["山东省肿瘤医院"], "email_language": ["zh-hans"]})
    response = client.post(site_url, data)
    assert response.status_code == 302, page_text(response)[:2000]
    trial = Trial.objects.get(pk=trial.pk)
    site = Site.objects.get(pk=site.pk)
    assert trial.translations == {"zh-hans": {"lay_summary": "医生在试验一种短程放疗。"}}
    assert site.translations == {"zh-hans": {"facility": "山东省肿瘤医院"}}
    assert site.email_language == "zh-hans"
    # The readability of the English summary, shown while editing.
    text = page_text(client.get(url))
    score = flesch_reading_ease("Doctors test a short radiotherapy. It may help.")
    assert f"Flesch reading ease {int(score)}: {reading_ease_verdict(score)}" in text


def test_it_scores_plain_words_above_registry_language():
    plain = "Doctors want to know if a short course of radiotherapy helps. You go to hospital."
    registry = (
        "Neoadjuvant hypofractionated stereotactic radiotherapy demonstrates pathological "
        "response evaluated according to immunohistochemical characterisation."
    )
    assert flesch_reading_ease(plain) > 60 > 30 > flesch_reading_ease(registry)
    assert reading_ease_verdict(flesch_reading_ease(registry)) == (
        "very difficult, like a scientific paper"
    )
    assert flesch_reading_ease("") is None


def _words_of_the_data() -> set[str]:
    """English words in what the rows hold (registry text, the seeded FAQ,
    factories' hospitals): shown as entered, not labels to translate."""
    import re

    from django.apps import apps
    from django.db import models

    words: set[str] = set()
    for model in apps.get_app_config("trials").get_models():
        texts = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model.objects.values_list(*texts)[:50] if texts else []:
            words |= set(re.findall(r"[A-Za-z]{2,}", " ".join(str(value) for value in row)))
    return words


# Kept in Chinese text too: the product and the framework, the Message-ID
# header, and the registry's English words offered as examples of search terms.
ADMIN_KEPT = {"Django", "editor", "Message", "ID", "mini", "stroke", "transient", "ischemic"}
ADMIN_KEPT |= {"attack", "kidney", "stones", "radiotherapy", "yes", "no"}


def test_the_chinese_admin_has_no_english_labels(client, staff):
    """Every list, add and change page of the trials app in Chinese: verbose
    names, help texts, actions, filters, inlines and Django's own headers."""
    from django.contrib import admin
    from django.urls import reverse
    from django.utils import translation

    from tests.factories import InquiryFactory, PrescreenQuestionFactory, SubscriptionFactory
    from tests.untranslated import english_on_page
    from trials.models import SubscriptionDelivery

    question = PrescreenQuestionFactory()
    inquiry = InquiryFactory(
        first_name="秀英",
        last_name="王",
        message="想了解这项研究",
        location_text="杭州",
        prescreen_answers=[{"question": "年龄", "answer": "45", "verdict": "met", "criterion": ""}],
    )
    subscription = SubscriptionFactory(interests="肉瘤", place_text="杭州", language="zh-hans")
    SubscriptionDelivery.objects.create(subscription=subscription, trial=question.trial)
    FaqEntry.objects.create(trial=question.trial, question="停车免费吗？", answer="免费。")
    assert inquiry.pk
    with translation.override("zh-hans"):
        urls = [reverse("admin:index"), reverse("admin:app_list", args=["trials"])]
        for model in admin.site._registry:
            if model._meta.app_label != "trials" or model._meta.model_name == "searchword":
                continue
            info = f"admin:trials_{model._meta.model_name}"
            urls += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
            urls += [
                reverse(f"{info}_change", args=[pk])
                for pk in model._default_manager.values_list("pk", flat=True)[:1]
            ]
    allowed = ADMIN_KEPT | _words_of_the_data()
    left = {}
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            words = english_on_page(response.content.decode(), also_allowed=allowed)
            if words:
                left[url] = sorted(set(words))
    assert left == {}
    assert urls[0] == "/zh-hans/" + settings.ADMIN_URL
    assert "模型名称" in client.get(urls[0]).content.decode()
