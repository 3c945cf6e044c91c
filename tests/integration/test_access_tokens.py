"""``POST /api/v1/auth/token`` as a partner would use it, written from API.md."""

from __future__ import annotations

import time

import httpx
import pytest

from api.crypto import generate_keypair, sm2_sign
from tests.support.partner import access_token, bearer, token_request

TOKEN = "/api/v1/auth/token"


async def new_client(api: httpx.AsyncClient, admin: dict[str, str], **extra: object) -> dict:
    body = {"name": "Partner app", "kind": "partner", **extra}
    resp = await api.post("/api/v1/admin/clients", json=body, headers=admin)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_signed_request_gets_a_working_token(api, admin_headers) -> None:
    client = await new_client(api, admin_headers)
    resp = await api.post(TOKEN, json=token_request(client["client_id"], client["client_secret"]))
    assert resp.status_code == 200
    body = resp.json()
    assert body["expires_in"] > 0 and len(body["access_token"]) >= 32


async def test_reused_nonce_is_replayed(api, admin_headers) -> None:
    client = await new_client(api, admin_headers)
    body = token_request(client["client_id"], client["client_secret"], nonce="n-once-123")
    assert (await api.post(TOKEN, json=body)).status_code == 200
    again = await api.post(TOKEN, json=body)
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "REPLAYED"


async def test_wrong_secret_is_bad_signature_and_does_not_burn_the_nonce(
    api, admin_headers
) -> None:
    client = await new_client(api, admin_headers)
    forged = token_request(client["client_id"], "not-the-secret", nonce="shared-nonce-1")
    resp = await api.post(TOKEN, json=forged)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "BAD_SIGNATURE"
    genuine = token_request(client["client_id"], client["client_secret"], nonce="shared-nonce-1")
    assert (await api.post(TOKEN, json=genuine)).status_code == 200


async def test_unknown_client_is_bad_signature(api) -> None:
    resp = await api.post(TOKEN, json=token_request("pa_nobody", "whatever"))
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "BAD_SIGNATURE"


@pytest.mark.parametrize("offset", [-301, 301, -3600])
async def test_stale_timestamp(api, admin_headers, offset: int) -> None:
    client = await new_client(api, admin_headers)
    body = token_request(
        client["client_id"], client["client_secret"], timestamp=int(time.time()) + offset
    )
    resp = await api.post(TOKEN, json=body)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "STALE_TIMESTAMP"


async def test_timestamp_within_skew_is_accepted(api, admin_headers) -> None:
    client = await new_client(api, admin_headers)
    body = token_request(
        client["client_id"], client["client_secret"], timestamp=int(time.time()) - 250
    )
    assert (await api.post(TOKEN, json=body)).status_code == 200


async def test_revoked_client_is_refused_and_its_tokens_end(api, admin_headers) -> None:
    client = await new_client(api, admin_headers)
    token = await access_token(api, client["client_id"], client["client_secret"])
    revoked = await api.post(
        f"/api/v1/admin/clients/{client['client_id']}/revoke", headers=admin_headers
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    resp = await api.post(TOKEN, json=token_request(client["client_id"], client["client_secret"]))
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "CLIENT_REVOKED"
    # the token handed out before the revocation no longer opens anything
    listing = await api.get("/api/v1/admin/clients", headers=bearer(token))
    assert listing.status_code == 401


async def test_rotated_secret_replaces_the_old_one(api, admin_headers) -> None:
    client = await new_client(api, admin_headers)
    rotated = await api.post(
        f"/api/v1/admin/clients/{client['client_id']}/rotate", headers=admin_headers
    )
    new_secret = rotated.json()["client_secret"]
    assert new_secret and new_secret != client["client_secret"]
    old = await api.post(TOKEN, json=token_request(client["client_id"], client["client_secret"]))
    assert old.json()["error"]["code"] == "BAD_SIGNATURE"
    assert await access_token(api, client["client_id"], new_secret)


async def test_sm2_client_signs_with_its_private_key(api, admin_headers) -> None:
    pair = generate_keypair()
    client = await new_client(api, admin_headers, sm2_public_key=pair.public_key)
    assert client["client_secret"] is None and client["signature_type"] == "SM2"
    ts, nonce = str(int(time.time())), "sm2-nonce-1"
    message = f"{client['client_id']}\n{ts}\n{nonce}".encode()
    body = {
        "client_id": client["client_id"],
        "timestamp": ts,
        "nonce": nonce,
        "signature": sm2_sign(pair.private_key, pair.public_key, message),
        "signature_type": "SM2",
    }
    assert (await api.post(TOKEN, json=body)).status_code == 200
    other = generate_keypair()
    body["nonce"] = "sm2-nonce-2"
    body["signature"] = sm2_sign(other.private_key, other.public_key, message)
    resp = await api.post(TOKEN, json=body)
    assert resp.json()["error"]["code"] == "BAD_SIGNATURE"


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "x", "timestamp": "12a", "nonce": "n", "signature": "s"},
        {"client_id": "x", "timestamp": 123, "nonce": "n", "signature": "s"},
        {"client_id": "x", "nonce": "n", "signature": "s"},
        {"client_id": "x", "timestamp": "1", "nonce": "n", "signature": "s", "extra": 1},
    ],
)
async def test_malformed_token_requests_are_422(api, body: dict) -> None:
    resp = await api.post(TOKEN, json=body)
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_client_token_cannot_call_admin_endpoints(api, admin_headers) -> None:
    client = await new_client(api, admin_headers)
    token = await access_token(api, client["client_id"], client["client_secret"])
    resp = await api.get("/api/v1/admin/clients", headers=bearer(token))
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "FORBIDDEN"
