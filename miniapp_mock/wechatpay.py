"""The WeChat Pay (v2) stand-in: XML requests signed with the merchant key, checked like the
real gateway; the user's confirmation in the pay sheet; signed notifies retried on WeChat's
schedule until answered with SUCCESS.

Routes (under /mock, beside the WeChat stand-in, so the SDK's base URL is ``…/mock/wechat/``):
``POST /wechat/pay/merchants`` ``{"mch_id", "api_key"}``; ``POST /wechat/pay/config``
``{"retry_scale"}`` (shrink the retry schedule in tests); ``/wechat/pay/unifiedorder``,
``/wechat/pay/orderquery``, ``/wechat/pay/closeorder``, ``/wechat/secapi/pay/refund`` (the SDK's
endpoints); ``POST /wechat/pay/confirm`` ``{"prepay_id", "duplicate"?, "wrong_amount"?,
"notify"?}`` (the user pays, API.md); ``GET /wechat/pay/notifies``.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from typing import Any

import httpx
import xmltodict
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.clock import beijing_now
from miniapp_mock.faults import http_500, state, take

# WeChat retries an unanswered notify after about 15 s, 15 s, 30 s, 3 min, 30 min ×4, 1 h.
RETRY_SCHEDULE = (15, 15, 30, 180, 1800, 1800, 1800, 1800, 3600)


def sign(params: dict[str, Any], api_key: str) -> str:
    """MD5 over the sorted non-empty ``k=v`` pairs and ``key=API_KEY``, upper-case."""
    text = "&".join(
        f"{k}={v}" for k, v in sorted(params.items()) if v not in ("", None) and k != "sign"
    )
    return hashlib.md5(f"{text}&key={api_key}".encode()).hexdigest().upper()


def to_xml(params: dict[str, Any]) -> str:
    """An XML body as WeChat Pay writes it."""
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in params.items())
    return f"<xml>{inner}</xml>"


def reply(params: dict[str, Any], api_key: str | None) -> Response:
    body = {"return_code": "SUCCESS", "return_msg": "OK", **params}
    body["nonce_str"] = secrets.token_hex(16)
    if api_key:
        body["sign"] = sign(body, api_key)
    return Response(to_xml(body), media_type="text/xml")


def _fail(api_key: str | None, err_code: str, des: str) -> Response:
    return reply({"result_code": "FAIL", "err_code": err_code, "err_code_des": des}, api_key)


def _wechatpay(request: Request) -> dict[str, Any]:
    return state(request).wechatpay


async def register_merchant(request: Request) -> Response:
    """``POST /wechat/pay/merchants`` ``{"mch_id", "api_key"}``."""
    body = await request.json()
    _wechatpay(request)["merchants"][body["mch_id"]] = body["api_key"]
    return JSONResponse({"mch_id": body["mch_id"]}, 201)


async def configure(request: Request) -> Response:
    """``POST /wechat/pay/config`` ``{"retry_scale": 0.01}``: a faster retry schedule."""
    body = await request.json()
    _wechatpay(request)["retry_scale"] = float(body.get("retry_scale", 1.0))
    return JSONResponse({"retry_scale": _wechatpay(request)["retry_scale"]})


async def signed_request(request: Request, target: str) -> tuple[dict[str, Any], str] | Response:
    """The request's fields and merchant key, or the refusal WeChat would send."""
    fault = await take(request, target)
    if fault and fault["mode"] == "http_500":
        return http_500()
    if fault and fault["mode"] == "error":
        return _fail(None, fault.get("errcode") or "SYSTEMERROR", "系统超时")
    try:
        data = dict(xmltodict.parse(await request.body())["xml"])
    except Exception:
        return reply({"return_code": "FAIL", "return_msg": "XML格式错误"}, None)
    key = _wechatpay(request)["merchants"].get(data.get("mch_id", ""))
    if key is None:
        return reply({"return_code": "FAIL", "return_msg": "mch_id参数格式错误"}, None)
    if data.get("sign") != sign(data, key):
        return reply({"return_code": "FAIL", "return_msg": "签名错误"}, None)
    return data, key


async def unified_order(request: Request) -> Response:
    """``pay/unifiedorder`` (JSAPI): an order and its prepay_id."""
    checked = await signed_request(request, "wechatpay.unifiedorder")
    if isinstance(checked, Response):
        return checked
    data, key = checked
    for field in ("appid", "body", "out_trade_no", "total_fee", "spbill_create_ip", "notify_url"):
        if not data.get(field):
            return reply({"return_code": "FAIL", "return_msg": f"缺少参数{field}"}, None)
    if data.get("trade_type") != "JSAPI" or not data.get("openid"):
        return _fail(key, "PARAM_ERROR", "JSAPI支付必须传openid")
    if not str(data["total_fee"]).isdigit() or int(data["total_fee"]) <= 0:
        return _fail(key, "PARAM_ERROR", "total_fee参数错误")
    orders = _wechatpay(request)["orders"]
    existing = orders.get(data["out_trade_no"])
    if existing is not None:
        if existing["state"] == "SUCCESS":
            return _fail(key, "ORDERPAID", "该订单已支付")
        if existing["total_fee"] != int(data["total_fee"]):
            return _fail(key, "INVALID_REQUEST", "201 商户订单号重复")
        return reply({"result_code": "SUCCESS", "appid": data["appid"], "mch_id": data["mch_id"],
                       "trade_type": "JSAPI", "prepay_id": existing["prepay_id"]}, key)  # fmt: skip
    order = {
        "appid": data["appid"], "mch_id": data["mch_id"], "openid": data["openid"],
        "out_trade_no": data["out_trade_no"], "total_fee": int(data["total_fee"]),
        "notify_url": data["notify_url"], "state": "NOTPAY", "refunded": 0, "refunds": {},
        "prepay_id": "wx" + secrets.token_hex(14), "transaction_id": None, "body": data["body"],
    }  # fmt: skip
    orders[data["out_trade_no"]] = order
    return reply({"result_code": "SUCCESS", "appid": data["appid"], "mch_id": data["mch_id"],
                   "trade_type": "JSAPI", "prepay_id": order["prepay_id"]}, key)  # fmt: skip


def _order(request: Request, data: dict[str, Any]) -> dict[str, Any] | None:
    return _wechatpay(request)["orders"].get(data.get("out_trade_no", ""))


async def order_query(request: Request) -> Response:
    """``pay/orderquery``: the order's trade_state."""
    checked = await signed_request(request, "wechatpay.orderquery")
    if isinstance(checked, Response):
        return checked
    data, key = checked
    order = _order(request, data)
    if order is None:
        return _fail(key, "ORDERNOTEXIST", "此交易订单号不存在")
    fields = {
        "result_code": "SUCCESS", "appid": order["appid"], "mch_id": order["mch_id"],
        "out_trade_no": order["out_trade_no"], "trade_state": order["state"],
        "total_fee": order["total_fee"], "openid": order["openid"],
        "transaction_id": order["transaction_id"] or "", "trade_type": "JSAPI",
    }  # fmt: skip
    return reply(fields, key)


async def close_order(request: Request) -> Response:
    """``pay/closeorder``: an unpaid order can no longer be paid."""
    checked = await signed_request(request, "wechatpay.closeorder")
    if isinstance(checked, Response):
        return checked
    data, key = checked
    order = _order(request, data)
    if order is None:
        return _fail(key, "ORDERNOTEXIST", "订单不存在")
    if order["state"] in ("SUCCESS", "REFUND"):
        return _fail(key, "ORDERPAID", "订单已支付，不能发起关单")
    order["state"] = "CLOSED"
    return reply({"result_code": "SUCCESS"}, key)


async def refund(request: Request) -> Response:
    """``secapi/pay/refund``: money back to the payer; idempotent on out_refund_no."""
    checked = await signed_request(request, "wechatpay.refund")
    if isinstance(checked, Response):
        return checked
    data, key = checked
    order = _order(request, data)
    if order is None or order["state"] not in ("SUCCESS", "REFUND"):
        return _fail(key, "ORDERNOTEXIST", "订单不存在或未支付")
    if int(data.get("total_fee", 0)) != order["total_fee"]:
        return _fail(key, "PARAM_ERROR", "订单金额与total_fee不一致")
    amount = int(data.get("refund_fee", 0))
    known = order["refunds"].get(data.get("out_refund_no"))
    if known is None:
        if amount <= 0 or order["refunded"] + amount > order["total_fee"]:
            return _fail(key, "NOTENOUGH", "退款金额大于可退金额")
        known = {
            "refund_id": "50" + secrets.token_hex(14),
            "refund_fee": amount,
            "at": beijing_now(),
        }
        order["refunds"][data["out_refund_no"]] = known
        order["refunded"] += amount
        order["state"] = "REFUND"
    answer = {
        "result_code": "SUCCESS", "out_trade_no": order["out_trade_no"],
        "out_refund_no": data["out_refund_no"], "refund_id": known["refund_id"],
        "refund_fee": known["refund_fee"], "total_fee": order["total_fee"],
    }  # fmt: skip
    return reply(answer, key)


async def confirm(request: Request) -> Response:
    """``POST /wechat/pay/confirm`` ``{"prepay_id"}``: the user confirms in the pay sheet; the
    order is paid and the merchant is notified."""
    wp = _wechatpay(request)
    body = await request.json() if await request.body() else {}
    prepay_id = body.get("prepay_id")
    order = next((o for o in wp["orders"].values() if o["prepay_id"] == prepay_id), None)
    if order is None:
        return JSONResponse({"error": "no such order"}, 404)
    if order["state"] == "CLOSED":
        return JSONResponse({"error": "订单已关闭"}, 409)
    if body.get("openid") and body["openid"] != order["openid"]:
        return JSONResponse({"error": "this order belongs to another user"}, 403)
    if order["state"] == "NOTPAY":
        order["state"] = "SUCCESS"
        order["transaction_id"] = "42" + secrets.token_hex(13)
        order["time_end"] = beijing_now().strftime("%Y%m%d%H%M%S")
    key = wp["merchants"][order["mch_id"]]
    fee = order["total_fee"] + (1 if body.get("wrong_amount") else 0)
    notify = {
        "appid": order["appid"], "mch_id": order["mch_id"], "nonce_str": secrets.token_hex(16),
        "result_code": "SUCCESS", "return_code": "SUCCESS", "openid": order["openid"],
        "trade_type": "JSAPI", "bank_type": "OTHERS", "total_fee": fee, "cash_fee": fee,
        "transaction_id": order["transaction_id"], "out_trade_no": order["out_trade_no"],
        "time_end": order["time_end"],
    }  # fmt: skip
    notify["sign"] = sign(notify, key)
    for _ in range(notify_copies(body)):
        asyncio.create_task(_deliver(wp, order["notify_url"], to_xml(notify)))
    return JSONResponse({"out_trade_no": order["out_trade_no"], "state": order["state"]})


def notify_copies(body: dict[str, Any]) -> int:
    """How many copies of the notify to send: ``"notify": false`` plays a lost notify (the
    merchant must find out by querying), ``"duplicate": true`` two, ``"copies": n`` n."""
    if body.get("notify") is False:
        return 0
    return max(1, min(int(body.get("copies") or (2 if body.get("duplicate") else 1)), 20))


async def _deliver(wp: dict[str, Any], url: str, xml: str) -> None:
    """Send a notify until the merchant answers SUCCESS, on WeChat's retry schedule."""
    record = {"url": url, "attempts": 0, "answered": False}
    wp["notifies"].append(record)
    async with httpx.AsyncClient(timeout=5) as client:
        for delay in (0, *RETRY_SCHEDULE):
            await asyncio.sleep(delay * wp["retry_scale"])
            record["attempts"] += 1
            try:
                resp = await client.post(url, content=xml, headers={"Content-Type": "text/xml"})
                answer = xmltodict.parse(resp.text)["xml"]
                if resp.status_code == 200 and answer.get("return_code") == "SUCCESS":
                    record["answered"] = True
                    return
            except Exception:
                continue


async def notifies(request: Request) -> Response:
    """``GET /wechat/pay/notifies``: every notify sent, its attempts and whether it was taken."""
    return JSONResponse({"notifies": _wechatpay(request)["notifies"]})


routes = [
    Route("/wechat/pay/merchants", register_merchant, methods=["POST"]),
    Route("/wechat/pay/config", configure, methods=["POST"]),
    Route("/wechat/pay/unifiedorder", unified_order, methods=["POST"]),
    Route("/wechat/pay/orderquery", order_query, methods=["POST"]),
    Route("/wechat/pay/closeorder", close_order, methods=["POST"]),
    Route("/wechat/secapi/pay/refund", refund, methods=["POST"]),
    Route("/wechat/pay/confirm", confirm, methods=["POST"]),
    Route("/wechat/pay/notifies", notifies),
]
