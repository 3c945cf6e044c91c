"""``GET /api/v1/admin/stats``: cards issued and used, by day, institution and channel."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.support.counter import qr_payload, terminal_headers
from tests.support.resident import new_holder
from tests.support.waiting import eventually


async def _stats(api, admin_headers, **params: str) -> dict:
    resp = await api.get("/api/v1/admin/stats", params=params, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_a_collected_card_and_its_use_at_a_counter_are_counted(
    api, admin_headers, channel_apps, terminal
) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    window = {"from": today, "to": today}
    before = await _stats(api, admin_headers, **window)
    holder = await new_holder(api, channel_apps["wechat"]["app_id"])
    pos = await terminal_headers(api, terminal)
    for _ in range(2):  # used twice, counted once: figures are cards, not scans
        code = await qr_payload(api, holder["token"], holder["card"]["card_id"])
        verified = await api.post("/api/v1/pos/verify", json={"qr": code}, headers=pos)
        assert verified.status_code == 200, verified.text

    async def use_recorded() -> bool:  # usage rows are written in batches, a moment later
        now = await _stats(api, admin_headers, **window)
        return now["used"]["total"] > before["used"]["total"]

    await eventually(use_recorded)
    after = await _stats(api, admin_headers, **window)

    assert (after["from"], after["to"]) == (today, today)
    issued, used = after["issued"], after["used"]
    assert issued["total"] == before["issued"]["total"] + 1
    assert issued["by_day"][today] >= 1 and issued["by_channel"]["wechat"] >= 1
    assert used["total"] == before["used"]["total"] + 1
    assert used["by_institution"][terminal["institution_code"]] >= 1
    assert sum(used["by_channel"].values()) >= 1


async def test_a_backwards_range_is_refused(api, admin_headers) -> None:
    resp = await api.get(
        "/api/v1/admin/stats",
        params={"from": "2026-11-02", "to": "2026-11-01"},
        headers=admin_headers,
    )
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "VALIDATION_ERROR"
