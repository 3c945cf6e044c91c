"""A hospital terminal as it talks to the API (from API.md "Terminals")."""

from __future__ import annotations

import httpx

from tests.support.partner import access_token, bearer


async def terminal_headers(api: httpx.AsyncClient, terminal: dict) -> dict[str, str]:
    """Authorization headers of a terminal (a fresh access token)."""
    return bearer(await access_token(api, terminal["terminal_id"], terminal["terminal_secret"]))


async def qr_payload(
    api: httpx.AsyncClient, token: str, card_id: str, mode: str = "dynamic"
) -> str:
    """What the mini-program shows: the card's current code."""
    resp = await api.get(
        f"/api/v1/cards/{card_id}/qrcode", params={"mode": mode}, headers=bearer(token)
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["payload"]
