"""Simplified Chinese pages: every public page, the switcher, the first visit,
staff-written content per language with its English fallback, honest summaries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from tests.factories import InquiryFactory, SiteFactory, SubscriptionFactory, TrialFactory
from tests.page_text import page_text
from tests.teams import link_token
from tests.untranslated import english_on_page, text_outside_english
from trials.coordinator import coordinator_token
from trials.models import FaqEntry, PrescreenQuestion, Trial
from trials.notes import share_create
from trials.subscriptions import CONFIRM, MANAGE, UNSUBSCRIBE, subscription_token
from trials.team_access import link_email

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_catalogues")]

ZH = "zh-hans"
# Routes that answer scripts or forms, not pages a visitor opens.
NOT_PAGES = {
    "place_suggest",  # JSON suggestions
    "notes",  # JSON for notes.js
    "note",
    "notes_share",
    "notes_share_revoke",
    "prescreen",  # the pre-screen form posts here; GET goes back to the trial
    "notify_unsubscribe_one_click",  # RFC 8058: a mail program's POST
    "team_sign_out",  # a POST from the study team's pages
}


@pytest.fixture
def seeded(db):
    call_command("import_trials", "data/NCT06760221.json", "data/NCT06987370.json", verbosity=0)
    call_command("load_prescreen", "data/prescreen.json", verbosity=0)
    return Trial.objects.get(nct_id="NCT06760221")


def _public_routes() -> list[str]:
    """The names of every route in the trials app."""
    resolver = get_resolver()
    names: list[str] = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace == "trials":
                names.append(pattern.name)

    walk(resolver.url_patterns)
    return sorted(set(names))


def _path_for(name: str, trial: Trial) -> str | None:
    """A real address for a route, or None for routes that are not pages."""
    if name in NOT_PAGES:
        return None
    # What patients typed stays as typed: here it is Chinese.
    subscription = SubscriptionFactory(language=ZH, interests="肉瘤")
    inquiry = InquiryFactory(
        site=trial.sites.first(), message="我想了解这项研究。", location_text="杭州"
    )
    link, _passcode = share_create(owner_key="k" * 64, trial=trial)
    site = trial.sites.first()
    # Signed out, the study team's own pages lead to the sign-in page.
    team_link = link_token(link_email(purpose="sign_in", email="lin@example.org"))
    args = {
        "team_inquiry": [inquiry.pk],
        "team_settings": [site.pk],
        "team_claim": [site.pk],
        "team_claim_sent": [site.pk],
        "team_link": [team_link],
        "detail": [trial.nct_id],
        "detail_slug": [trial.nct_id, "a-slug"],
        "contact": [trial.nct_id],
        "contact_sent": [trial.nct_id],
        "contact_print": [trial.nct_id],
        "notify_confirm": [subscription_token(subscription, CONFIRM)],
        "notify_manage": [subscription_token(subscription, MANAGE)],
        "notify_unsubscribe": [subscription_token(subscription, UNSUBSCRIBE)],
        "coordinator": [coordinator_token(inquiry)],
        "shared_notes": [link.token],
    }
    with translation.override(ZH):
        return reverse(f"trials:{name}", args=args.get(name, []))


def test_every_public_page_reads_in_chinese(client, seeded):
    checked, failures = [], []
    for name in _public_routes():
        path = _path_for(name, seeded)
        if path is None:
            continue
        assert path.startswith("/zh-hans/"), path
        response = client.get(path, follow=True)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert '<html lang="zh-Hans"' in html, name
        if english_on_page(html):
            failures.append((name, path, english_on_page(html)[:60]))
        checked.append(name)
    report = "\n".join(f"{name} {path}: {' '.join(words)}" for name, path, words in failures)
    assert failures == [], report
    assert {"home", "list", "detail", "faq", "privacy", "notify_signup"} <= set(checked)


def test_the_trial_page_marks_registry_text_and_says_it_is_the_original(client, seeded):
    html = client.get("/zh-hans/trials/NCT06760221/").content.decode()
    assert '<h1 class="trial-title h2 fw-semibold mb-3" lang="en">' in html
    text = page_text(html)
    assert "以下是临床试验注册库（ClinicalTrials.gov）中的英文原文" in text
    # The title is on the page, but only inside lang="en".
    assert "Soft Tissue Sarcoma" in text
    assert "Soft Tissue Sarcoma" not in text_outside_english(html)


def test_a_search_in_chinese_words_shows_chinese_results_page(client, seeded):
    response = client.get("/zh-hans/trials/", {"q": "肉瘤", "status": "all"})
    assert response.status_code == 200
    assert english_on_page(response.content.decode()) == []


def test_the_error_pages_read_in_chinese(client, db):
    response = client.get("/zh-hans/no-such-page/")
    assert response.status_code == 404
    assert "我们找不到这个页面" in page_text(response)
    assert english_on_page(response.content.decode()) == []
    request = RequestFactory().get("/zh-hans/faq/")
    with translation.override(ZH):
        for template in ("429.html", "500.html", "503.html"):
            html = render_to_string(template, request=request)
            assert '<html lang="zh-Hans"' in html or 'lang="zh-hans"' in html
            assert english_on_page(html) == [], template


def test_the_switcher_keeps_the_page_and_the_search(client, db):
    html = client.get("/trials/", {"q": "sarcoma", "status": "all"}).content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'action="/zh-hans/i18n/setlang/"' in client.get("/zh-hans/faq/").content.decode()
    assert 'name="next" value="/trials/?q=sarcoma&amp;status=all"' in html
    response = client.post(
        "/i18n/setlang/", {"language": ZH, "next": "/trials/?q=sarcoma&status=all"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/trials/?q=sarcoma&status=all"
    assert client.cookies["tf_language"].value == ZH
    # And back: the same search in English.
    response = client.post(
        "/zh-hans/i18n/setlang/",
        {"language": "en", "next": "/zh-hans/trials/?q=sarcoma&status=all"},
    )
    assert response["Location"] == "/trials/?q=sarcoma&status=all"


def test_each_page_s_switcher_names_its_own_address_however_warm_the_caches(client, db):
    # The header is rendered from per-process caches; the switcher must not be.
    for q in ("sarcoma", "bone metastases", "sarcoma"):
        html = client.get("/trials/", {"q": q}).content.decode()
        assert f'name="next" value="/trials/?q={q.replace(" ", "+")}"' in html
    html = client.get("/faq/").content.decode()
    assert 'name="next" value="/faq/"' in html


def test_a_first_visit_follows_the_browsers_languages(client, db):
    response = client.get("/trials/?q=sarcoma", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/trials/?q=sarcoma"
    # A browser that puts English first stays in English.
    response = client.get("/trials/", HTTP_ACCEPT_LANGUAGE="en-GB,zh-CN;q=0.8")
    assert response.status_code == 200
    # A choice made with the switcher wins over the browser.
    client.cookies["tf_language"] = "en"
    response = client.get("/trials/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()


def test_every_page_names_its_other_language(client, db, settings):
    settings.SITE_URL = "https://trials.example.org"
    html = client.get("/faq/").content.decode()
    site = "https://trials.example.org"
    assert f'<link rel="alternate" hreflang="zh-hans" href="{site}/zh-hans/faq/">' in html
    assert f'<link rel="alternate" hreflang="en" href="{site}/faq/">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{site}/faq/">' in html
    html = client.get("/zh-hans/faq/").content.decode()
    assert '<html lang="zh-Hans"' in html
    assert 'name="language" value="en" lang="en">English</button>' in html


def test_the_faq_shows_chinese_and_falls_back_to_english_with_a_note(client, db):
    FaqEntry.objects.all().delete()
    FaqEntry.objects.create(
        question="What is a clinical trial?",
        answer="A research study.",
        order=1,
        translations={ZH: {"question": "什么是临床试验？", "answer": "一种医学研究。"}},
    )
    FaqEntry.objects.create(question="Is it free?", answer="Often it is.", order=2)
    html = client.get("/zh-hans/faq/").content.decode()
    text = page_text(html)
    assert "什么是临床试验？" in text and "一种医学研究。" in text
    assert "What is a clinical trial?" not in text
    # Not translated yet: the English, marked as such, with a note in Chinese.
    assert '<summary class="faq-question" lang="en">Is it free?</summary>' in html
    assert text.count("这部分还没有翻译成您的语言，因此以英文显示。") == 1
    # The English page never says anything about translations.
    english = page_text(client.get("/faq/"))
    assert "What is a clinical trial?" in english and "translated" not in english


def test_the_shipped_faq_is_in_chinese(client, db):
    text = page_text(client.get("/zh-hans/faq/"))
    for question in ("什么是临床试验？", "临床试验安全吗？", "参加临床试验有补偿吗？"):
        assert question in text
    assert "还没有翻译" not in text


def test_pre_screening_asks_in_chinese_and_compares_the_english_choices(client, seeded):
    page = page_text(client.get("/zh-hans/trials/NCT06760221/"))
    assert "医生是否已确诊您患有软组织肉瘤？" in page
    assert "0 – 活动完全正常：生病前能做的事现在都能做" in page
    ecog = seeded.prescreen_questions.get(kind=PrescreenQuestion.Kind.CHOICE)
    answers = {f"q{q.pk}": "yes" for q in seeded.prescreen_questions.all()}
    answers[f"q{ecog.pk}"] = ecog.choices[3]  # posted in English: the rules compare these
    answers["age"] = "50"
    response = client.post("/zh-hans/trials/NCT06760221/prescreen/", answers, follow=True)
    text = page_text(response)
    assert "您可能不符合这些标准" in text
    assert "这项研究适用于活动完全正常、或只是不能做重体力活的人（ECOG 0 或 1 分）。" in text
    assert english_on_page(response.content.decode()) == []


def test_pre_screening_falls_back_to_english_with_a_note(client, db):
    trial = TrialFactory(nct_id="NCT90001234")
    SiteFactory(trial=trial)
    PrescreenQuestion.objects.create(
        trial=trial,
        order=1,
        kind=PrescreenQuestion.Kind.YES_NO,
        qualifying_answer="yes",
        text="Do you have a sarcoma?",
        criterion="Sarcoma;",
        reason="This study is for people with a sarcoma.",
    )
    html = client.get("/zh-hans/trials/NCT90001234/").content.decode()
    assert 'lang="en">Do you have a sarcoma?</legend>' in html
    assert "这部分还没有翻译成您的语言，因此以英文显示。" in page_text(html)


def test_the_plain_language_label_only_sits_over_a_staff_written_summary(client, seeded):
    text = page_text(client.get("/trials/NCT06760221/"))
    assert "Plain-language summary" not in text
    assert "The registry’s summary" in text
    seeded.lay_summary = "Doctors want to see if radiotherapy before surgery helps."
    seeded.lay_summary_by = "the patient information team"
    seeded.lay_summary_reviewed_on = datetime.date(2026, 3, 2)
    seeded.translations = {ZH: {"lay_summary": "医生想了解手术前做短程放疗是否有帮助。"}}
    seeded.save()
    text = page_text(client.get("/trials/NCT06760221/"))
    assert "Overview Plain-language summary" in text
    assert "Written in everyday words by the patient information team." in text
    assert "Last reviewed on 2 March 2026." in text
    assert "The registry’s summary" in text  # still there, under its own name
    text = page_text(client.get("/zh-hans/trials/NCT06760221/"))
    assert "概述 通俗版简介" in text
    assert "医生想了解手术前做短程放疗是否有帮助。" in text
    assert "最近审核日期：2026年3月2日。" in text


def test_dates_phases_and_distances_follow_the_language(client, db):
    trial = TrialFactory(phases=["PHASE2", "PHASE3"], last_updated=datetime.date(2025, 10, 15))
    SiteFactory(trial=trial)
    english = page_text(client.get(trial.get_absolute_url()))
    assert "Phase: 2/3" in english and "15 October 2025" in english
    with translation.override(ZH):
        path = trial.get_absolute_url()
        assert trial.phase_label == "II/III 期"
    chinese = page_text(client.get(path))
    assert "分期： II/III 期" in chinese and "2025年10月15日" in chinese
    early = TrialFactory(phases=["EARLY_PHASE1"])
    with translation.override(ZH):
        assert early.phase_badge_label == "早期 I 期"
    with translation.override("en"):
        assert early.phase_badge_label == "early 1"
    listing = client.get("/zh-hans/trials/", {"place": "Hangzhou"}).content.decode()
    assert re.search(r"<option value=\"100\"[^>]*>100 公里</option>", listing)


def test_the_scripts_strings_come_in_the_pages_language_from_our_own_url(client, seeded):
    html = client.get("/zh-hans/trials/NCT06760221/").content.decode()
    assert '<script src="/zh-hans/jsi18n/" defer></script>' in html
    catalogue = client.get("/zh-hans/jsi18n/")
    assert catalogue.status_code == 200
    assert catalogue["Content-Type"].startswith("text/javascript")
    body = catalogue.content.decode()
    assert '"Note saved.": "\\u7b14\\u8bb0\\u5df2\\u4fdd\\u5b58\\u3002"' in body  # 笔记已保存。


def test_an_explicit_choice_of_chinese_keeps_chinese_pages_on_plain_addresses(client, db):
    # A Chinese browser that chose Chinese with the switcher, following a
    # plain link (a bookmark, an email), stays in Chinese.
    client.cookies["tf_language"] = "zh-hans"
    response = client.get("/trials/?q=sarcoma", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/trials/?q=sarcoma"
    # Whatever the browser says.
    response = client.get("/faq/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert response["Location"] == "/zh-hans/faq/"
    page = client.get(response["Location"])
    assert '<html lang="zh-Hans"' in page.content.decode()
    # A cookie naming no language of ours is no choice: English stays.
    client.cookies["tf_language"] = "klingon"
    assert client.get("/faq/", HTTP_ACCEPT_LANGUAGE="en-GB").status_code == 200
