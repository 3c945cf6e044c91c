"""The demo's temporary and newborn cards, made the way the real clients make them (over HTTP,
against the running demo):

- At the demo hospital's counter, a temporary card for an unconscious man brought in without
  papers (无名氏, male, about 45), with an emergency bill; then his ID card is read and the
  temporary card is bound to his own card (issued then), which takes over the hospital's
  patient id and the bill. ``GET /api/v1/admin/persons?id_type=01&id_number=`` (the number in
  :data:`DEMO_UNCONSCIOUS`) shows it; the temporary card's history is in the console.
- In the mini-program, the WeChat user :data:`DEMO_GUARDIAN_USER` holds a card of their own and
  a newborn's card (``kind: newborn``), each collected with a face check. Log in as that user
  to see it, and add the child's ID number on the card's page.

Seeded once: a demo database that has them keeps them (the stand-ins forget their people at
every start, so the register is told again).
"""

from __future__ import annotations

import hmac
import secrets
import time
from datetime import timedelta
from typing import Any

from api.cards.id_numbers import check_digit
from api.cards.models import Card
from api.context import AppContext
from api.timefmt import today


def _demo_number(first17: str) -> str:
    return first17 + check_digit(first17)


# DEMO people (made-up numbers with valid check digits).
DEMO_UNCONSCIOUS = {"name": "赵建华", "id_number": _demo_number("11010519790412003")}
DEMO_GUARDIAN = {"name": "刘芳", "id_number": _demo_number("11010519900315002"),
                 "phone": "13800138123"}  # fmt: skip
DEMO_GUARDIAN_USER = "demo-parent"
DEMO_NEWBORN = {"name": "刘小宝", "gender": "1"}
EMERGENCY_ITEMS = [
    {"code": "110200001", "name": "急诊诊查费", "quantity": 1, "amount": 1000},
    {"code": "250101001", "name": "血常规", "quantity": 1, "amount": 2000},
]


class _Client:
    """The demo's own HTTP client, as a terminal or a resident would speak."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx, self.base = ctx, ctx.settings.public_url

    async def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        resp = await self.ctx.http.request(method, self.base + path, json=body, headers=headers)
        if resp.status_code >= 400:
            raise RuntimeError(f"demo seeding: {method} {path} answered {resp.status_code}")
        return resp.json() if resp.content else None

    async def terminal_token(self, client_id: str, secret: str) -> str:
        stamp, nonce = str(int(time.time())), secrets.token_hex(8)
        text = f"{client_id}\n{stamp}\n{nonce}".encode()
        signature = hmac.new(secret.encode(), text, "sm3").hexdigest()
        answer = await self.call(
            "POST",
            "/api/v1/auth/token",
            {"client_id": client_id, "timestamp": stamp, "nonce": nonce, "signature": signature},
        )
        return str(answer["access_token"])

    async def wechat_token(self, app_id: str, user: str) -> str:
        code = await self.call("POST", f"/mock/wechat/users/{user}/code", {"appid": app_id})
        session = await self.call("POST", f"/api/v1/channels/{app_id}/sessions",
                                  {"code": code["code"]})  # fmt: skip
        return str(session["token"])

    async def face_session(self, token: str, person: dict[str, str]) -> str:
        opened = await self.call(
            "POST",
            "/api/v1/realname/face",
            {"name": person["name"], "id_type": "01", "id_number": person["id_number"]},
            token,
        )
        await self.call("POST", f"/mock/face/{opened['face_session']}/pass")
        return str(opened["face_session"])


async def seed_special_cards(
    ctx: AppContext, terminal_id: str, terminal_secret: str, hospital_code: str, wechat_app: str
) -> None:
    """The temporary card bound at the counter and the newborn card in the mini-program."""
    client = _Client(ctx)
    await client.call("POST", "/mock/idcheck/people", DEMO_GUARDIAN)
    if not await Card.exists(kind="temporary", institution_code=hospital_code):
        await _temporary_card_bound(client, terminal_id, terminal_secret)
    await _newborn_card(client, ctx, wechat_app)


async def _temporary_card_bound(client: _Client, terminal_id: str, secret: str) -> None:
    token = await client.terminal_token(terminal_id, secret)
    card = await client.call("POST", "/api/v1/pos/temporary-cards",
                             {"name": "无名氏", "gender": "1", "age": 45}, token)  # fmt: skip
    await client.call("POST", "/api/v1/pos/bills", {
        "patient_id": card["patient_id"], "visit_no": "JZ-DEMO-0001", "items": EMERGENCY_ITEMS,
    }, token)  # fmt: skip
    await client.call("POST", f"/api/v1/pos/temporary-cards/{card['card_id']}/bind",
                      {**DEMO_UNCONSCIOUS, "id_type": "01", "document_source": "id_reader"},
                      token)  # fmt: skip


async def _newborn_card(client: _Client, ctx: AppContext, app_id: str) -> None:
    token = await client.wechat_token(app_id, DEMO_GUARDIAN_USER)
    held = (await client.call("GET", "/api/v1/cards", token=token))["cards"]
    if any(c["kind"] == "newborn" for c in held):
        return
    if not any(c["relation"] == "self" for c in held):
        await client.call("POST", "/api/v1/cards", {
            "name": DEMO_GUARDIAN["name"], "id_type": "01",
            "id_number": DEMO_GUARDIAN["id_number"], "phone": DEMO_GUARDIAN["phone"],
            "face_session": await client.face_session(token, DEMO_GUARDIAN), "relation": "self",
        }, token)  # fmt: skip
    born = today(ctx.settings.timezone) - timedelta(days=10)
    await client.call("POST", "/api/v1/cards", {
        "relation": "child", "newborn": {**DEMO_NEWBORN, "birth_date": born.isoformat()},
        "face_session": await client.face_session(token, DEMO_GUARDIAN),
    }, token)  # fmt: skip
