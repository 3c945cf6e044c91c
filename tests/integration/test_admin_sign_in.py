"""Admin sign-in with password + TOTP, lock-out, sign-out and the audit trail."""

from __future__ import annotations

import time

import pytest

from tests.support.admin import create_admin, sign_in
from tests.support.partner import bearer

SESSIONS = "/api/v1/admin/sessions"


def body(account, code: str | None = None, password: str | None = None) -> dict[str, str]:
    return {
        "username": account.username,
        "password": password or account.password,
        "totp": code or account.code(),
    }


async def test_password_and_totp_sign_in_and_the_code_works_only_once(api, live) -> None:
    account = create_admin(live)
    code = account.code()
    first = await api.post(SESSIONS, json=body(account, code))
    assert first.status_code == 201
    token = first.json()["token"]
    assert (await api.get("/api/v1/admin/clients", headers=bearer(token))).status_code == 200
    again = await api.post(SESSIONS, json=body(account, code))
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "BAD_CREDENTIALS"


async def test_wrong_totp_or_password_is_refused(api, live) -> None:
    account = create_admin(live)
    wrong_code = f"{(int(account.code()) + 1) % 1_000_000:06d}"
    resp = await api.post(SESSIONS, json=body(account, wrong_code))
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "BAD_CREDENTIALS"
    resp = await api.post(SESSIONS, json=body(account, password="wrong-password"))
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "BAD_CREDENTIALS"
    resp = await api.post(SESSIONS, json={**body(account), "username": "no-such-admin"})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "BAD_CREDENTIALS"


async def test_previous_time_step_is_accepted(api, live) -> None:
    account = create_admin(live)
    resp = await api.post(SESSIONS, json=body(account, account.code(time.time() - 30)))
    assert resp.status_code == 201


async def test_five_failures_lock_the_account_even_for_the_right_code(api, live) -> None:
    account = create_admin(live)
    for _ in range(5):
        resp = await api.post(SESSIONS, json=body(account, password="nope"))
        assert resp.status_code == 401
    locked = await api.post(SESSIONS, json=body(account))
    assert locked.status_code == 423
    assert locked.json()["error"]["code"] == "ACCOUNT_LOCKED"
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60


async def test_sign_out_ends_the_session(api, live) -> None:
    account = create_admin(live)
    headers = bearer(await sign_in(api, account))
    assert (await api.delete(SESSIONS, headers=headers)).status_code == 204
    assert (await api.get("/api/v1/admin/clients", headers=headers)).status_code == 401


async def test_admin_actions_are_audited_with_who_what_and_where(api, admin_headers) -> None:
    made = await api.post(
        "/api/v1/admin/clients", json={"name": "Kiosk 3", "kind": "terminal"}, headers=admin_headers
    )
    client_id = made.json()["client_id"]
    await api.post(f"/api/v1/admin/clients/{client_id}/revoke", headers=admin_headers)
    resp = await api.get(
        "/api/v1/admin/audit", params={"target_id": client_id}, headers=admin_headers
    )
    entries = resp.json()["entries"]
    assert [e["action"] for e in entries] == ["client.revoke", "client.create"]
    assert all(e["actor_id"] == "session-admin" and e["ip"] == "127.0.0.1" for e in entries)
    signins = await api.get(
        "/api/v1/admin/audit", params={"action": "admin.sign_in"}, headers=admin_headers
    )
    assert any(e["actor_id"] == "session-admin" for e in signins.json()["entries"])


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}])
async def test_admin_endpoints_need_a_session(api, headers) -> None:
    resp = await api.get("/api/v1/admin/audit", headers=headers)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "UNAUTHENTICATED"


def test_admin_create_refuses_an_existing_name_without_reset(live) -> None:
    create_admin(live, "twice-admin")
    again = live.ehc("admin", "create", "twice-admin", check=False)
    assert again.returncode == 1 and "already exists" in again.stdout
