"""A patient whose browser speaks Chinese: search, read a trial, answer the
pre-screening questions, send a message and read the confirmation, all in
Chinese; axe finds no accessibility violations on the Chinese pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from playwright.sync_api import expect

from tests.conftest import service_missing
from tests.untranslated import english_on_page
from trials.models import Inquiry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("compiled_catalogues"),
]

# "Sarcoma" in Chinese: the search understands Chinese condition names.
QUERY = "肉瘤"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def seeded():
    call_command("import_trials", "data/NCT06760221.json", "data/NCT06987370.json", verbosity=0)
    call_command("load_prescreen", "data/prescreen.json", verbosity=0)
    # The lay and Chinese words search understands ("肉瘤" is sarcoma): the
    # terminology (HPO's Chinese labels), then staff's vocabulary on top. The
    # live server's database is emptied between tests, terminology included.
    call_command("load_terminology", verbosity=0)
    if "load_vocabulary" in get_commands():
        call_command("load_vocabulary", verbosity=0)


@pytest.fixture
def axe_source() -> str:
    if not AXE.exists():
        service_missing("needs axe-core: npm ci (package.json)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, source: str) -> list[str]:
    """axe-core's WCAG 2 A/AA findings on the page, evaluated by Playwright
    (not a <script> of the page, so the page's CSP stays as it is)."""
    page.evaluate(source + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21aa"]});
            return r.violations.map(v => v.id + ": " + v.nodes.map(n => n.target).join(" | "));
        }"""
    )
    return list(result)


def assert_all_chinese(page) -> None:
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert english_on_page(page.content()) == []


def test_a_chinese_reader_finds_checks_and_writes_in_chinese(
    live_server, new_page, seeded, axe_source
):
    page = new_page(locale="zh-CN")
    problems: dict[str, list[str]] = {}

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/zh-hans/$"))
    assert_all_chinese(page)
    problems["home"] = axe_violations(page, axe_source)

    page.get_by_label("按疾病、关键词或 NCT 编号搜索").fill(QUERY)
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page).to_have_url(re.compile(r"/zh-hans/trials/\?q="))
    assert_all_chinese(page)
    problems["results"] = axe_violations(page, axe_source)

    page.get_by_role("link", name=re.compile("Soft Tissue Sarcoma of Extremities")).click()
    expect(page).to_have_url(re.compile(r"/zh-hans/trials/NCT06760221/"))
    assert_all_chinese(page)
    problems["trial"] = axe_violations(page, axe_source)

    # Pre-screening, answered in Chinese.
    page.locator("summary.prescreen-summary").click()
    page.get_by_label("您多大年龄？").fill("45")
    answers = {
        "医生是否已确诊您患有软组织肉瘤？": "是",
        "针对这个肉瘤，您是否已经做过手术、化疗或其他抗肿瘤治疗？": "否",
        "肿瘤是否已经扩散到身体的远处部位（远处转移）？": "否",
        "您以前参加过其他临床试验吗？": "否",
        "您目前是否怀孕或正在哺乳？": "否",
        "您能平躺吗（放疗时需要平躺）？": "是",
    }
    for question, answer in answers.items():
        page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    page.get_by_label(re.compile("^1 – 不能做重体力活")).check()
    page.get_by_role("button", name="检查我的回答").click()
    expect(page.locator("#prescreen")).to_contain_text("您可能符合条件")
    assert_all_chinese(page)

    # The message to the study team; Chinese forms ask for the family name first.
    contact = page.locator("#contact")
    labels = contact.locator("label.form-label").all_inner_texts()
    assert labels.index("姓*") < labels.index("名*")
    contact.locator("#contact-last_name").fill("王")
    contact.locator("#contact-first_name").fill("小明")
    contact.get_by_role("textbox", name="电子邮箱").fill("wang@example.com")
    contact.get_by_label("电话号码").fill("138 0013 8000")
    contact.get_by_label("我同意把以上信息提供给这项试验的研究团队。").check()
    # The pre-screening answers are health information: a consent of its own.
    contact.locator("#contact-health_consent").check()
    contact.get_by_role("button", name="发送消息").click()
    expect(page.locator("main")).to_contain_text("您的消息已发送")
    assert_all_chinese(page)
    problems["confirmation"] = axe_violations(page, axe_source)

    inquiry = Inquiry.objects.get()
    assert inquiry.language == "zh-hans"
    assert inquiry.full_name == "王小明"
    patient_copy = inquiry.emails.get(kind="patient_copy")
    assert patient_copy.body_text.startswith("王小明，您好：")
    assert page.errors == []
    assert {name: found for name, found in problems.items() if found} == {}, json.dumps(
        problems, ensure_ascii=False, indent=1
    )
