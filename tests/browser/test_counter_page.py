"""The clerk's page at /counter/ in headless Chromium: a card issued from the ID reader
stand-in (counter-pos on a pseudo-terminal), its static code printed (the PDF read back and its
QR code decoded), the patient registered for today by scanning their dynamic code, and the fee
charged by scanning their payment code: WeChat at once, Alipay after "user paying" for 3 s;
then an HIS bill charged by its number.
A clerk signs in with password and TOTP, watches the department's queue refresh itself, calls
the next patient, cancels a registration and keeps a renewed token.
Screenshots under test-artifacts/counter/."""

from __future__ import annotations

import asyncio
import base64
import random
import secrets
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from counter_pos.id_document import IdDocument
from counter_pos.id_reader_sim import IdReaderSimulator
from tests.browser.test_miniapp import ARTIFACTS, CHROMIUM, FLAGS
from tests.conftest import missing
from tests.support.admin import AdminAccount
from tests.support.counter import qr_payload, terminal_headers
from tests.support.hospital import SHANGHAI, local_now, new_schedule
from tests.support.people import make_person
from tests.support.printed import decode_pdf_qr
from tests.support.processes import free_port
from tests.support.resident import alipay_session, collect, new_holder, wechat_session

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS.parent / "counter"
FEE = 900
# The printout the page opened (its blob), as base64.
READ_PRINTOUT = """async () => {
  const found = await fetch(document.getElementById("print-link").href);
  const bytes = new Uint8Array(await found.arrayBuffer());
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}"""


def _sync(coro):
    """Run a coroutine of the async test helpers from this synchronous browser test."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def id_reader():
    reader = IdReaderSimulator()
    yield reader
    reader.close()


@pytest.fixture
def counter_pos(live, terminal, id_reader):
    """counter-pos on the clerk's PC: the ID reader on its serial line, the page allowed in."""
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - kept open with the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "counter_pos", "run", "--core", live.base_url,
         "--terminal-id", terminal["terminal_id"], "--terminal-secret", terminal["terminal_secret"],
         "--listen", f"127.0.0.1:{port}", "--scanner", "none", "--no-watch",
         "--id-reader", id_reader.port, "--allow-origin", live.base_url],
        stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/readers", timeout=2)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise AssertionError(f"counter-pos did not start: {log.read()[-2000:]}") from None
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def page(live):
    if not Path(CHROMIUM).exists():
        missing("chromium is not installed (scripts/install-system-deps.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[browser]')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        yield context.new_page()
        browser.close()


def _today_schedule(live, admin_headers, clinic, fee: int = FEE) -> dict:
    start = local_now()
    midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(), SHANGHAI)
    end = min(start + timedelta(minutes=30), midnight - timedelta(seconds=1))

    async def make() -> dict:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as api:
            return await new_schedule(api, admin_headers, clinic, [(start, end, 5)], fee=fee,
                                      day=start.date())  # fmt: skip

    return _sync(make())


def _resident_code(live, channel_apps, person, platform: str) -> str:
    """The person collects the card (issued at the counter) in their mini-program and shows
    its dynamic code."""

    async def show() -> str:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as api:
            login = wechat_session if platform == "wechat" else alipay_session
            session = await login(api, channel_apps[platform]["app_id"], secrets.token_hex(5))
            card = await collect(api, session["token"], person)
            assert card.status_code == 200, card.text  # the counter's card, now in the app
            return await qr_payload(api, session["token"], card.json()["card_id"])

    return _sync(show())


def _scan(page, text: str) -> None:
    """The keyboard-wedge scanner types the code and Enter, wherever the page is."""
    page.locator("#answer").click()
    page.keyboard.type(text, delay=2)
    page.keyboard.press("Enter")


def _sees(page, text: str, timeout: float = 20_000) -> None:
    page.locator("#answer", has_text=text).wait_for(timeout=timeout)


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _one_patient(page, live, counter_pos, id_reader, schedule, channel_apps, platform) -> None:
    person = make_person(random.Random(secrets.randbits(64)))
    tag = platform
    id_reader.place(IdDocument(name=person.name, sex="1", ethnicity="01",
                               birth_date=person.id_number[6:14], address="北京市东城区演示路1号",
                               id_number=person.id_number, authority="北京市公安局东城分局",
                               valid_from="20200101", valid_to="20400101"))  # fmt: skip
    # issue from the ID card on the reader
    page.click("button[data-tab=issue]")
    page.fill("#reader-url", counter_pos)
    page.click("#issue-read")
    _sees(page, "已读取身份证")
    assert page.input_value("#issue-id") == person.id_number
    assert page.text_content("#issue-source") == "身份证读卡器"
    page.fill("#issue-phone", person.phone)
    page.click("#issue-go")
    _sees(page, "新卡已发")
    _shot(page, f"{tag}-01-issued")
    # print its static code: the PDF the page opens, read back by a scanner
    page.click("#print-go")
    _sees(page, "静态码已生成")
    pdf = base64.b64decode(page.evaluate(READ_PRINTOUT))
    assert pdf.startswith(b"%PDF")
    assert decode_pdf_qr(pdf).startswith("EHC1:S:")
    _shot(page, f"{tag}-02-printed")
    # same-day registration by the dynamic code the patient shows
    payload = _resident_code(live, channel_apps, person, platform)
    page.click("button[data-tab=register]")
    page.select_option("#register-dept", str(schedule["department_id"]))
    page.wait_for_selector(f"#register-schedule option[value='{schedule['schedule_id']}']",
                           state="attached")  # fmt: skip
    page.select_option("#register-schedule", str(schedule["schedule_id"]))
    _scan(page, payload)
    _sees(page, "挂号成功")
    _shot(page, f"{tag}-03-registered")
    assert page.input_value("#charge-amount") == str(FEE)
    # the fee, by the patient's payment code
    code = httpx.post(f"{live.base_url}/mock/{platform}/users/{secrets.token_hex(4)}/payment-code")
    began = time.monotonic()
    _scan(page, code.json()["auth_code"])
    _sees(page, "收款成功", timeout=30_000)
    _shot(page, f"{tag}-04-paid")
    return time.monotonic() - began


def test_the_counter_issues_prints_registers_and_charges(
    page, live, terminal, counter_pos, id_reader, admin_headers, clinic, channel_apps, merchant
) -> None:
    schedule = _today_schedule(live, admin_headers, clinic)
    page.goto(f"{live.base_url}/counter/")
    page.wait_for_selector("body[data-ready='1']")
    _shot(page, "00-sign-in")
    page.click("button[data-mode=terminal]")  # the window's own credentials
    page.fill("#signin-terminal", terminal["terminal_id"])
    page.fill("#signin-secret", "wrong")
    page.click("#signin-go")
    page.locator("#signin-error", has_text="不对").wait_for()
    page.fill("#signin-secret", terminal["terminal_secret"])
    page.click("#signin-go")
    page.wait_for_selector("#desk:not([hidden])")
    _one_patient(page, live, counter_pos, id_reader, schedule, channel_apps, "wechat")
    fault = {"target": "alipay.trade.pay", "mode": "user_paying", "delay": 3}
    assert httpx.post(f"{live.base_url}/mock/faults", json=fault).status_code == 201
    waited = _one_patient(page, live, counter_pos, id_reader, schedule, channel_apps, "alipay")
    assert waited >= 3  # the payer confirmed on the phone 3 s later; the page waited for it
    _one_bill(page, live, terminal, channel_apps)
    # a code scanned anywhere that is no card's: a plain refusal
    _scan(page, "EHC1:S:ZZZZ:0000:forged")
    page.locator("#answer.bad").wait_for()
    _shot(page, "05-refused")


def _one_bill(page, live, terminal, channel_apps) -> None:
    """An HIS bill of a patient seen today, charged on the 收费 tab by its number: the page
    fills in its amount, the patient's WeChat code pays it, and the hospital sees it paid."""

    async def post_bill() -> tuple[dict, dict]:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as api:
            holder = await new_holder(api, channel_apps["wechat"]["app_id"])
            headers = await terminal_headers(api, terminal)
            qr = await qr_payload(api, holder["token"], holder["card"]["card_id"])
            seen = await api.post("/api/v1/pos/verify", json={"qr": qr, "scene": "payment"},
                                  headers=headers)  # fmt: skip
            made = await api.post("/api/v1/pos/bills", headers=headers, json={
                "patient_id": seen.json()["patient_id"], "visit_no": "VP-" + secrets.token_hex(4),
                "items": [{"code": "250101001", "name": "血常规", "quantity": 1, "amount": 2500}],
            })  # fmt: skip
            assert made.status_code == 201, made.text
            return made.json(), headers

    bill, headers = _sync(post_bill())
    page.click("button[data-tab=charge]")
    page.fill("#charge-appointment", bill["bill_id"])
    page.press("#charge-appointment", "Tab")  # the number is complete: the bill is looked up
    _sees(page, "应收 ¥25.00")
    assert page.input_value("#charge-amount") == "2500"
    code = httpx.post(f"{live.base_url}/mock/wechat/users/{secrets.token_hex(4)}/payment-code")
    _scan(page, code.json()["auth_code"])
    _sees(page, "收款成功", timeout=30_000)
    _shot(page, "06-bill-paid")
    shown = httpx.get(f"{live.base_url}/api/v1/pos/bills/{bill['bill_id']}", headers=headers)
    assert shown.json()["status"] == "paid"


def _clerk(live, admin_headers, institution_code: str) -> AdminAccount:
    """A clerk of the hospital, made by the card centre (not signed in yet)."""
    username = f"clerk-{secrets.token_hex(3)}"
    staff = {"username": username, "role": "clerk", "scope": institution_code}
    made = httpx.post(f"{live.base_url}/api/v1/admin/users", headers=admin_headers, json=staff)
    assert made.status_code == 201, made.text
    secret = made.json()["totp_uri"].split("secret=")[1].split("&")[0]
    return AdminAccount(username, made.json()["password"], secret)


def _checked_in(live, terminal, channel_apps, schedule) -> dict:
    """A resident registered for today's free schedule at the counter and checked in."""

    async def arrive() -> dict:
        async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as api:
            holder = await new_holder(api, channel_apps["wechat"]["app_id"])
            headers = await terminal_headers(api, terminal)
            card_id = holder["card"]["card_id"]
            made = await api.post("/api/v1/pos/registrations", headers=headers, json={
                "qr": await qr_payload(api, holder["token"], card_id),
                "schedule_id": schedule["schedule_id"]})  # fmt: skip
            assert made.status_code == 201 and made.json()["status"] == "booked", made.text
            appointment_id = made.json()["appointment_id"]
            checked = await api.post("/api/v1/pos/checkin", headers=headers, json={
                "qr": await qr_payload(api, holder["token"], card_id),
                "appointment_id": appointment_id})  # fmt: skip
            assert checked.status_code == 200, checked.text
            return {**holder, "appointment_id": appointment_id,
                    "code": await qr_payload(api, holder["token"], card_id)}  # fmt: skip

    return _sync(arrive())


def test_a_clerk_works_the_departments_queue_with_a_token_kept_fresh(
    page, live, terminal, admin_headers, clinic, channel_apps
) -> None:
    schedule = _today_schedule(live, admin_headers, clinic, fee=0)
    first = _checked_in(live, terminal, channel_apps, schedule)
    second = _checked_in(live, terminal, channel_apps, schedule)
    clerk = _clerk(live, admin_headers, clinic)
    page.clock.install()  # the page's timers, to be moved on to the token's renewal
    page.goto(f"{live.base_url}/counter/")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#signin-user", clerk.username)
    page.fill("#signin-password", clerk.password)
    page.fill("#signin-totp", clerk.code())
    page.fill("#signin-terminal", terminal["terminal_id"])
    _shot(page, "clerk-00-sign-in")
    page.click("#signin-go")
    page.wait_for_selector("#desk:not([hidden])")
    assert clerk.username in page.text_content("#who")
    # who is this: a known patient (their record was opened at registration), name masked
    _scan(page, first["code"])
    _sees(page, "老患者")
    assert first["person"].name not in page.text_content("#answer")
    # the department's queue: both checked in, in order
    page.click("button[data-tab=queue]")
    page.select_option("#queue-dept", str(schedule["department_id"]))
    rows = page.locator("#queue-rows tr")
    page.locator("#queue-rows tr.checked_in").nth(1).wait_for()
    assert rows.nth(0).get_attribute("data-appointment") == first["appointment_id"]
    assert "前面 1 人" in rows.nth(1).text_content()
    _shot(page, "clerk-01-queue")
    page.select_option("#queue-schedule", str(schedule["schedule_id"]))
    page.click("#queue-next")
    _sees(page, "请 1 号就诊")
    page.locator("#queue-rows tr.called").wait_for()
    # 退号 for the second patient: gone from the list
    page.locator(f"#queue-rows tr[data-appointment='{second['appointment_id']}'] button").click()
    _sees(page, "已退号")
    page.locator(f"#queue-rows tr[data-appointment='{second['appointment_id']}']").wait_for(
        state="detached"
    )
    _shot(page, "clerk-02-called")
    # a patient checked in elsewhere appears without anyone touching the page
    third = _checked_in(live, terminal, channel_apps, schedule)
    page.clock.run_for(6_000)
    page.locator(f"#queue-rows tr[data-appointment='{third['appointment_id']}']").wait_for()
    # the token is renewed before it lapses, and the old one ends
    old = page.evaluate("state.token")
    lifetime = int(page.evaluate("document.body.dataset.tokenExpiresIn"))
    page.clock.fast_forward(lifetime * 1000)
    page.wait_for_selector("body[data-renewed='1']")
    assert page.evaluate("state.token") != old
    stale = httpx.get(
        f"{live.base_url}/api/v1/pos/queue",
        headers={"Authorization": f"Bearer {old}"},
        params={"department_id": schedule["department_id"]},
    )
    assert stale.status_code == 401
    page.click("#queue-next")  # the renewed token works
    _sees(page, "请 3 号就诊")
    # the clerk signs out: the page's token ends with the shift
    held = page.evaluate("state.token")
    page.click("#signout")
    page.wait_for_selector("#signin:not([hidden])")
    ended = httpx.get(
        f"{live.base_url}/api/v1/pos/queue",
        headers={"Authorization": f"Bearer {held}"},
        params={"department_id": schedule["department_id"]},
    )
    assert ended.status_code == 401
