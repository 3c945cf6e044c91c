"""The mini-program simulator in headless Chromium against ``ehc demo``: a resident's whole
journey by clicking, with a screenshot of each screen (test-artifacts/miniapp/)."""

from __future__ import annotations

import os
import random
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import missing
from tests.integration.test_commands import CLEAN_ENV, read_credentials
from tests.support.people import id_number, make_person
from tests.support.processes import ehc_process, free_port

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("EHC_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("EHC_ARTIFACTS_DIR", "test-artifacts")) / "miniapp"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ehc demo`` as a newcomer starts it, on embedded defaults."""
    where = tmp_path_factory.mktemp("demo")
    with ehc_process(["demo", "--port", str(free_port())], CLEAN_ENV, cwd=where) as base:
        read_credentials(where / "demo-credentials.json")
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        missing("chromium is not installed (scripts/install-system-deps.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[browser]')")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Phone:
    """One resident's screen: clicks, fills, waits and screenshots."""

    def __init__(self, page: object, name: str) -> None:
        self.page, self.name = page, name

    def shot(self, step: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{step}.png"), full_page=True)

    def click(self, selector: str) -> None:
        self.page.click(selector)

    def fill(self, selector: str, value: str) -> None:
        self.page.fill(selector, value)

    def sees(self, selector: str, text: str, timeout: float = 15_000) -> None:
        self.page.locator(selector, has_text=text).first.wait_for(timeout=timeout)

    def view(self, name: str) -> None:
        self.page.wait_for_selector(f"#view-{name}:not([hidden])", timeout=15_000)


def log_in(phone: Phone, base: str, platform: str) -> None:
    phone.page.goto(f"{base}/miniapp/")
    phone.page.wait_for_selector("body[data-ready]", timeout=15_000)
    phone.page.select_option("#login-platform", platform)
    phone.fill("#login-user", f"{platform}-{secrets.token_hex(3)}")
    phone.shot("01-login")
    phone.click("#login-go")
    phone.view("cards")
    phone.sees("#card-list", "还没有健康卡")


def open_collect_form(phone: Phone, person: object) -> None:
    """The 领卡 form, filled with the person's name, ID number and phone."""
    phone.click("#to-collect")
    phone.view("collect")
    phone.fill("#c-name", person.name)
    phone.fill("#c-idnum", person.id_number)
    phone.fill("#c-phone", person.phone)


def sms_code(phone: Phone, number: str) -> str:
    """The code of the SMS that arrived for ``number`` on the simulated phone."""
    phone.sees("#sms-list", number)
    return re.search(r"(?<!\d)\d{6}(?!\d)", phone.page.inner_text("#sms-list")).group(0)


def submit_collect_form(phone: Phone, person: object) -> None:
    """Submit the 领卡 form; the card shows in the list."""
    phone.click("#c-submit")
    phone.view("cards")
    phone.sees("#card-list", person.id_number[-4:])


def collect_card(phone: Phone, person: object, relation: str = "self") -> None:
    open_collect_form(phone, person)
    phone.page.select_option("#c-relation", relation)
    phone.click("#c-send")
    phone.fill("#c-otp", sms_code(phone, person.phone))
    phone.shot("03-collect-with-sms")
    submit_collect_form(phone, person)


def book_first_slot(phone: Phone, department: str) -> None:
    phone.click(".tabs [data-go=book]")
    phone.view("book")
    phone.page.wait_for_selector("#b-dept option", state="attached")
    phone.page.select_option("#b-dept", label=department)
    phone.page.wait_for_selector(".slot:not([disabled])")
    phone.page.locator(".slot:not([disabled])").first.click()


def pay_the_hold(phone: Phone, sheet_title: str) -> None:
    phone.view("hold")
    phone.sees("#hold-countdown", "内完成支付")
    phone.shot("06-hold-countdown")
    phone.click("#hold-pay")
    phone.sees("#pay-title", sheet_title)
    phone.shot("07-pay-sheet")
    phone.click("#pay-confirm")
    phone.view("appointments")
    phone.sees("#appt-list", "已预约")


def every_title_reads_as_chinese(phone: Phone, must: tuple[str, ...]) -> None:
    """Every message on 消息 has a Chinese title and a line of text, never a raw event name."""
    for _ in range(30):  # the refund's message may be written just after the answer
        titles = phone.page.locator("#msg-list .msg-title").all_inner_texts()
        if set(must) <= set(titles):
            break
        phone.page.wait_for_timeout(500)
        phone.click(".tabs [data-go=messages]")
    assert set(must) <= set(titles), titles
    for title in titles:
        assert not re.search(r"[a-z_]{4,}", title), f"raw event name on 消息: {title!r}"
        assert re.search(r"[\u4e00-\u9fff]", title), title
    for line in phone.page.locator("#msg-list .msg-text").all_inner_texts():
        assert line.strip() and not re.search(r"undefined|null|NaN", line), line


def test_a_resident_walks_the_whole_journey_on_wechat(demo, browser) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    phone = Phone(context.new_page(), "wechat")
    rng = random.Random(secrets.randbits(64))
    me, spouse = make_person(rng), make_person(rng)
    log_in(phone, demo, "wechat")
    phone.shot("02-cards-empty")

    collect_card(phone, me)
    collect_card(phone, spouse, relation="spouse")  # a family member, their own phone
    phone.shot("04-cards")

    # the card's dynamic QR code, refreshing itself, handed to the counter and verified
    phone.page.locator(".card-item").first.click()
    phone.view("card")
    phone.page.wait_for_selector("#qr-box svg")
    phone.sees("#qr-countdown", "秒后自动刷新")
    phone.shot("05-card-qr")
    phone.click("#qr-to-counter")
    phone.click("#k-verify")
    phone.sees("#k-out", me.name)
    phone.shot("06-counter-verified")

    # book a paid clinic, hold, pay through the WeChat Pay sheet
    book_first_slot(phone, "内科")
    pay_the_hold(phone, "微信支付")
    phone.shot("08-booked")

    # check in at the counter with the code, see the queue, be called
    phone.page.locator(".appt-item button", has_text="交给柜台").first.click()
    phone.click(".tabs [data-go=cards]")
    phone.page.locator(".card-item").first.click()
    phone.page.wait_for_selector("#qr-box svg")
    phone.click("#qr-to-counter")
    phone.click("#k-checkin")
    phone.sees("#k-out", "签到成功：排队号 1")
    phone.click(".tabs [data-go=appointments]")
    phone.sees("#appt-list", "排队号")
    assert phone.page.inner_text(".appt-item .ahead") == "0"
    phone.shot("09-queue")
    phone.click("#k-next")
    phone.sees("#k-out", "叫号：请 1 号")
    phone.click(".tabs [data-go=messages]")
    phone.sees("#msg-list", "请到诊室就诊")
    phone.sees("#msg-list", "签到成功")
    phone.sees("#msg-list", "预约成功")
    phone.shot("10-messages")

    # another booking, paid, then cancelled: the fee goes back
    book_first_slot(phone, "儿科")
    pay_the_hold(phone, "微信支付")
    phone.page.locator(".appt-item button", has_text="取消预约").first.click()
    phone.sees("#toast", "原路退回")
    phone.sees("#appt-list", "已取消")
    phone.shot("11-cancelled-refunded")
    # a notice belongs to its screen: it is gone once the resident moves on
    assert phone.page.locator("#toast").is_visible()
    phone.click(".tabs [data-go=messages]")
    assert phone.page.locator("#toast").is_hidden()
    every_title_reads_as_chinese(phone, must=("领卡成功", "支付成功", "退款成功", "请到诊室就诊"))
    phone.shot("13-messages-all")

    phone.click(".tabs [data-go=appointments]")
    phone.sees("#appt-list", "已取消")
    cancelled = phone.page.locator(".appt-item", has_text="已取消").first
    assert cancelled.locator("button", has_text="交给柜台").count() == 0
    green = "rgb(7, 193, 96)"
    assert cancelled.locator(".status").evaluate("e => getComputedStyle(e).color") != green
    called = phone.page.locator(".appt-item", has_text="已叫号").first
    assert called.locator("button", has_text="交给柜台").count() == 0

    # report the card lost: no code is shown any more
    phone.click(".tabs [data-go=cards]")
    phone.page.locator(".card-item").first.click()
    phone.click("#qr-loss")
    phone.sees("#qr-box", "已挂失")
    phone.shot("12-lost")
    context.close()


def test_errors_are_said_in_plain_words(demo, browser) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    phone = Phone(context.new_page(), "errors")
    log_in(phone, demo, "wechat")
    person = make_person(random.Random(secrets.randbits(64)))
    phone.click("#to-collect")
    phone.fill("#c-name", person.name)
    phone.fill("#c-idnum", person.id_number[:-1] + ("0" if person.id_number[-1] != "0" else "1"))
    phone.fill("#c-phone", person.phone)
    phone.fill("#c-otp", "123456")
    phone.click("#c-submit")
    phone.sees("#toast", "证件号码不正确")
    phone.shot("02-plain-error")
    context.close()


def test_alipay_resident_pays_with_the_alipay_sheet(demo, browser) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    phone = Phone(context.new_page(), "alipay")
    log_in(phone, demo, "alipay")
    collect_card(phone, make_person(random.Random(secrets.randbits(64))))
    book_first_slot(phone, "内科")
    pay_the_hold(phone, "支付宝")
    phone.shot("08-booked")
    context.close()


def test_medical_insurance_pays_most_and_the_sheet_asks_only_the_self_pay(demo, browser) -> None:
    import httpx

    person = make_person(random.Random(secrets.randbits(64)))
    insured = httpx.post(  # the insurance platform knows this resident: ¥3.00 in the account
        f"{demo}/mock/insurance/people",
        json={"id_number": person.id_number, "name": person.name, "account_balance": 300},
    )
    assert insured.status_code == 201, insured.text
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    phone = Phone(context.new_page(), "insurance")
    log_in(phone, demo, "wechat")
    collect_card(phone, person)
    book_first_slot(phone, "内科")
    phone.view("hold")
    phone.click("#hold-insurance")
    phone.sees("#pay-subject", "医保统筹")
    phone.shot("07-insurance-sheet")
    (order,) = httpx.get(f"{demo}/mock/insurance/people/{person.id_number}").json()["orders"]
    # the sheet asks only what the insurance platform left to pay itself
    assert phone.page.inner_text("#pay-amount") == f"¥{order['self_pay'] / 100:.2f}"
    assert "个人账户 ¥3.00" in phone.page.inner_text("#pay-subject")
    phone.click("#pay-confirm")
    phone.view("appointments")
    phone.sees("#appt-list", "已预约")
    phone.shot("08-booked-with-insurance")
    account = httpx.get(f"{demo}/mock/insurance/people/{person.id_number}").json()
    assert account["orders"][0]["status"] == "settled" and account["account_balance"] == 0
    context.close()


def test_pages_work_under_their_content_security_policy(demo, browser) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{demo}/docs")
    page.wait_for_selector("details.op")  # its inline script ran (allowed by its hash)
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "32px"  # inline style
    phone = Phone(page, "csp")
    log_in(phone, demo, "wechat")
    collect_card(phone, make_person(random.Random(secrets.randbits(64))))
    page.locator(".card-item").first.click()
    phone.view("card")
    page.wait_for_selector("#qr-box svg")
    phone.shot("card-qr-under-csp")
    assert refused == []


def test_a_card_collected_with_the_face_check(demo, browser) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    phone = Phone(context.new_page(), "face")
    log_in(phone, demo, "wechat")
    person = make_person(random.Random(secrets.randbits(64)))
    open_collect_form(phone, person)
    # someone else's face first: refused
    phone.click("#c-face")
    phone.sees("#face-state", "请正对屏幕")
    phone.click("#face-fail")
    phone.sees("#face-state", "刷脸未通过")
    phone.click("#c-submit")
    phone.sees("#toast", "请验证身份")
    # then the person's own face: the card is collected without an SMS code
    phone.click("#c-face")
    phone.sees("#face-state", "请正对屏幕")
    phone.shot("02-face-check")
    phone.click("#face-pass")
    phone.sees("#face-state", "刷脸通过")
    submit_collect_form(phone, person)
    phone.shot("03-collected-by-face")
    context.close()


def collect_card_by_face(phone: Phone, person: object) -> None:
    """The resident's own card, proven by a face check (the phone kept on record)."""
    open_collect_form(phone, person)
    phone.click("#c-face")
    phone.click("#face-pass")
    phone.sees("#face-state", "刷脸通过")
    submit_collect_form(phone, person)


def test_a_guardian_collects_a_newborn_card_and_upgrades_it(demo, browser) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    phone = Phone(context.new_page(), "newborn")
    guardian = make_person(random.Random(secrets.randbits(64)))
    log_in(phone, demo, "wechat")
    collect_card_by_face(phone, guardian)

    # 为新生儿领卡: the baby's name, sex and birth date; the guardian's SMS code is the proof
    phone.click("#to-newborn")
    phone.view("newborn")
    phone.fill("#n-name", "王小宝")
    phone.page.select_option("#n-gender", "2")
    assert phone.page.input_value("#n-phone") == guardian.phone  # the guardian's on record
    phone.click("#n-send")
    phone.fill("#n-otp", sms_code(phone, guardian.phone))
    phone.shot("01-newborn-form")
    phone.click("#n-submit")
    phone.view("cards")
    phone.sees("#card-list .kind-newborn", "新生儿卡")
    phone.sees("#card-list", "暂无证件号")
    phone.shot("02-cards-with-newborn")

    # the baby's card shows its kind and a code the counter verifies as a newborn's
    phone.page.locator(".card-item", has_text="新生儿卡").click()
    phone.view("card")
    phone.page.wait_for_selector("#qr-box svg")
    phone.sees("#qr-title", "新生儿卡")
    phone.click("#qr-to-counter")
    phone.click("#k-verify")
    phone.sees("#k-out", "【新生儿卡】")
    phone.sees("#k-out", "0 岁")
    phone.shot("03-newborn-card-verified")

    # the child is registered: the ID number carries the birth date given above
    born = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    child_number = id_number(born, 2 * random.randrange(1, 499))
    phone.fill("#u-idnum", child_number)
    phone.click("#u-go")
    phone.sees("#toast", "升级为正式健康卡")
    assert phone.page.locator("#upgrade").is_hidden()
    assert "新生儿卡" not in phone.page.inner_text("#qr-title")
    phone.shot("04-upgraded")
    phone.click(".tabs [data-go=cards]")
    phone.sees("#card-list", child_number[-4:])
    assert phone.page.locator("#card-list .kind-newborn").count() == 0
    context.close()


def test_the_demo_shows_a_newborn_card_and_a_bound_temporary_card(demo, browser) -> None:
    from api.demo.special_cards import DEMO_GUARDIAN_USER, DEMO_UNCONSCIOUS

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    phone = Phone(context.new_page(), "demo-parent")
    phone.page.goto(f"{demo}/miniapp/")
    phone.page.wait_for_selector("body[data-ready]", timeout=15_000)
    phone.fill("#login-user", DEMO_GUARDIAN_USER)
    phone.click("#login-go")
    phone.view("cards")
    phone.sees("#card-list .kind-newborn", "新生儿卡")
    phone.shot("01-demo-newborn-card")
    context.close()

    # The counter's temporary card was bound: the man's own card holds the hospital's record.
    config = httpx.get(f"{demo}/miniapp/config.json").json()
    found = httpx.post(
        f"{demo}/api/v1/pos/identifiers/lookup",
        json={"system": "id:01", "value": DEMO_UNCONSCIOUS["id_number"]},
        headers={"Authorization": f"Bearer {config['terminal_token']}"},
    )
    assert found.status_code == 200, found.text
    assert found.json()["patient_id"]
