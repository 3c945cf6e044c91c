"""After the visit, in the mini-program simulator (headless Chromium against ``ehc demo``):
the hospital's HIS bills the patient and the resident pays on the 缴费 tab; a report is posted
and the resident opens it on the 报告 tab only after an SMS step-up. Screenshots go to
test-artifacts/miniapp/."""

from __future__ import annotations

import random
import re
import secrets

import pytest

from tests.browser.test_miniapp import Phone, browser, collect_card, demo, log_in
from tests.support.people import make_person

pytestmark = pytest.mark.browser
__all__ = ["browser", "demo"]  # the fixtures, shared with the journey test


def verify_at_counter(phone: Phone) -> None:
    phone.page.locator(".card-item").first.click()
    phone.view("card")
    phone.page.wait_for_selector("#qr-box svg")
    phone.click("#qr-to-counter")
    phone.click("#k-verify")
    phone.sees("#k-out", "本院患者号")


def test_a_resident_pays_a_bill_and_opens_a_report_after_step_up(demo, browser) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    phone = Phone(context.new_page(), "visit")
    person = make_person(random.Random(secrets.randbits(64)))
    log_in(phone, demo, "wechat")
    collect_card(phone, person)
    verify_at_counter(phone)

    phone.click("#h-bill")
    phone.sees("#h-out", "账单已开具")
    phone.click(".tabs [data-go=bills]")
    phone.view("bills")
    phone.sees("#bill-list", "待缴费")
    phone.sees("#bill-list", "阿莫西林胶囊")
    phone.shot("20-bill-unpaid")
    phone.page.locator(".bill-pay").first.click()
    phone.sees("#pay-subject", "门诊缴费")
    assert phone.page.inner_text("#pay-amount") == "¥67.50"
    phone.shot("21-bill-pay-sheet")
    phone.click("#pay-confirm")
    phone.sees("#bill-list", "已缴费")
    phone.sees("#toast", "缴费成功")
    phone.shot("22-bill-paid")

    phone.click("#h-report")
    phone.sees("#h-out", "报告已发布")
    phone.click(".tabs [data-go=reports]")
    phone.view("reports")
    phone.sees("#report-list", "血常规检验报告")
    phone.page.locator(".report-get").first.click()
    phone.sees("#toast", "请先验证身份")
    phone.page.wait_for_selector("#stepup:not([hidden])")
    phone.shot("23-report-step-up")
    before = phone.page.locator("#sms-list li").count()
    phone.click("#su-send")
    for _ in range(60):  # the simulated phone polls its inbox (a string predicate is eval: CSP)
        if phone.page.locator("#sms-list li").count() > before:
            break
        phone.page.wait_for_timeout(250)
    newest = phone.page.locator("#sms-list li").first.inner_text()
    code = re.search(r"(?<!\d)\d{6}(?!\d)", newest).group(0)
    phone.fill("#su-otp", code)
    phone.click("#su-go")
    phone.sees("#report-out", "已下载报告")
    phone.shot("24-report-downloaded")
    context.close()
