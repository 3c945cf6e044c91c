"""``GET /api/v1/admin/stats?group_by=``: the guide's indicators as rows, and the same rows as
CSV and XLSX downloads that open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.support.counter import qr_payload, terminal_headers
from tests.support.resident import new_holder
from tests.support.waiting import eventually

COLUMNS = ["key", "issued", "used", "uses", "collection_rate"]


def today() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


async def _rows(api, admin_headers, **params: str) -> dict[str, dict]:
    resp = await api.get("/api/v1/admin/stats", params=params, headers=admin_headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"from", "to", "group_by", "rows"}
    return {row["key"]: row for row in body["rows"]}


async def test_uses_at_two_scenes_show_by_scene_channel_and_day(
    api, admin_headers, channel_apps, terminal
) -> None:
    window = {"from": today(), "to": today()}
    before = await _rows(api, admin_headers, group_by="scene", **window)
    holder = await new_holder(api, channel_apps["alipay"]["app_id"], "alipay")
    pos = await terminal_headers(api, terminal)
    for scene in ("registration", "pharmacy", "pharmacy"):
        code = await qr_payload(api, holder["token"], holder["card"]["card_id"])
        resp = await api.post("/api/v1/pos/verify", json={"qr": code, "scene": scene}, headers=pos)
        assert resp.status_code == 200, resp.text

    def figure(rows: dict, key: str, name: str) -> int:
        return rows.get(key, {}).get(name, 0)

    async def recorded() -> bool:  # usage is written in batches, a moment later
        now = await _rows(api, admin_headers, group_by="scene", **window)
        return figure(now, "pharmacy", "uses") >= figure(before, "pharmacy", "uses") + 2

    await eventually(recorded)
    after = await _rows(api, admin_headers, group_by="scene", **window)
    assert figure(after, "pharmacy", "uses") == figure(before, "pharmacy", "uses") + 2
    assert figure(after, "pharmacy", "used") == figure(before, "pharmacy", "used") + 1
    assert figure(after, "registration", "used") == figure(before, "registration", "used") + 1
    by_day = await _rows(api, admin_headers, group_by="day", **window)
    assert by_day[today()]["issued"] >= 1 and by_day[today()]["used"] >= 1
    by_channel = await _rows(api, admin_headers, group_by="channel", **window)
    assert by_channel["alipay"]["issued"] >= 1
    assert by_channel[terminal.get("channel_code", "0100")]["uses"] >= 3
    home = holder["person"].id_number[:6]  # the holder's region: their ID number's first digits
    by_region = await _rows(api, admin_headers, group_by="region", **window)
    assert by_region[home]["issued"] >= 1
    regions = await api.get("/api/v1/admin/regions", headers=admin_headers)
    population = {r["code"]: r["population"] for r in regions.json()["regions"]}.get(home)
    if population:  # another test may have recorded the region's population
        assert 0 < by_region[home]["collection_rate"] <= 1
    else:
        assert by_region[home]["collection_rate"] is None
    inside = await _rows(api, admin_headers, group_by="day", region=home[:4], **window)
    assert inside[today()]["issued"] >= 1


async def test_csv_and_xlsx_hold_the_same_rows(api, admin_headers) -> None:
    params = {"from": "2026-01-01", "to": today(), "group_by": "day"}
    shown = await api.get("/api/v1/admin/stats", params=params, headers=admin_headers)
    expected = [[r[c] for c in COLUMNS] for r in shown.json()["rows"]]
    as_csv = await api.get(
        "/api/v1/admin/stats", params={**params, "format": "csv"}, headers=admin_headers
    )
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert lines[0] == COLUMNS
    assert [[r[0], *map(int, r[1:4]), r[4] or None] for r in lines[1:]] == expected
    as_xlsx = await api.get(
        "/api/v1/admin/stats", params={**params, "format": "xlsx"}, headers=admin_headers
    )
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    # an empty cell (a null rate) may end a row early
    cells = [[*row, *[None] * (5 - len(row))] for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == COLUMNS and cells[1:] == expected


async def test_a_bad_grouping_or_region_is_refused(api, admin_headers) -> None:
    for params in ({"group_by": "week"}, {"group_by": "day", "region": "1101x"}):
        resp = await api.get("/api/v1/admin/stats", params=params, headers=admin_headers)
        assert resp.status_code == 422 and resp.json()["error"]["code"] == "VALIDATION_ERROR"
