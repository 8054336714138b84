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
