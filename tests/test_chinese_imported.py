"""What a Chinese reader sees of a trial imported from the registry in English:
conditions with their Chinese names from the terminology (never translated by
us), the Chinese title staff wrote, places named in Chinese from the
gazetteer, contact roles and phases in Chinese words, and times in emails in
Beijing time."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.admin_forms import form_data
from tests.page_text import page_text
from tests.test_importer import run, study
from trials.condition_names import chinese_condition_names
from trials.emails import inquiry_emails_create
from trials.models import (
    Condition,
    Inquiry,
    OutgoingEmail,
    Place,
    PlaceName,
    SearchTerm,
    Site,
    Trial,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("compiled_catalogues")]

ZH = "zh-hans"
ADMIN = "/" + settings.ADMIN_URL
NCT = "NCT07000001"


def hangzhou_site(number: int) -> dict:
    return {
        "facility": f"Example Cancer Hospital {number}",
        "status": "RECRUITING",
        "city": "Hangzhou",
        "state": "Zhejiang",
        "zip": "310022",
        "country": "China",
        "geoPoint": {"lat": 30.2588, "lon": 120.1693},
        "contacts": [
            {"name": "Site Public Contact", "role": "CONTACT", "email": f"c{number}@example.org"}
        ],
    }


@pytest.fixture
def imported(db) -> Trial:
    """A real-shaped registry record, all in English, imported as any other."""
    record = study(
        NCT,
        **{
            "identificationModule.briefTitle": "Hypofractionated Radiotherapy After Breast Surgery",
            "conditionsModule.conditions": [
                "Breast Cancer",
                "Soft Tissue Sarcoma",
                "Post-mastectomy Tightness Xyz",
            ],
            "designModule.phases": ["PHASE3"],
            "contactsLocationsModule.overallOfficials": [
                {
                    "name": "Wei Example",
                    "affiliation": "Example Cancer Hospital",
                    "role": "PRINCIPAL_INVESTIGATOR",
                }
            ],
            # More sites than one page of the list: it offers a choice of country.
            "contactsLocationsModule.locations": [
                *(hangzhou_site(number) for number in range(1, 12)),
                {
                    "facility": "Albany Medical Center",
                    "status": "RECRUITING",
                    "city": "Albany",
                    "state": "New York",
                    "country": "United States",
                    "geoPoint": {"lat": 42.65, "lon": -73.75},
                },
            ],
        },
    )
    run((f"{NCT}.json", json.dumps(record).encode()))
    return Trial.objects.get(nct_id=NCT)


def chinese_url(path_name: str, *args) -> str:
    with translation.override(ZH):
        return reverse(path_name, args=args)


def english_url(path_name: str, *args) -> str:
    # A request leaves its language active in the thread: say which.
    with translation.override("en"):
        return reverse(path_name, args=args)


def inline_text(html: str) -> str:
    """The page's text with inline markup dropped, as it reads on screen."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_imported_conditions_get_the_terminologys_chinese_names_and_no_invented_ones(imported):
    names = dict(imported.conditions.values_list("name", "name_zh_hans"))
    # HPO's Chinese label of the MeSH concept the registry's name is a term of.
    assert names["Breast Cancer"] == "乳腺癌"
    assert names["Soft Tissue Sarcoma"] != ""
    # A name no terminology has stays English only: nothing is made up.
    assert names["Post-mastectomy Tightness Xyz"] == ""
    assert chinese_condition_names(["Post-mastectomy Tightness Xyz"]) == {}


def test_a_chinese_reader_sees_the_condition_in_chinese_with_the_registrys_english(
    client, imported
):
    html = client.get(chinese_url("trials:detail", NCT)).content.decode()
    assert '<span lang="zh-Hans">乳腺癌</span>（<span lang="en">Breast Cancer</span>）' in html
    assert "乳腺癌（Breast Cancer）" in inline_text(html)
    assert '<span lang="en">Post-mastectomy Tightness Xyz</span>' in html
    # The card on the results page says the same.
    results = client.get(chinese_url("trials:list") + "?q=radiotherapy").content.decode()
    assert "乳腺癌（Breast Cancer）" in inline_text(results)
    # The English page keeps the registry's words alone.
    english = Client().get(english_url("trials:detail", NCT)).content.decode()
    assert "乳腺癌" not in english and "Breast Cancer" in english


def test_a_chinese_search_term_staff_add_names_a_condition_on_the_chinese_page(
    client, imported, django_user_model
):
    staff = django_user_model.objects.create_superuser("editor", "editor@example.org", "x")
    client.force_login(staff)
    response = client.post(
        f"{ADMIN}trials/searchterm/add/",
        {"phrase": "乳房切除后紧绷感", "meaning": "Post-mastectomy Tightness Xyz", "language": ZH},
    )
    assert response.status_code == 302
    condition = Condition.objects.get(name="Post-mastectomy Tightness Xyz")
    assert condition.name_zh_hans == "乳房切除后紧绷感"
    client.logout()
    html = client.get(chinese_url("trials:detail", NCT)).content.decode()
    assert "乳房切除后紧绷感（Post-mastectomy Tightness Xyz）" in inline_text(html)
    # Removed again, the condition is English only.
    SearchTerm.objects.all().delete()
    from trials.condition_names import condition_names_refresh

    condition_names_refresh()
    assert Condition.objects.get(pk=condition.pk).name_zh_hans == ""


def test_staff_write_a_chinese_title_shown_with_the_registrys_title_kept(
    client, imported, django_user_model
):
    staff = django_user_model.objects.create_superuser("editor", "editor@example.org", "x")
    client.force_login(staff)
    url = f"{ADMIN}trials/trial/{imported.pk}/change/"
    response = client.get(url)
    html = response.content.decode()
    assert 'name="brief_title_zh_hans"' in html and 'name="lay_summary_zh_hans"' in html
    data = form_data(response)
    data.update(
        brief_title_zh_hans=["乳腺手术后的大分割放疗"],
        lay_summary_zh_hans=["医生想知道较少次数的放疗是否同样有效。"],
    )
    response = client.post(url, data)
    assert response.status_code == 302, page_text(response)[:2000]
    client.logout()

    html = client.get(chinese_url("trials:detail", NCT)).content.decode()
    title = "乳腺手术后的大分割放疗"
    assert re.search(rf'<h1 class="trial-title[^"]*" lang="zh-Hans">{title}</h1>', html)
    assert "<title>乳腺手术后的大分割放疗" in html
    text = inline_text(html)
    assert "注册库中的标题： Hypofractionated Radiotherapy After Breast Surgery" in text
    assert '<span lang="en">Hypofractionated Radiotherapy After Breast Surgery</span>' in html
    assert "医生想知道较少次数的放疗是否同样有效。" in text
    # The card: the Chinese title links to the trial, the English under it.
    cards = client.get(chinese_url("trials:list") + "?q=radiotherapy").content.decode()
    assert re.search(r'lang="zh-Hans">乳腺手术后的大分割放疗</a>', cards)
    assert "Hypofractionated Radiotherapy After Breast Surgery" in cards
    # English readers see the registry's title as before.
    english = Client().get(english_url("trials:detail", NCT)).content.decode()
    assert "乳腺手术后的大分割放疗" not in english


def test_places_are_named_in_chinese_on_the_page_the_site_list_and_the_form(client, imported):
    html = client.get(chinese_url("trials:detail", NCT)).content.decode()
    text = inline_text(html)
    # The site list: largest first and unspaced, as a Chinese address reads.
    assert "中国浙江省杭州" in text
    assert "美国纽约州奥尔巴尼" in text
    # The country choice of the site list: "中国（11）", not "China (11)".
    assert ">中国（11）</option>" in html and ">美国（1）</option>" in html
    assert "China (11)" not in html
    # The form's site choice names the place in Chinese too.
    form = client.get(chinese_url("trials:contact", NCT)).content.decode()
    assert "中国浙江省杭州" in inline_text(form)
    # A card's cities.
    cards = client.get(chinese_url("trials:list") + "?q=radiotherapy").content.decode()
    assert "杭州" in inline_text(cards) and "Hangzhou" not in inline_text(cards)
    # English pages keep the registry's names.
    english = Client().get(english_url("trials:detail", NCT)).content.decode()
    assert "Hangzhou, Zhejiang, China" in english and "杭州" not in english


def test_the_results_country_filter_takes_the_chinese_name(client, imported):
    html = client.get(chinese_url("trials:list") + "?country=中国").content.decode()
    assert "Hypofractionated Radiotherapy After Breast Surgery" in html
    html = client.get(chinese_url("trials:list") + "?country=日本").content.decode()
    assert "Hypofractionated Radiotherapy After Breast Surgery" not in html


def test_contact_roles_and_the_phase_read_in_chinese_words(client, imported):
    text = inline_text(client.get(chinese_url("trials:detail", NCT)).content.decode())
    assert "Wei Example · 主要研究者 · Example Cancer Hospital" in text
    assert "PRINCIPAL_INVESTIGATOR" not in text
    # "分期" alone reads to a cancer patient as the stage of their cancer.
    assert "试验分期：" in text and " 分期：" not in text
    english = inline_text(Client().get(english_url("trials:detail", NCT)).content.decode())
    assert "Wei Example · Principal investigator · Example Cancer Hospital" in english


def test_wording_a_chinese_reader_asked_for():
    with translation.override(ZH):
        assert translation.gettext("nearest first") == "按距离由近到远"
        assert translation.gettext("less than 1 km away") == "不到 1 公里"
        assert translation.gettext("Passcode") == "访问码"
        assert translation.gettext("Preferred language") == "希望使用的语言"
        assert translation.gettext("Phase:") == "试验分期："


def _emails(inquiry: Inquiry) -> dict[str, OutgoingEmail]:
    rows = inquiry_emails_create(inquiry=inquiry)
    return {row.kind: row for row in rows}


def test_a_chinese_patient_reads_times_in_beijing_time(imported):
    site = Site.objects.filter(trial=imported, country="China").first()
    received = datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC)
    inquiry = Inquiry.objects.create(
        trial=imported,
        site=site,
        first_name="小明",
        last_name="王",
        email="patient@example.com",
        phone="+8613800138000",
        preferred_language=ZH,
        language=ZH,
        location_text="杭州",
        distance_km=0.3,
        routing="nearest",
        recipient_addresses=[site.contact_email],
        recipient_reason="site_contact",
        message="我想了解这项研究。",
        consent_at=received,
        dedupe_key="beijing-time",
    )
    Inquiry.objects.filter(pk=inquiry.pk).update(created_at=received)
    inquiry.refresh_from_db()
    emails = _emails(inquiry)
    copy = emails[OutgoingEmail.Kind.PATIENT_COPY]
    # 01:30 UTC is 09:30 in Beijing, and the email says which time it is.
    assert "发送时间：2026年3月2日 09:30（北京时间）" in copy.body_text
    assert "01:30" not in copy.body_text and "UTC" not in copy.body_text
    assert "北京时间" in copy.body_html
    # A distance under a kilometre is not "about 0 km".
    assert "距您不到 1 公里" in copy.body_text and "约 0 公里" not in copy.body_text
    # The study team in China, reading English, sees Beijing time too, named.
    site_email = emails[OutgoingEmail.Kind.SITE_INQUIRY]
    assert "Received: 2 March 2026, 09:30 (Beijing time)" in site_email.body_text


def test_a_patient_elsewhere_keeps_the_sites_time_zone(imported):
    site = Site.objects.get(trial=imported, country="United States")
    site.contact_email = "albany@example.org"
    site.save()
    received = datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC)
    inquiry = Inquiry.objects.create(
        trial=imported,
        site=site,
        first_name="Alex",
        last_name="Example",
        email="alex@example.com",
        preferred_language="en",
        language="en",
        routing="chosen",
        recipient_addresses=[site.contact_email],
        recipient_reason="site_contact",
        message="Hello",
        consent_at=received,
        dedupe_key="utc-time",
    )
    Inquiry.objects.filter(pk=inquiry.pk).update(created_at=received)
    inquiry.refresh_from_db()
    copy = _emails(inquiry)[OutgoingEmail.Kind.PATIENT_COPY]
    assert "Sent on: 2 March 2026, 01:30 (UTC)" in copy.body_text
    assert "Beijing" not in copy.body_text


def test_chinese_pages_cost_the_same_queries_however_many_trials_conditions_and_sites(client):
    from tests.test_pages_queries import make_trials, queries_for

    def urls(trial: Trial) -> list[str]:
        return [
            chinese_url("trials:detail", trial.nct_id),
            chinese_url("trials:list"),
            chinese_url("trials:list") + "?q=cancer",
        ]

    small = make_trials(2, sites_each=2)[0]
    client.get(urls(small)[2])  # the first search of a process loads the vocabulary
    few = [queries_for(client, url) for url in urls(small)]
    large = make_trials(48, sites_each=30)[0]
    Condition.objects.filter(name="Cancer").update(name_zh_hans="癌症")
    assert [queries_for(client, url) for url in urls(large)] == few
    html = client.get(chinese_url("trials:list")).content.decode()
    assert inline_text(html).count("癌症（Cancer）") >= 10


@pytest.fixture
def hangzhou(db) -> Place:
    """The gazetteer's Hangzhou, at the trial's Hangzhou sites."""
    place = Place.objects.create(
        geoname_id=1808926,
        name="Hangzhou",
        country_code="CN",
        latitude=30.2588,
        longitude=120.1693,
        population=6241971,
    )
    PlaceName.objects.create(place=place, name="杭州", key="杭州")
    return place


def test_a_card_names_the_nearest_site_with_each_part_in_its_own_language(
    client, imported, hangzhou
):
    html = client.get(chinese_url("trials:list"), {"place": "杭州", "radius": "50"}).content
    html = html.decode()
    # The registry's English facility, then the place in Chinese; under 1 km
    # is not "约 0 公里".
    assert (
        '<span lang="en">Example Cancer Hospital 1</span>，中国杭州 · 不到 1 公里'
        in html.replace("\n", "")
    )
    assert "约 0 公里" not in html
    # The place searched, named in Chinese, without stray spaces.
    assert "中国杭州周边 50 公里以内" in inline_text(html)
    # Its cities, listed the Chinese way.
    assert "<dd>杭州、奥尔巴尼</dd>" in html


def test_a_chinese_subscribers_digest_names_conditions_cities_and_the_title_in_chinese(imported):
    from django.utils import timezone

    from tests.factories import SubscriptionFactory
    from trials.subscriptions import subscription_digest_send

    Trial.objects.filter(pk=imported.pk).update(
        listed_at=timezone.now() - datetime.timedelta(hours=1),
        translations={ZH: {"brief_title": "乳腺手术后的大分割放疗"}},
    )
    subscriber = SubscriptionFactory(
        language=ZH,
        interests="Breast Cancer",
        confirmed_at=timezone.now() - datetime.timedelta(days=2),
    )
    digest = subscription_digest_send(subscription_id=subscriber.pk)
    assert digest is not None
    text = digest.body_text
    assert "乳腺手术后的大分割放疗 / Hypofractionated Radiotherapy After Breast Surgery" in text
    assert "疾病：乳腺癌（Breast Cancer）、" in text
    assert "地点：杭州、奥尔巴尼" in text
    assert '<span lang="zh-Hans">乳腺癌</span>（<span lang="en">Breast Cancer</span>）' in (
        digest.body_html
    )
