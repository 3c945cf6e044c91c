"""Admin sign-in with password + TOTP, lock-out, sign-out and the audit trail."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter

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


async def failures_audited(api, admin_headers, username: str) -> int:
    resp = await api.get(
        "/api/v1/admin/audit",
        params={"action": "admin.sign_in_failed", "actor_id": username},
        headers=admin_headers,
    )
    return sum(e["actor_id"] == username for e in resp.json()["entries"])


def wrong_code(account) -> str:
    return f"{(int(account.code()) + 1) % 1_000_000:06d}"


async def test_100_concurrent_totp_guesses_get_at_most_five_evaluated(
    api, live, admin_headers
) -> None:
    account = create_admin(live)
    guesses = [f"{n:06d}" for n in range(100) if f"{n:06d}" != account.code()]
    answers = await asyncio.gather(*(api.post(SESSIONS, json=body(account, g)) for g in guesses))
    statuses = Counter(r.status_code for r in answers)
    assert set(statuses) <= {401, 423} and statuses[401] <= 5, statuses
    assert await failures_audited(api, admin_headers, account.username) == statuses[401]
    # The right password and code cannot get in once the guesses used the allowance.
    after = await api.post(SESSIONS, json=body(account))
    assert after.status_code == 423 and after.json()["error"]["code"] == "ACCOUNT_LOCKED"
    assert 0 < int(after.headers["retry-after"]) <= 15 * 60


async def test_30_concurrent_wrong_passwords_get_at_most_five_evaluated(
    api, live, admin_headers
) -> None:
    account = create_admin(live)
    answers = await asyncio.gather(
        *(api.post(SESSIONS, json=body(account, password=f"guess-{n}")) for n in range(30))
    )
    statuses = Counter(r.status_code for r in answers)
    assert statuses[401] <= 5 and statuses[401] + statuses[423] == 30, statuses
    assert await failures_audited(api, admin_headers, account.username) == statuses[401]
    assert (await api.post(SESSIONS, json=body(account))).status_code == 423


async def test_unknown_usernames_lock_the_same_way(api) -> None:
    name = f"nobody-{secrets.token_hex(4)}"
    guess = {"username": name, "password": "pw", "totp": "123456"}
    answers = await asyncio.gather(*(api.post(SESSIONS, json=guess) for _ in range(12)))
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {401: 5, 423: 7}
    assert {r.json()["error"]["code"] for r in answers} == {"BAD_CREDENTIALS", "ACCOUNT_LOCKED"}
    assert all(
        0 < int(r.headers["retry-after"]) <= 15 * 60 for r in answers if r.status_code == 423
    )


async def test_a_successful_sign_in_does_not_use_the_allowance(api, live) -> None:
    account = create_admin(live)
    for _ in range(4):
        assert (
            await api.post(SESSIONS, json=body(account, wrong_code(account)))
        ).status_code == 401
    assert (await api.post(SESSIONS, json=body(account))).status_code == 201
    # still one failure left before the lock
    assert (await api.post(SESSIONS, json=body(account, password="nope"))).status_code == 401
    assert (await api.post(SESSIONS, json=body(account, password="nope"))).status_code == 423


async def test_sign_in_answers_carry_no_store(api, live) -> None:
    account = create_admin(live)
    resp = await api.post(SESSIONS, json=body(account))
    assert resp.status_code == 201 and resp.headers["cache-control"] == "no-store"
