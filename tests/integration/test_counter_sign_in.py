"""The clerk's page signs in as a `clerk` (password + TOTP, at a window of its own institution)
or with the window's own credentials; a clerk's token is renewed until the shift ends and ends
with the clerk (API.md "The hospital counter and the HIS")."""

from __future__ import annotations

import random
import secrets
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.admin import AdminAccount
from tests.support.hospital import ensure_hospital
from tests.support.partner import bearer
from tests.support.people import make_person

SIGN_IN = "/counter/sign-in"
pytestmark = pytest.mark.storage


async def _staff(api, admin_headers, role: str, scope: str | None) -> AdminAccount:
    """A staff account, not yet signed in (its TOTP code is still unspent)."""
    username = f"{role}-{secrets.token_hex(3)}"
    made = await api.post("/api/v1/admin/users", headers=admin_headers,
                          json={"username": username, "role": role, "scope": scope})  # fmt: skip
    assert made.status_code == 201, made.text
    secret = parse_qs(urlparse(made.json()["totp_uri"]).query)["secret"][0]
    return AdminAccount(username, made.json()["password"], secret)


async def _window(api, admin_headers, code: str) -> str:
    window = {"name": "收费窗口", "institution_code": code, "kind": "counter"}
    made = await api.post("/api/v1/admin/terminals", headers=admin_headers, json=window)
    assert made.status_code == 201, made.text
    return made.json()["terminal_id"]


def _clerk_body(account: AdminAccount, terminal_id: str | None = None) -> dict:
    body = {"username": account.username, "password": account.password, "totp": account.code()}
    return {**body, "terminal_id": terminal_id} if terminal_id else body


async def _works(api, token: str) -> int:
    """What a counter call answers with this token (200 or 404: it was let in)."""
    return (await api.get("/api/v1/pos/queue", params={"department_id": 1},
                          headers=bearer(token))).status_code  # fmt: skip


async def test_a_clerk_signs_in_at_a_window_of_its_institution(
    api, admin_headers, terminal, clinic
) -> None:
    clerk = await _staff(api, admin_headers, "clerk", terminal["institution_code"])
    signed = await api.post(SIGN_IN, json=_clerk_body(clerk, terminal["terminal_id"]))
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["clerk"] == clerk.username and body["terminal_id"] == terminal["terminal_id"]
    assert body["institution_code"] == terminal["institution_code"] and body["expires_in"] > 0
    assert await _works(api, body["access_token"]) in (200, 404)
    # the audit names the clerk, at that window
    mine = {"action": "counter.sign_in", "actor_id": clerk.username}
    audit = await api.get("/api/v1/admin/audit", headers=admin_headers, params=mine)
    assert [e["target_id"] for e in audit.json()["entries"]] == [terminal["terminal_id"]]
    # what the clerk does at the window is audited under the clerk's name
    person = make_person(random.Random(secrets.randbits(64)))
    document = {"name": person.name, "id_type": "01", "id_number": person.id_number,
                "document_source": "id_reader"}  # fmt: skip
    issued = await api.post("/api/v1/pos/cards", json=document,
                            headers=bearer(body["access_token"]))  # fmt: skip
    assert issued.status_code == 201, issued.text
    done = {"action": "card.counter_issue", "target_id": issued.json()["card_id"]}
    audit = await api.get("/api/v1/admin/audit", headers=admin_headers, params=done)
    assert [e["actor_id"] for e in audit.json()["entries"]] == [clerk.username]
    # the page holds no admin session: the token opens no door but the counter's
    console = await api.get("/api/v1/admin/users", headers=bearer(body["access_token"]))
    assert console.status_code == 403


async def test_a_clerk_may_not_work_another_institutions_window(
    api, admin_headers, terminal, clinic
) -> None:
    elsewhere = "HC" + secrets.token_hex(3).upper()
    await ensure_hospital(api, admin_headers, elsewhere)
    clerk = await _staff(api, admin_headers, "clerk", elsewhere)
    refused = await api.post(SIGN_IN, json=_clerk_body(clerk, terminal["terminal_id"]))
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "NOT_FOUND"
    # its own institution's only window needs no naming
    own = await _window(api, admin_headers, elsewhere)
    clerk = await _staff(api, admin_headers, "clerk", elsewhere)
    signed = await api.post(SIGN_IN, json=_clerk_body(clerk))
    assert signed.status_code == 200, signed.text
    assert signed.json()["terminal_id"] == own and signed.json()["institution_code"] == elsewhere


async def test_wrong_credentials_and_roles_without_counter_work_are_refused(
    api, admin_headers, terminal, clinic
) -> None:
    clerk = await _staff(api, admin_headers, "clerk", terminal["institution_code"])
    wrong = {**_clerk_body(clerk, terminal["terminal_id"]), "totp": "000000"}
    if wrong["totp"] == clerk.code():
        wrong["totp"] = "000001"
    refused = await api.post(SIGN_IN, json=wrong)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "BAD_CREDENTIALS"
    auditor = await _staff(api, admin_headers, "auditor", terminal["institution_code"])
    forbidden = await api.post(SIGN_IN, json=_clerk_body(auditor, terminal["terminal_id"]))
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "FORBIDDEN"
    half = await api.post(SIGN_IN, json={"username": clerk.username, "password": "x"})
    assert half.status_code == 422


async def test_a_clerks_token_is_renewed_and_ends_with_the_clerk(
    api, admin_headers, terminal, clinic
) -> None:
    clerk = await _staff(api, admin_headers, "clerk", terminal["institution_code"])
    signed = await api.post(SIGN_IN, json=_clerk_body(clerk, terminal["terminal_id"]))
    old = signed.json()["access_token"]
    renewed = await api.post("/counter/renew", headers=bearer(old))
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()["access_token"]
    assert fresh != old and await _works(api, fresh) in (200, 404)
    assert await _works(api, old) == 401  # the renewed token ended
    # a window's own token is not renewed this way: it signs in again with its secret
    own_credentials = {k: terminal[k] for k in ("terminal_id", "terminal_secret")}
    window = await api.post(SIGN_IN, json=own_credentials)
    assert window.status_code == 200 and window.json()["clerk"] is None
    own = await api.post("/counter/renew", headers=bearer(window.json()["access_token"]))
    assert own.status_code == 401
    # the clerk leaves: the counter token ends at once and cannot be renewed
    gone = await api.post(f"/api/v1/admin/users/{clerk.username}/disable", headers=admin_headers)
    assert gone.status_code == 200, gone.text
    assert await _works(api, fresh) == 401
    assert (await api.post("/counter/renew", headers=bearer(fresh))).status_code == 401
