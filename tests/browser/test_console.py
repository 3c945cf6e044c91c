"""The card centre's console in headless Chromium against ``ehc demo``: sign-in with password +
TOTP, the indicators drawn by ECharts (their data checked against the stats API), card lookup,
blacklist, audit, the institutions tree and staff creation, under the service's strict CSP; a
centre admin, a district's region admin and an auditor are offered different things (what
``GET /admin/me`` grants). Screenshots in test-artifacts/console/ (three are in the README)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyotp
import pytest

from tests.browser.test_miniapp import browser  # noqa: F401 (the shared Chromium fixture)
from tests.integration.test_commands import CLEAN_ENV, read_credentials
from tests.support.processes import ehc_process, free_port

pytestmark = pytest.mark.browser
ARTIFACTS = Path(os.environ.get("EHC_ARTIFACTS_DIR", "test-artifacts")) / "console"


@pytest.fixture(scope="module")
def demo_admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    """``ehc demo`` and its admin's credentials."""
    where = tmp_path_factory.mktemp("demo-console")
    with ehc_process(["demo", "--port", str(free_port())], CLEAN_ENV, cwd=where) as base:
        creds = read_credentials(where / "demo-credentials.json")
        yield base, creds["admin"], {u["role"]: u for u in creds["users"]}


def chart_series(page, element_id: str) -> list:
    """The data of each series ECharts is drawing in ``element_id``."""
    return page.evaluate(
        "(id) => echarts.getInstanceByDom(document.getElementById(id))"
        ".getOption().series.map((s) => s.data)",
        element_id,
    )


def api_rows(page, group_by: str) -> list[dict]:
    """The stats API's rows for the range the page shows, with the page's own session."""
    return page.evaluate(
        """async (groupBy) => {
            const q = new URLSearchParams({from: document.getElementById('from').value,
              to: document.getElementById('to').value, group_by: groupBy});
            const resp = await fetch('/api/v1/admin/stats?' + q, {headers: {authorization:
              'Bearer ' + sessionStorage.getItem('ehc-admin-token')}});
            return (await resp.json()).rows;
        }""",
        group_by,
    )


def sign_in(browser, base: str, user: dict) -> object:  # noqa: F811
    """A page of the console signed in as ``user`` (each user signs in once per module: a
    TOTP code is accepted once)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/admin/")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#username", user["username"])
    page.fill("#password", user["password"])
    page.fill("#totp", pyotp.TOTP(user["totp_secret"]).now())
    page.click("#sign-in-go")
    page.wait_for_selector(f"body[data-role='{user['role']}']")
    return page


def offered_tabs(page) -> list[str]:
    """The tabs the console shows."""
    return page.eval_on_selector_all(
        "nav button:not([hidden])", "(bs) => bs.map((b) => b.dataset.tab)"
    )


def charts_match_the_api(page) -> list[dict]:
    """The trend chart draws the stats API's rows by day; returns those rows."""
    page.wait_for_function(
        "() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-trend'))"
    )
    page.locator("#region-table tbody tr").first.wait_for()
    by_day = api_rows(page, "day")
    issued, used, uses = chart_series(page, "chart-trend")
    assert (issued, used, uses) == ([r["issued"] for r in by_day], [r["used"] for r in by_day],
                                    [r["uses"] for r in by_day])  # fmt: skip
    shown = page.locator("#region-table tbody tr td:first-child").all_inner_texts()
    assert shown == [r["key"] for r in api_rows(page, "region")]
    return by_day


def test_an_admin_signs_in_and_reads_the_indicators(demo_admin, browser) -> None:  # noqa: F811
    base, admin, _ = demo_admin
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{base}/admin/")
    page.wait_for_selector("body[data-ready='1']")
    page.screenshot(path=str(ARTIFACTS / "1-sign-in.png"), full_page=True)

    page.fill("#username", admin["username"])
    page.fill("#password", "wrong password")
    page.fill("#totp", pyotp.TOTP(admin["totp_secret"]).now())
    page.click("#sign-in-go")
    page.locator("#sign-in-error").filter(has_text=" ").wait_for()

    page.fill("#password", admin["password"])
    page.fill("#totp", pyotp.TOTP(admin["totp_secret"]).now())
    page.click("#sign-in-go")
    page.wait_for_selector("#view-indicators:not([hidden])")
    page.wait_for_function(
        "() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-trend'))"
    )
    page.wait_for_timeout(800)  # the charts' entry animation
    page.screenshot(path=str(ARTIFACTS / "2-indicators.png"), full_page=True)

    assert offered_tabs(page) == ["indicators", "cards", "blacklist", "audit", "institutions",
                                  "users"]  # fmt: skip
    by_day = charts_match_the_api(page)
    assert sum(r["uses"] for r in by_day) > 0 and sum(r["issued"] for r in by_day) > 0  # seeded
    (channels,) = chart_series(page, "chart-channels")
    expected = [{"name": r["key"], "value": r["issued"]} for r in api_rows(page, "channel")
                if r["issued"]]  # fmt: skip
    assert [{"name": d["name"], "value": d["value"]} for d in channels] == expected
    by_region = api_rows(page, "region")
    shown = page.locator("#region-table tbody tr td:first-child").all_inner_texts()
    assert shown == [r["key"] for r in by_region]

    page.click("nav button[data-tab='audit']")
    page.locator("#audit-table tbody tr", has_text="admin.sign_in").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "3-audit.png"), full_page=True)

    page.click("nav button[data-tab='blacklist']")
    page.fill("#bl-number", "11010519491231002X")
    page.fill("#bl-reason", "冒用他人证件")
    page.click("#bl-add")
    page.locator("#blacklist-table tbody tr", has_text="冒用他人证件").wait_for()
    page.screenshot(path=str(ARTIFACTS / "4-blacklist.png"), full_page=True)

    page.click("nav button[data-tab='cards']")
    page.fill("#lookup-number", "11010519491231002X")
    page.click("#lookup-go")
    page.locator("#lookup-error").filter(has_text=" ").wait_for()  # no card for that number
    page.screenshot(path=str(ARTIFACTS / "5-card-lookup.png"), full_page=True)

    page.click("nav button[data-tab='institutions']")
    tree = page.locator("#inst-tree")
    tree.locator("li.institution[data-code='H33010601']").wait_for()
    city = tree.locator("li.region[data-region='330000'] li.region[data-region='330100']")
    assert city.locator("> ul > li.institution").all_inner_texts()[0].startswith("演示市电子健康卡")
    for district, hospital in (("330102", "H33010001"), ("330106", "H33010601")):
        assert city.locator(f"li.region[data-region='{district}'] li.institution"
                            f"[data-code='{hospital}']").count() == 1  # fmt: skip
    page.click("#inst-create summary")
    code = "CH" + secrets.token_hex(3).upper()
    page.fill("#new-inst-code", code)
    page.fill("#new-inst-name", "西湖区演示社区卫生服务中心")
    page.select_option("#new-inst-kind", "community_health")
    page.fill("#new-inst-region", "330106")
    page.fill("#new-inst-parent", "C33010000")
    page.click("#new-inst-go")
    made = tree.locator(f"li.region[data-region='330106'] li.institution[data-code='{code}']")
    made.wait_for()
    page.screenshot(path=str(ARTIFACTS / "6-institutions.png"), full_page=True)
    made.locator("button.deactivate").click()  # arms
    assert made.locator("text=停用 deactivated").count() == 0
    made.locator("button.deactivate").click()  # confirms
    page.wait_for_selector(f"li.institution.inactive[data-code='{code}']")
    answer = page.evaluate(
        """async (code) => (await fetch('/api/v1/admin/institutions/' + code, {headers: {
            authorization: 'Bearer ' + sessionStorage.getItem('ehc-admin-token')}})).json()""",
        code,
    )
    assert answer["active"] is False
    page.select_option("#inst-active", "false")
    page.click("#inst-go")
    page.wait_for_selector("#inst-tree li.institution[data-code='H33010601']", state="detached")
    codes = page.eval_on_selector_all(
        "#inst-tree li.institution", "(l) => l.map((i) => i.dataset.code)"
    )
    assert code in codes and all(c not in codes for c in ("H33010001", "H33010601", "C33010000"))
    page.select_option("#inst-active", "")

    page.click("nav button[data-tab='users']")
    page.locator("#users-table tbody tr[data-username='demo-auditor']").wait_for()
    assert page.locator("#new-role option").all_inner_texts()[0].endswith("centre_admin")
    username = "clerk-" + secrets.token_hex(3)
    page.fill("#new-username", username)
    page.select_option("#new-role", "clerk")
    page.fill("#new-scope", "H33010601")
    page.click("#new-user-go")
    page.wait_for_selector("#user-made:not([hidden])")
    password = page.inner_text("#made-password")
    uri = page.inner_text("#made-uri")
    assert uri.startswith("otpauth://totp/") and page.locator("#made-qr svg").count() == 1
    page.locator(f"#users-table tbody tr[data-username='{username}']").wait_for()
    page.screenshot(path=str(ARTIFACTS / "7-new-user.png"), full_page=True)
    signed_in = httpx.post(f"{base}/api/v1/admin/sessions", json={
        "username": username, "password": password,
        "totp": pyotp.parse_uri(uri).now()})  # fmt: skip
    assert signed_in.status_code == 201, signed_in.text  # what was shown works, once
    row = page.locator(f"#users-table tbody tr[data-username='{username}']")
    row.locator("button").click()
    row.locator("button").click()
    page.locator(f"#users-table tbody tr[data-username='{username}']",
                 has_text="停用 disabled").wait_for()  # fmt: skip
    assert not refused, refused
    page.close()


def test_a_district_admin_is_offered_only_its_district(demo_admin, browser) -> None:  # noqa: F811
    base, _, users = demo_admin
    page = sign_in(browser, base, users["region_admin"])
    assert "region_admin · 330106" in page.inner_text("#who")
    assert offered_tabs(page) == ["indicators", "cards", "blacklist", "audit", "institutions",
                                  "users"]  # fmt: skip
    charts_match_the_api(page)
    regions = page.locator("#region-table tbody tr td:first-child").all_inner_texts()
    assert regions and all(code.startswith("330106") for code in regions)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "8-region-admin.png"), full_page=True)

    page.click("nav button[data-tab='institutions']")
    page.locator("#inst-tree li.institution[data-code='H33010601']").wait_for()
    codes = page.eval_on_selector_all(
        "#inst-tree li.institution", "(l) => l.map((i) => i.dataset.code)"
    )
    assert "H33010001" not in codes and "C33010000" not in codes
    assert page.locator("#inst-tree li.region[data-region='330102']").count() == 0

    page.click("nav button[data-tab='users']")
    page.locator("#users-table tbody tr[data-username='demo-region-admin']").wait_for()
    listed = page.eval_on_selector_all(
        "#users-table tbody tr", "(r) => r.map((t) => t.dataset.username)"
    )
    assert "demo-admin" not in listed and "demo-auditor" not in listed
    roles = page.eval_on_selector_all("#new-role option", "(o) => o.map((x) => x.value)")
    assert roles == ["region_admin", "institution_admin", "auditor", "clerk"]
    assert page.input_value("#new-scope") == "330106"
    page.close()


def test_an_auditor_is_offered_reading_only(demo_admin, browser) -> None:  # noqa: F811
    base, _, users = demo_admin
    page = sign_in(browser, base, users["auditor"])
    assert offered_tabs(page) == ["indicators", "audit"]
    charts_match_the_api(page)
    for hidden in ("#blacklist-form", "#user-create", "#inst-create"):
        assert not page.is_visible(hidden), hidden
    page.click("nav button[data-tab='audit']")
    page.locator("#audit-table tbody tr").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "9-auditor.png"), full_page=True)
    page.close()
