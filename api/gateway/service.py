"""The provincial envelope for partners (``POST /ehc/gateway``): a partner written against a
provincial card centre switches to us by base URL.

One call: find the app (an in-house app's or a terminal's credentials), check the digest, the
time (±300 s, Beijing) and that ``term_id`` is new for this app (10 minutes), open
``biz_content``, run the method on the same services as the REST API, and answer in the
envelope's own codes: ``"0"``; ``"4001"`` bad digest or content; ``"4002"`` replayed
``term_id`` or stale time; ``"4003"`` unknown method or app (or an app that may not call it);
``"4100"`` refused by the service, with our error code in ``msg``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from api.auth import service as clients
from api.auth.models import Client
from api.cards import codes
from api.cards import service as cards
from api.cards.schemas import CollectRequest
from api.cards.views import card_out
from api.channels import service as channels
from api.context import AppContext
from api.crypto.envelope import FIELDS, digest_matches, open_content, seal_content
from api.crypto.sm import CryptoError
from api.errors import DomainError
from api.gateway.schemas import CloseBiz, GenerateBiz, RegisterBiz, UserBiz, VerifyBiz
from api.kv import key
from api.principals import Caller
from api.terminals import service as terminals
from api.timefmt import today

BEIJING = ZoneInfo("Asia/Shanghai")
REQUIRED = (*FIELDS, "biz_content", "digest")


class Refusal(Exception):
    """An envelope refused before (or instead of) the service: its code and message."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


@dataclass(frozen=True)
class Method:
    """One envelope method: who may call it (``inhouse`` or ``terminal``), its content's
    shape and what it does."""

    caller_kind: str
    biz: type[BaseModel]
    run: Callable[[AppContext, Client, Any], Awaitable[Any]]


def _json(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


async def _resident(client: Client, biz: UserBiz) -> Caller:
    return await channels.inhouse_resident(client.client_id, biz.user_ref)


async def _query(ctx: AppContext, client: Client, biz: UserBiz) -> dict[str, Any]:
    held = await cards.held_cards(await _resident(client, biz))
    return {"cards": [_json(card_out(ctx, h)) for h in held]}


async def _register(ctx: AppContext, client: Client, biz: RegisterBiz) -> dict[str, Any]:
    req = CollectRequest(name=biz.name, id_type=biz.id_type, id_number=biz.id_number,
                         phone=biz.phone, otp=biz.otp, relation="self")  # fmt: skip
    held, _ = await cards.collect(ctx, await _resident(client, biz), req)
    return _json(card_out(ctx, held))


async def _generate(ctx: AppContext, client: Client, biz: GenerateBiz) -> dict[str, Any]:
    mode = "static" if biz.code_type == "1" else "dynamic"
    issued = await codes.issue(ctx, await _resident(client, biz), biz.card_id, mode)
    expires = issued.expires_at.astimezone(BEIJING).isoformat() if issued.expires_at else None
    return {"ehealth_code": issued.payload, "expires_at": expires}


async def _close(ctx: AppContext, client: Client, biz: CloseBiz) -> dict[str, Any]:
    await cards.unbind(ctx, await _resident(client, biz), biz.card_id)
    return {"card_id": biz.card_id, "closed": True}


async def _verify(ctx: AppContext, client: Client, biz: VerifyBiz) -> dict[str, Any]:
    terminal = Caller(kind="client", id=client.client_id, scopes=tuple(client.scopes))
    found = await terminals.verify_at_terminal(ctx, terminal, biz.ehealth_code, biz.medstepcode)
    return {
        **found.card.to_dict(today(ctx.settings.timezone)),
        "patient_id": found.patient_id,
        "new_patient": found.new_patient,
    }


METHODS: dict[str, Method] = {
    "ehc.ehealthcard.query": Method("inhouse", UserBiz, _query),
    "ehc.ehealthcard.register": Method("inhouse", RegisterBiz, _register),
    "ehc.ehealthcode.generate": Method("inhouse", GenerateBiz, _generate),
    "ehc.ehealthcode.verify": Method("terminal", VerifyBiz, _verify),
    "ehc.ehealthcard.close": Method("inhouse", CloseBiz, _close),
}


def _kind_of(client: Client) -> str:
    return "terminal" if client.kind == "terminal" else "inhouse"


async def _caller_app(ctx: AppContext, fields: dict[str, str]) -> tuple[Client, str]:
    client = await Client.get_or_none(client_id=fields["app_id"])
    secret = clients.client_secret(ctx, client) if client else None
    if client is None or not secret or client.status != "active":
        raise Refusal("4003", "unknown or revoked app")
    return client, secret


def _check_time(raw: str, skew: int) -> None:
    try:
        at = datetime.strptime(raw, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)
    except ValueError as exc:
        raise Refusal("4002", "timestamp must be YYYYMMDDHHMMSS, Beijing time") from exc
    if abs((datetime.now(BEIJING) - at).total_seconds()) > skew:
        raise Refusal("4002", f"timestamp is more than {skew} s from our clock")


async def _spend_term_id(ctx: AppContext, app_id: str, term_id: str) -> None:
    if not term_id or not await ctx.kv.claim(
        key("gw-term", f"app:{app_id}", term_id), ctx.settings.nonce_ttl
    ):
        raise Refusal("4002", "term_id already used")


async def call(ctx: AppContext, fields: dict[str, Any]) -> dict[str, str]:
    """Answer one envelope: ``{"code", "msg", "biz_content"}``."""
    if any(not isinstance(fields.get(name), str) for name in REQUIRED):
        return {"code": "4001", "msg": "every envelope field is a string", "biz_content": ""}
    try:
        client, secret = await _caller_app(ctx, fields)
        if not digest_matches(fields, secret):
            raise Refusal("4001", "bad digest")
        _check_time(fields["timestamp"], ctx.settings.timestamp_skew)
        await _spend_term_id(ctx, client.client_id, fields["term_id"])
        method = METHODS.get(fields["method"])
        if method is None or method.caller_kind != _kind_of(client):
            raise Refusal("4003", "unknown method, or not one this app may call")
        try:
            biz = method.biz.model_validate(open_content(secret, fields["biz_content"]))
        except CryptoError as exc:
            raise Refusal("4001", "biz_content does not decrypt") from exc
        except ValidationError as exc:
            raise Refusal("4100", "VALIDATION_ERROR") from exc
        try:
            result = await method.run(ctx, client, biz)
        except DomainError as exc:
            raise Refusal("4100", exc.code) from exc
    except Refusal as refusal:
        return {"code": refusal.code, "msg": refusal.msg, "biz_content": ""}
    return {"code": "0", "msg": "success", "biz_content": seal_content(secret, result)}
