"""The card centre's console in headless Chromium against ``ehc demo``: sign-in with password +
TOTP, the indicators drawn by ECharts (their data checked against the stats API), card lookup,
blacklist and audit, under the service's strict CSP; screenshots in test-artifacts/console/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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
        yield base, creds["admin"]


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


def test_an_admin_signs_in_and_reads_the_indicators(demo_admin, browser) -> None:  # noqa: F811
    base, admin = demo_admin
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

    by_day = api_rows(page, "day")
    issued, used, uses = chart_series(page, "chart-trend")
    assert issued == [r["issued"] for r in by_day]
    assert used == [r["used"] for r in by_day]
    assert uses == [r["uses"] for r in by_day]
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
    page.wait_for_selector("#view-institutions:not([hidden])")
    assert not refused, refused
    page.close()
