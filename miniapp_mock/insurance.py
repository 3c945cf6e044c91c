"""The national medical-insurance platform stand-in (医保移动支付): the insured-people register,
the resident's authorisation in the insurance app, and the hospital-facing transactions.

Registers (test and demo set-up, not the real platform's API):
``POST /insurance/institutions`` ``{"fixmedins_code", "key"}``; ``POST /insurance/people``
``{"id_number", "name", "account_balance" (fen), "fund_ratio"? (0.5)}``;
``POST /insurance/users/{id_number}/auth_code`` → ``{"auth_code"}`` (what the insurance app hands
the mini-program: single use, five minutes); ``GET /insurance/people/{id_number}`` → the
person's balance, reservation and orders.

Transactions: ``POST /insurance/api`` with ``{"infno", "msgid", "fixmedins_code", "input",
"sign"}``, ``sign = hex(HMAC-SM3(key, canonical JSON of the rest))`` (sorted keys, no spaces,
UTF-8). Answer: ``{"infcode": 0 | -1, "err_code", "err_msg", "output"}`` (HTTP 200 either way;
``err_code`` names the refusal for machines). The infno numbers follow the national guide where
it names them (6201 fee upload, 6202 pay order, 6203 refund, 6301 query, 6401 revoke); the
authorisation exchange (6101) and the settle confirmation (6204) are this stand-in's own.
Faults: ``insurance.api`` (every transaction) and ``insurance.<infno>`` (one of them).
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from decimal import ROUND_DOWN, Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.clock import beijing_now
from miniapp_mock.faults import http_500, state, take

AUTH_CODE_TTL = 300
PAY_AUTH_TTL = 1800
# The national catalogue, as far as the stand-in knows it: covered item codes (甲类). Anything
# else is 丙类: the resident pays it in full.
# The catalogue items the fund covers (the rest of a bill is self-pay).
COVERED = {
    "001102000010000": "普通门诊诊查费",
    "250101001": "血常规",
    "XA01AAA": "阿莫西林胶囊",
}


class Refusal(Exception):
    """What the platform answers with infcode -1."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def canonical(envelope: dict[str, Any]) -> bytes:
    """The signed bytes: the envelope without ``sign``, sorted keys, no spaces, UTF-8."""
    rest = {k: v for k, v in envelope.items() if k != "sign"}
    return json.dumps(rest, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(key: str, envelope: dict[str, Any]) -> str:
    """hex(HMAC-SM3(key, canonical(envelope)))."""
    return hmac.new(key.encode(), canonical(envelope), "sm3").hexdigest()


def split_of(total: int, eligible: int, fund_ratio: Decimal, available: int) -> dict[str, int]:
    """The pre-settlement: the fund pays ``fund_ratio`` of the eligible part (rounded down to
    the fen), the personal account the rest of the eligible part as far as its available
    balance goes, the resident everything else."""
    fund = int((Decimal(eligible) * fund_ratio).to_integral_value(ROUND_DOWN))
    account = max(0, min(available, eligible - fund))
    return {"fund": fund, "account": account, "self_pay": total - fund - account}


def _ledger(request: Request) -> dict[str, Any]:
    return state(request).insurance


async def register_institution(request: Request) -> Response:
    """``POST /insurance/institutions`` ``{"fixmedins_code", "key"}``."""
    body = await request.json()
    _ledger(request)["institutions"][str(body["fixmedins_code"])] = str(body["key"])
    return JSONResponse({"fixmedins_code": body["fixmedins_code"]}, 201)


async def register_person(request: Request) -> Response:
    """``POST /insurance/people``: an insured person (registering again resets the account)."""
    body = await request.json()
    ratio = Decimal(str(body.get("fund_ratio", "0.5")))
    if not 0 <= ratio <= 1 or int(body.get("account_balance", 0)) < 0:
        return JSONResponse({"error": "fund_ratio must be 0..1, account_balance ≥ 0"}, 400)
    number = str(body["id_number"]).upper()
    _ledger(request)["people"][number] = {
        "name": str(body["name"]), "psn_no": "P" + secrets.token_hex(8).upper(),
        "balance": int(body.get("account_balance", 0)), "reserved": 0, "fund_ratio": ratio,
    }  # fmt: skip
    return JSONResponse({"id_number": number}, 201)


async def person(request: Request) -> Response:
    """``GET /insurance/people/{id_number}``: balance, reservation and the person's orders."""
    number = request.path_params["id_number"].upper()
    found = _ledger(request)["people"].get(number)
    if found is None:
        return JSONResponse({"error": "not insured"}, 404)
    orders = [
        {k: o[k] for k in ("pay_ord_id", "status", "total", "fund", "account", "self_pay")}
        for o in _ledger(request)["orders"].values()
        if o["psn_no"] == found["psn_no"]
    ]
    return JSONResponse({"id_number": number, "name": found["name"],
                         "account_balance": found["balance"], "reserved": found["reserved"],
                         "orders": orders})  # fmt: skip


async def issue_auth_code(request: Request) -> Response:
    """``POST /insurance/users/{id_number}/auth_code``: the resident authorises in the app."""
    code = "AC" + secrets.token_hex(12)
    _ledger(request)["auth_codes"][code] = {
        "id_number": request.path_params["id_number"].upper(),
        "expires_at": time.time() + AUTH_CODE_TTL,
    }
    return JSONResponse({"auth_code": code}, 201)


def _insured(ledger: dict[str, Any], psn_no: str) -> dict[str, Any]:
    found = next((p for p in ledger["people"].values() if p["psn_no"] == psn_no), None)
    if found is None:
        raise Refusal("PSN_NOT_INSURED", "人员未参保或参保状态异常")
    return found


def _pay_auth(ledger: dict[str, Any], inp: dict[str, Any], fixmedins: str) -> dict[str, Any]:
    grant = ledger["pay_auths"].get(str(inp.get("pay_auth_no", "")))
    if grant is None or grant["expires_at"] < time.time() or grant["fixmedins"] != fixmedins:
        raise Refusal("PAY_AUTH_INVALID", "支付授权码无效或已过期")
    if inp.get("psn_no") not in (None, grant["psn_no"]):
        raise Refusal("PAY_AUTH_INVALID", "支付授权码与人员不符")
    return grant


def _order(ledger: dict[str, Any], inp: dict[str, Any], fixmedins: str) -> dict[str, Any]:
    order = ledger["orders"].get(str(inp.get("pay_ord_id", "")))
    if order is None or order["fixmedins"] != fixmedins:
        raise Refusal("ORDER_NOT_FOUND", "医保订单不存在")
    return order


def authorise(ledger: dict[str, Any], inp: dict[str, Any], fixmedins: str) -> dict[str, Any]:
    """6101: the insurance app's auth code → a pay authorisation and the person's identity."""
    grant = ledger["auth_codes"].pop(str(inp.get("auth_code", "")), None)
    if grant is None or grant["expires_at"] < time.time():
        raise Refusal("AUTH_CODE_INVALID", "授权码无效、已使用或已过期")
    found = ledger["people"].get(grant["id_number"])
    if found is None:
        raise Refusal("PSN_NOT_INSURED", "人员未参保或参保状态异常")
    pay_auth_no = "PA" + secrets.token_hex(12)
    ledger["pay_auths"][pay_auth_no] = {
        "psn_no": found["psn_no"], "fixmedins": fixmedins, "expires_at": time.time() + PAY_AUTH_TTL,
    }  # fmt: skip
    return {"pay_auth_no": pay_auth_no, "psn_no": found["psn_no"], "psn_name": found["name"],
            "psn_cert_type": "01", "certno": grant["id_number"]}  # fmt: skip


def _items(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise Refusal("PARAM_ERROR", "费用明细不能为空")
    items = []
    for item in raw:
        quantity, price = item.get("quantity"), item.get("unit_price")
        if not (
            isinstance(quantity, int) and quantity > 0 and isinstance(price, int) and price >= 0
        ):
            raise Refusal("PARAM_ERROR", "数量或单价无效")
        if not item.get("item_code") or not item.get("item_name"):
            raise Refusal("PARAM_ERROR", "缺少项目编码或名称")
        items.append({**item, "amount": quantity * price})
    return items


def upload(ledger: dict[str, Any], inp: dict[str, Any], fixmedins: str) -> dict[str, Any]:
    """6201: fee details; the platform totals them itself (a total the hospital sends is
    ignored) and opens an order."""
    grant = _pay_auth(ledger, inp, fixmedins)
    _insured(ledger, grant["psn_no"])
    if not inp.get("med_org_ord"):
        raise Refusal("PARAM_ERROR", "缺少医药机构订单号")
    items = _items(inp.get("items"))
    pay_ord_id = "ORD" + beijing_now().strftime("%Y%m%d") + secrets.token_hex(8).upper()
    ledger["orders"][pay_ord_id] = {
        "pay_ord_id": pay_ord_id, "fixmedins": fixmedins, "psn_no": grant["psn_no"],
        "med_org_ord": str(inp["med_org_ord"]), "items": items, "status": "uploaded",
        "total": sum(i["amount"] for i in items),
        "eligible": sum(i["amount"] for i in items if i["item_code"] in COVERED),
        "fund": 0, "account": 0, "self_pay": 0,
    }  # fmt: skip
    order = ledger["orders"][pay_ord_id]
    return {"pay_ord_id": pay_ord_id, "total": order["total"], "eligible": order["eligible"]}


def presettle(ledger: dict[str, Any], inp: dict[str, Any], fixmedins: str) -> dict[str, Any]:
    """6202: the split of an uploaded order; the personal-account part is reserved."""
    order = _order(ledger, inp, fixmedins)
    grant = _pay_auth(ledger, {**inp, "psn_no": order["psn_no"]}, fixmedins)
    if order["status"] == "presettled":
        return _split_out(order)
    if order["status"] != "uploaded":
        raise Refusal("ORDER_STATE", f"订单状态为 {order['status']}，不能预结算")
    insured = _insured(ledger, grant["psn_no"])
    available = insured["balance"] - insured["reserved"]
    order.update(split_of(order["total"], order["eligible"], insured["fund_ratio"], available))
    insured["reserved"] += order["account"]
    order["status"] = "presettled"
    return _split_out(order)


def _split_out(order: dict[str, Any]) -> dict[str, Any]:
    keys = ("pay_ord_id", "status", "total", "fund", "account", "self_pay")
    return {k: order[k] for k in keys}


def settle(ledger: dict[str, Any], inp: dict[str, Any], fixmedins: str) -> dict[str, Any]:
    """6204: the self-pay part was collected: fund and account parts become final. The
    hospital repeats the split it was given; any difference is refused."""
    order = _order(ledger, inp, fixmedins)
    if order["status"] == "settled":
        return {**_split_out(order), "setl_id": order["setl_id"]}
    if order["status"] != "presettled":
        raise Refusal("ORDER_STATE", f"订单状态为 {order['status']}，不能结算")
    if any(inp.get(k) != order[k] for k in ("fund", "account", "self_pay")):
        raise Refusal("AMOUNT_INCONSISTENT", "结算金额与预结算不一致")
    insured = _insured(ledger, order["psn_no"])
    insured["balance"] -= order["account"]
    insured["reserved"] -= order["account"]
    order.update(status="settled", setl_id="SETL" + secrets.token_hex(8).upper())
    return {**_split_out(order), "setl_id": order["setl_id"]}


def refund(ledger: dict[str, Any], inp: dict[str, Any], fixmedins: str) -> dict[str, Any]:
    """6203: a settled order's fund and account parts go back (the balance is restored)."""
    order = _order(ledger, inp, fixmedins)
    if order["status"] == "refunded":
        return _split_out(order)
    if order["status"] != "settled":
        raise Refusal("ORDER_STATE", f"订单状态为 {order['status']}，不能退费")
    _insured(ledger, order["psn_no"])["balance"] += order["account"]
    order["status"] = "refunded"
    return _split_out(order)


def revoke(ledger: dict[str, Any], inp: dict[str, Any], fixmedins: str) -> dict[str, Any]:
    """6401: an unsettled order is withdrawn and its reservation released."""
    order = _order(ledger, inp, fixmedins)
    if order["status"] == "revoked":
        return _split_out(order)
    if order["status"] not in ("uploaded", "presettled"):
        raise Refusal("ORDER_STATE", f"订单状态为 {order['status']}，不能撤销")
    if order["status"] == "presettled":
        _insured(ledger, order["psn_no"])["reserved"] -= order["account"]
    order["status"] = "revoked"
    return _split_out(order)


def query(ledger: dict[str, Any], inp: dict[str, Any], fixmedins: str) -> dict[str, Any]:
    """6301: an order's state and split."""
    return _split_out(_order(ledger, inp, fixmedins))


TRANSACTIONS = {
    "6101": authorise, "6201": upload, "6202": presettle, "6203": refund,
    "6204": settle, "6301": query, "6401": revoke,
}  # fmt: skip


def _answer(infcode: int, output: dict[str, Any], code: str = "", message: str = "") -> Response:
    return JSONResponse({"infcode": infcode, "err_code": code, "err_msg": message,
                         "output": output, "inf_time": beijing_now().isoformat()})  # fmt: skip


async def api(request: Request) -> Response:
    """``POST /insurance/api``: one signed transaction."""
    try:
        envelope = await request.json()
        infno = str(envelope["infno"])
    except (ValueError, KeyError, TypeError):
        return _answer(-1, {}, "PARAM_ERROR", "报文格式错误")
    for target in ("insurance.api", f"insurance.{infno}"):
        fault = await take(request, target)
        if fault and fault["mode"] == "http_500":
            return http_500()
        if fault and fault["mode"] == "error":
            return _answer(-1, {}, fault.get("errcode") or "SYSTEM_ERROR", "系统繁忙，请稍后再试")
    ledger = _ledger(request)
    fixmedins = str(envelope.get("fixmedins_code", ""))
    key = ledger["institutions"].get(fixmedins)
    if key is None:
        return _answer(-1, {}, "INSTITUTION_UNKNOWN", "定点医药机构编号不存在")
    if not hmac.compare_digest(
        str(envelope.get("sign", "")).encode(), signature(key, envelope).encode()
    ):
        return _answer(-1, {}, "SIGN_INVALID", "签名校验失败")
    handler = TRANSACTIONS.get(infno)
    if handler is None or not envelope.get("msgid") or not isinstance(envelope.get("input"), dict):
        return _answer(-1, {}, "PARAM_ERROR", f"交易 {infno} 报文不完整或不存在")
    try:
        return _answer(0, handler(ledger, envelope["input"], fixmedins))
    except Refusal as exc:
        return _answer(-1, {}, exc.code, exc.message)


routes = [
    Route("/insurance/institutions", register_institution, methods=["POST"]),
    Route("/insurance/people", register_person, methods=["POST"]),
    Route("/insurance/people/{id_number}", person, methods=["GET"]),
    Route("/insurance/users/{id_number}/auth_code", issue_auth_code, methods=["POST"]),
    Route("/insurance/api", api, methods=["POST"]),
]
