"""Roles with scopes on every admin route (API.md "Institutions, regions, roles"): a matrix of
every route of ``admin_door()`` × every role × a resource inside and outside the role's scope,
then what a district's region admin sees and that an auditor changes nothing."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest

from api.web.app import admin_door
from tests.support.hospital import ensure_hospital, new_schedule, tomorrow_at
from tests.support.people import id_number
from tests.support.staff import new_staff, resident_of

WEST, EAST = "330106", "330102"  # 西湖区 (inside the region admin's scope), 上城区 (outside)
ROLES = ("auditor", "clerk", "institution_admin", "region_admin", "centre_admin")
CHANGES = ("POST", "PUT", "PATCH", "DELETE")


async def _hospital(api, admin, region: str) -> dict:
    code = "H" + region + secrets.token_hex(2).upper()
    await ensure_hospital(api, admin, code)
    moved = await api.patch(f"/api/v1/admin/institutions/{code}", json={"region_code": region},
                            headers=admin)  # fmt: skip
    assert moved.status_code == 200, moved.text
    start = tomorrow_at(9)
    schedule = await new_schedule(api, admin, code, [(start, start + timedelta(minutes=30), 5)])
    terminal = await api.post(
        "/api/v1/admin/terminals",
        headers=admin,
        json={"name": "窗口", "institution_code": code, "kind": "counter"},
    )
    assert terminal.status_code == 201, terminal.text
    blacklisted = id_number(tomorrow_at(0).date() - timedelta(days=9000), 7, region)
    entry = await api.post(
        "/api/v1/admin/blacklist",
        headers=admin,
        json={"id_type": "01", "id_number": blacklisted, "reason": "测试"},
    )
    assert entry.status_code == 201, entry.text
    return {
        "institution_code": code, "hospital_code": code, "region_code": region,
        "terminal_id": terminal.json()["terminal_id"],
        "client_id": terminal.json()["terminal_id"],
        "schedule_id": schedule["schedule_id"], "department_id": schedule["department_id"],
        "doctor_id": schedule["doctor"]["doctor_id"], "entry_id": entry.json()["id"],
    }  # fmt: skip


@pytest.fixture(scope="module")
async def world(live, admin_headers, channel_apps) -> dict:
    """Two districts, a hospital each with a terminal, a schedule, a resident's card and a
    blacklist entry; staff of every role scoped to the west district or its hospital."""
    import httpx

    async with httpx.AsyncClient(base_url=live.base_url) as api:
        sides = {"in": await _hospital(api, admin_headers, WEST),
                 "out": await _hospital(api, admin_headers, EAST)}  # fmt: skip
        for side, region in (("in", WEST), ("out", EAST)):
            holder = await resident_of(api, channel_apps["wechat"]["app_id"], region)
            sides[side]["card_id"] = holder["card"]["card_id"]
            sides[side]["person"] = holder["person"]
            sides[side]["holder"] = holder
            victim = await api.post("/api/v1/admin/users", headers=admin_headers, json={
                "username": f"victim-{side}-{secrets.token_hex(3)}", "role": "clerk",
                "scope": sides[side]["institution_code"]})  # fmt: skip
            assert victim.status_code == 201, victim.text
            sides[side]["username"] = victim.json()["username"]
        west = sides["in"]["institution_code"]
        scopes = {"region_admin": WEST, "institution_admin": west, "auditor": WEST,
                  "clerk": west}  # fmt: skip
        staff = {role: (await new_staff(api, admin_headers, role, scope))[1]
                 for role, scope in scopes.items()}  # fmt: skip
    staff["centre_admin"] = admin_headers
    return {"sides": sides, "staff": staff}


def _body(method: str, path: str, side: dict) -> dict | None:
    """A well-formed body for each route that takes one, naming ``side``'s resources."""
    tag = secrets.token_hex(3).upper()
    code, region = side["institution_code"], side["region_code"]
    slot = tomorrow_at(14)
    bodies = {
        "/api/v1/admin/institutions": {"code": "C" + tag, "name": "社区卫生服务中心",
                                       "kind": "community_health", "region_code": region},
        "/api/v1/admin/institutions/{institution_code}": {"name": "改名医院"},
        "/api/v1/admin/regions/{region_code}": {"name": "区", "population": 100000},
        "/api/v1/admin/users": {"username": "u" + tag, "role": "clerk", "scope": code},
        "/api/v1/admin/clients": {"name": "t", "kind": "terminal", "institution_code": code},
        "/api/v1/admin/terminals": {"name": "t", "kind": "counter", "institution_code": code},
        "/api/v1/admin/hospitals": {"code": "H" + tag, "name": "医院", "region_code": region},
        "/api/v1/admin/hospitals/{hospital_code}/departments": {"code": "D" + tag, "name": "科"},
        "/api/v1/admin/departments/{department_id}/doctors": {"code": "R" + tag, "name": "王医生",
                                                              "title": "医师"},
        "/api/v1/admin/departments/{department_id}": {"name": "新科室"},
        "/api/v1/admin/doctors/{doctor_id}": {"title": "主任医师"},
        "/api/v1/admin/schedules/{schedule_id}": {"room": "202"},
        "/api/v1/admin/schedules/{schedule_id}/stop": {"reason": "停诊"},
        "/api/v1/admin/schedules": {
            "doctor_id": side["doctor_id"], "date": slot.date().isoformat(), "period": "afternoon",
            "fee": 0, "room": "1", "slots": [{"start": slot.isoformat(), "capacity": 1,
                                              "end": (slot + timedelta(minutes=30)).isoformat()}]},
        "/api/v1/admin/cards/lookup": {"id_type": "01", "id_number": side["person"].id_number},
        "/api/v1/admin/blacklist": {"id_type": "01", "reason": "x", "id_number": id_number(
            tomorrow_at(0).date() - timedelta(days=12000), 9, region)},
        "/api/v1/payments/{payment_id}/refund": {"amount": 1, "reason": "x"},
        "/api/v1/admin/settings/qr": {"lifetime": 60},
        "/api/v1/admin/channel-apps": {"kind": "inhouse", "name": "x"},
    }  # fmt: skip
    if path in bodies:
        return bodies[path]
    if re.search(r"/(freeze|unfreeze|cancel)$", path):
        return {"reason": "测试"}
    return {} if method in ("POST", "PUT", "PATCH") else None


FILLERS = {"app_id": "wxnone", "event": "booking_confirmed", "channel": "wechat",
           "message_id": 999999999, "payment_id": "PNONE", "discrepancy_id": 999999}  # fmt: skip


def _path(template: str, side: dict) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(side.get(name, FILLERS.get(name)))

    return re.sub(r"{(\w+)(?::\w+)?}", value, template)


def _routes() -> list[tuple[str, str]]:
    found = []
    for route in admin_door():
        spec = route.spec  # type: ignore[attr-defined]
        if spec.path == "/api/v1/admin/sessions":  # signing in and out: no role needed
            continue
        found.append((spec.method, spec.path))
    return found


async def test_every_admin_route_answers_each_role_inside_and_outside_its_scope(api, world) -> None:
    routes = _routes()
    assert len(routes) > 50
    seen: list[str] = []
    for role in ROLES:
        headers = world["staff"][role]
        for method, template in routes:
            for side_name in ("in", "out"):
                side = world["sides"][side_name]
                params = {"hospital_code": side["hospital_code"]} if template.endswith(
                    "/admin/schedules") and method == "GET" else None  # fmt: skip
                resp = await api.request(
                    method,
                    _path(template, side),
                    headers=headers,
                    json=_body(method, template, side),
                    params=params,
                )
                where = f"{role} {method} {template} ({side_name}): {resp.status_code} {resp.text}"
                seen.append(where)
                assert resp.status_code < 500, where
                assert resp.status_code not in (401,), where  # sessions stay alive
                ok = resp.status_code < 300
                if role == "auditor":
                    readable = method == "GET" and template.endswith(
                        ("/stats", "/audit", "/regions", "/me")
                    )
                    assert ok == readable or not ok, where
                    assert not ok or readable, where
                    if not readable:
                        assert resp.status_code in (403, 404, 422), where
                if role == "clerk" and method in CHANGES:
                    assert not ok or template.endswith("/replace"), where
                scoped = role != "centre_admin"
                names_a_resource = "{" in template or (method in CHANGES and template in (
                    "/api/v1/admin/institutions", "/api/v1/admin/users", "/api/v1/admin/clients",
                    "/api/v1/admin/terminals", "/api/v1/admin/hospitals",
                    "/api/v1/admin/schedules", "/api/v1/admin/blacklist"))  # fmt: skip
                if scoped and side_name == "out" and names_a_resource:
                    assert not ok, where
    assert len(seen) == len(routes) * len(ROLES) * 2


async def test_a_district_admin_sees_only_its_institutions_cards_and_figures(
    api, admin_headers, world
) -> None:
    west, east = world["sides"]["in"], world["sides"]["out"]
    mine = world["staff"]["region_admin"]
    listed = await api.get("/api/v1/admin/institutions", headers=mine)
    codes = {i["code"] for i in listed.json()["institutions"]}
    assert west["institution_code"] in codes and east["institution_code"] not in codes
    assert all(i["region_code"].startswith(WEST) for i in listed.json()["institutions"])
    everything = await api.get("/api/v1/admin/institutions", headers=admin_headers)
    assert east["institution_code"] in {i["code"] for i in everything.json()["institutions"]}

    own = await api.get(f"/api/v1/admin/institutions/{west['institution_code']}", headers=mine)
    foreign = await api.get(f"/api/v1/admin/institutions/{east['institution_code']}", headers=mine)
    assert own.status_code == 200
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "NOT_FOUND"

    cards = await api.get("/api/v1/admin/cards", headers=mine)
    assert cards.status_code == 200
    regions = {c["region_code"] for c in cards.json()["cards"]}
    assert regions == {WEST}
    assert (
        await api.get(f"/api/v1/admin/cards/{east['card_id']}", headers=mine)
    ).status_code == 404

    figures = await api.get("/api/v1/admin/stats", headers=mine)
    assert figures.status_code == 200
    institutions = set(figures.json()["used"]["by_institution"])
    assert east["institution_code"] not in institutions

    terminals = await api.get("/api/v1/admin/terminals", headers=mine)
    assert {t["institution_code"] for t in terminals.json()["terminals"]} <= codes

    forbidden = await api.put("/api/v1/admin/settings/qr", json={"lifetime": 30}, headers=mine)
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "FORBIDDEN"


async def test_an_auditor_reads_figures_and_audit_and_changes_nothing(api, world) -> None:
    auditor = world["staff"]["auditor"]
    assert (await api.get("/api/v1/admin/stats", headers=auditor)).status_code == 200
    trail = await api.get("/api/v1/admin/audit", headers=auditor)
    assert trail.status_code == 200
    west = world["sides"]["in"]
    frozen = await api.post(f"/api/v1/admin/cards/{west['card_id']}/freeze",
                            json={"reason": "x"}, headers=auditor)  # fmt: skip
    assert frozen.status_code == 403 and frozen.json()["error"]["code"] == "FORBIDDEN"
    made = await api.post("/api/v1/admin/users", headers=auditor,
                          json={"username": "x" + secrets.token_hex(3), "role": "clerk",
                                "scope": west["institution_code"]})  # fmt: skip
    assert made.status_code == 403


async def test_each_role_is_told_what_it_may_do_and_where(api, world) -> None:
    """``GET /admin/me``: the console offers what this answers, so it must be the policy's."""
    answers = {role: (await api.get("/api/v1/admin/me", headers=world["staff"][role])).json()
               for role in ROLES}  # fmt: skip
    assert answers["auditor"]["actions"] == ["audit.read", "stats.read"]
    assert answers["auditor"]["reach"] == {"region_prefix": WEST, "institution_code": None}
    assert answers["region_admin"]["reach"]["region_prefix"] == WEST
    assert "user.manage" in answers["region_admin"]["actions"]
    assert "centre.manage" not in answers["region_admin"]["actions"]
    assert answers["region_admin"]["grantable_roles"] == [
        "region_admin", "institution_admin", "auditor", "clerk"]  # fmt: skip
    assert answers["auditor"]["grantable_roles"] == []
    assert answers["institution_admin"]["grantable_roles"] == ["auditor", "clerk"]
    assert answers["clerk"]["reach"]["institution_code"] == world["sides"]["in"]["institution_code"]
    assert "blacklist.manage" not in answers["clerk"]["actions"]
    assert answers["centre_admin"]["reach"] == {"region_prefix": None, "institution_code": None}
    assert {"centre.manage", "user.manage", "blacklist.manage"} <= set(
        answers["centre_admin"]["actions"]
    )
