"""The platform above (provincial / national card management, 省级/国家级平台) as a stand-in.

It speaks the provincial envelope: a JSON body of strings ``app_id, method, term_id, version,
timestamp, digest_type, enc_type, biz_content, digest``; ``digest`` the lower-case hex SM3 of
the other fields sorted by name as ``k=v`` joined by ``&`` then ``&key=<secret>``;
``biz_content`` JSON under SM4-ECB, PKCS#7, key = the first 16 bytes of SM3(secret), base64.
Answers ``{"code", "msg", "biz_content"}`` (``"0"`` success; ``"4001"`` bad digest, ``"4003"``
unknown app or method, ``"4100"`` refused). Written from that description, not from our code.

Methods: ``ehc.platform.records.upload`` (card registrations, status changes, identities given
to cards issued without one (``card.identity``, a newborn's) and usage records,
de-duplicated by ``record_id``: a repeat is answered ``duplicate`` and counted),
``ehc.platform.blacklist.query`` (the national blacklist after a cursor) and
``ehc.ehealthcode.verify`` (routed by issuer to that card centre's peer door).

Routes: ``POST /platform/gateway``; ``POST /platform/apps`` ``{"app_id", "secret"}``;
``POST /platform/routes`` ``{"issuer", "base_url", "client_id", "client_secret"}``;
``GET /platform/cards/{card_id}``; ``GET /platform/usage?card_id=``;
``POST /platform/blacklist`` ``{"id_type", "id_number", "reason"}``; ``GET /platform/stats``.
Faults: target ``platform``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.faults import http_500, state, take

# The card centre ``ehc demo`` registers here (DEMO values, never a real platform's).
DEMO_APP_ID = "ehc-demo-centre"
DEMO_SECRET = "demo-platform-secret"


def _ledger(request: Request) -> dict[str, Any]:
    return state(request).platform


def _key(secret: str) -> bytes:
    return hashlib.new("sm3", secret.encode()).digest()[:16]


def _seal(secret: str, content: Any) -> str:
    padder = padding.PKCS7(128).padder()
    raw = padder.update(json.dumps(content, ensure_ascii=False).encode()) + padder.finalize()
    enc = Cipher(algorithms.SM4(_key(secret)), modes.ECB()).encryptor()
    return base64.b64encode(enc.update(raw) + enc.finalize()).decode()


def _open(secret: str, sealed: str) -> Any:
    dec = Cipher(algorithms.SM4(_key(secret)), modes.ECB()).decryptor()
    raw = dec.update(base64.b64decode(sealed)) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return json.loads(unpadder.update(raw) + unpadder.finalize())


def _digest(fields: dict[str, str], secret: str) -> str:
    text = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "digest")
    return hashlib.new("sm3", f"{text}&key={secret}".encode()).hexdigest()


def _answer(code: str, msg: str, secret: str | None = None, content: Any = None) -> Response:
    body = {"code": code, "msg": msg, "biz_content": ""}
    if secret is not None and content is not None:
        body["biz_content"] = _seal(secret, content)
    return JSONResponse(body)


async def register_app(request: Request) -> Response:
    body = await request.json()
    _ledger(request)["apps"][body["app_id"]] = body["secret"]
    return JSONResponse({"app_id": body["app_id"]}, 201)


async def register_route(request: Request) -> Response:
    body = await request.json()
    _ledger(request)["routes"][body["issuer"]] = {
        k: body[k] for k in ("base_url", "client_id", "client_secret")
    }
    return JSONResponse({"issuer": body["issuer"]}, 201)


async def gateway(request: Request) -> Response:
    fault = await take(request, "platform")
    if fault and fault["mode"] in ("http_500", "error"):
        return http_500()
    fields = {k: str(v) for k, v in (await request.json()).items()}
    secret = _ledger(request)["apps"].get(fields.get("app_id", ""))
    if secret is None:
        return _answer("4003", "unknown app")
    if not hmac.compare_digest(_digest(fields, secret), fields.get("digest", "")):
        return _answer("4001", "bad digest")
    try:
        content = _open(secret, fields.get("biz_content", ""))
    except ValueError:
        return _answer("4001", "biz_content does not decrypt")
    method = METHODS.get(fields.get("method", ""))
    if method is None:
        return _answer("4003", "unknown method")
    code, msg, result = await method(request, content)
    return _answer(code, msg, secret, result)


async def _upload(request: Request, content: dict[str, Any]) -> tuple[str, str, Any]:
    ledger = _ledger(request)
    results = []
    for record in content.get("records", []):
        record_id = record.get("record_id")
        if record_id in ledger["record_ids"]:
            ledger["duplicates"] += 1
            results.append({"record_id": record_id, "result": "duplicate"})
            continue
        card_id = record.get("card_id")
        if not record_id or not card_id:
            results.append({"record_id": record_id, "result": "refused", "reason": "incomplete"})
            continue
        ledger["record_ids"].add(record_id)
        ledger["history"].setdefault(card_id, []).append(record)
        if record.get("kind") == "card.register":
            ledger["cards"][card_id] = {
                "card_id": card_id, "issuer": record.get("issuer"),
                "card_kind": record.get("card_kind"), "status": "active",
                "holder": _masked(record.get("holder") or {}),
                "registered_at": record.get("at"), "record_id": record_id,
                "statuses": [],
            }  # fmt: skip
        elif record.get("kind") == "card.identity" and card_id in ledger["cards"]:
            ledger["cards"][card_id]["holder"] = _masked(record.get("holder") or {})
            ledger["cards"][card_id]["card_kind"] = record.get("card_kind")
        elif record.get("kind") == "card.status" and card_id in ledger["cards"]:
            ledger["cards"][card_id]["status"] = record.get("to")
            ledger["cards"][card_id]["statuses"].append(record)
        elif record.get("kind") == "card.usage":
            ledger["usage"].setdefault(card_id, []).append(record)
        results.append({"record_id": record_id, "result": "accepted"})
    return "0", "ok", {"results": results}


def _masked(holder: dict[str, Any]) -> dict[str, Any]:
    number = str(holder.get("id_number") or "")
    name = str(holder.get("name") or "")
    return {
        "name": name[:1] + "*" * max(0, len(name) - 1),
        "id_type": holder.get("id_type"),
        "id_number": number[:6] + "*" * max(0, len(number) - 10) + number[-4:] if number else "",
        "gender": holder.get("gender"),
        "birth_date": holder.get("birth_date"),
    }


async def _blacklist_query(request: Request, content: dict[str, Any]) -> tuple[str, str, Any]:
    entries = _ledger(request)["blacklist"]
    since = int(content.get("since", 0))
    fresh = [e for e in entries if e["seq"] > since]
    return "0", "ok", {"entries": fresh, "next": entries[-1]["seq"] if entries else since}


async def _route_verify(request: Request, content: dict[str, Any]) -> tuple[str, str, Any]:
    route = _ledger(request)["routes"].get(content.get("issuer"))
    if route is None:
        return "4100", "UNKNOWN_ISSUER", None
    base = route["base_url"].rstrip("/")
    async with httpx.AsyncClient(timeout=5) as http:
        stamp, nonce = str(int(time.time())), secrets.token_hex(12)
        text = f"{route['client_id']}\n{stamp}\n{nonce}".encode()
        signature = hmac.new(route["client_secret"].encode(), text, "sm3").hexdigest()
        token = await http.post(f"{base}/api/v1/auth/token", json={
            "client_id": route["client_id"], "timestamp": stamp, "nonce": nonce,
            "signature": signature,
        })  # fmt: skip
        if token.status_code != 200:
            return "4100", "PEER_UNAVAILABLE", None
        body = {k: content.get(k) for k in ("qr", "scene", "institution_code", "terminal_id")}
        resp = await http.post(
            f"{base}/api/v1/peer/verify", json=body,
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )  # fmt: skip
    if resp.status_code != 200:
        return "4100", resp.json().get("error", {}).get("code", "PEER_UNAVAILABLE"), None
    return "0", "ok", resp.json()


METHODS = {
    "ehc.platform.records.upload": _upload,
    "ehc.platform.blacklist.query": _blacklist_query,
    "ehc.ehealthcode.verify": _route_verify,
}


async def card(request: Request) -> Response:
    found = _ledger(request)["cards"].get(request.path_params["card_id"])
    if found is None:
        return JSONResponse({"error": "not registered"}, 404)
    return JSONResponse(found)


async def usage(request: Request) -> Response:
    card_id = request.query_params.get("card_id", "")
    return JSONResponse({"records": _ledger(request)["usage"].get(card_id, [])})


async def history(request: Request) -> Response:
    card_id = request.query_params.get("card_id", "")
    return JSONResponse({"records": _ledger(request)["history"].get(card_id, [])})


async def add_blacklisted(request: Request) -> Response:
    body = await request.json()
    entries = _ledger(request)["blacklist"]
    entry = {
        "seq": len(entries) + 1,
        "id_type": body["id_type"],
        "id_number": body["id_number"],
        "reason": body.get("reason", ""),
    }
    entries.append(entry)
    return JSONResponse({"seq": entry["seq"]}, 201)


async def stats(request: Request) -> Response:
    ledger = _ledger(request)
    return JSONResponse({
        "records": len(ledger["record_ids"]), "duplicates": ledger["duplicates"],
        "cards": len(ledger["cards"]),
    })  # fmt: skip


routes = [
    Route("/platform/gateway", gateway, methods=["POST"]),
    Route("/platform/apps", register_app, methods=["POST"]),
    Route("/platform/routes", register_route, methods=["POST"]),
    Route("/platform/cards/{card_id}", card),
    Route("/platform/usage", usage),
    Route("/platform/history", history),
    Route("/platform/blacklist", add_blacklisted, methods=["POST"]),
    Route("/platform/stats", stats),
]
