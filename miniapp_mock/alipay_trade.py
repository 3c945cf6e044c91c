"""The Alipay stand-in's trade methods (mini-program payment): ``alipay.trade.create``,
``.query``, ``.close``, ``.refund``, the buyer's confirmation and RSA2-signed form notifies.

Amounts are yuan strings at this edge, as Alipay's are. ``POST /alipay/pay/confirm``
``{"trade_no", "duplicate"?, "copies"?, "wrong_amount"?, "notify"?}`` pays a trade (API.md);
``GET /alipay/notifies`` lists what was sent. Notifies are retried until the merchant
answers ``success``.
"""

from __future__ import annotations

import asyncio
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.clock import TIME, beijing_now
from miniapp_mock.faults import state
from miniapp_mock.wechatpay import RETRY_SCHEDULE, notify_copies

Outcome = tuple[str, dict[str, Any]]


def _trades(request: Request) -> dict[str, Any]:
    return state(request).alipay_trades


def _yuan(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    return value if value > 0 and value == value.quantize(Decimal("0.01")) else None


async def trade_create(request: Request, params: dict[str, str], biz: dict[str, Any]) -> Outcome:
    """``alipay.trade.create``: a trade for a mini-program buyer."""
    amount = _yuan(biz.get("total_amount"))
    if not biz.get("out_trade_no") or not biz.get("subject") or amount is None:
        return "error", {"sub_code": "ACQ.INVALID_PARAMETER", "sub_msg": "参数无效"}
    if not biz.get("buyer_id"):
        return "error", {"sub_code": "ACQ.INVALID_PARAMETER", "sub_msg": "buyer_id不能为空",
                         "code": "40004"}  # fmt: skip
    trades = _trades(request)
    existing = trades.get(biz["out_trade_no"])
    if existing is not None:
        if existing["status"] != "WAIT_BUYER_PAY":
            return "error", {"sub_code": "ACQ.TRADE_HAS_SUCCESS", "sub_msg": "交易已被支付",
                             "code": "40004"}  # fmt: skip
        return "ok", {"out_trade_no": existing["out_trade_no"], "trade_no": existing["trade_no"]}
    trades[biz["out_trade_no"]] = {
        "app_id": params["app_id"], "out_trade_no": biz["out_trade_no"], "total_amount": amount,
        "buyer_id": biz["buyer_id"], "status": "WAIT_BUYER_PAY", "refunded": Decimal("0"),
        "refunds": {}, "trade_no": beijing_now().strftime("%Y%m%d") + secrets.token_hex(10),
        "notify_url": params.get("notify_url", ""), "subject": biz["subject"],
        "gmt_create": beijing_now().strftime(TIME),
    }  # fmt: skip
    trade = trades[biz["out_trade_no"]]
    return "ok", {"out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"]}


def _find(request: Request, biz: dict[str, Any]) -> dict[str, Any] | None:
    trade = _trades(request).get(biz.get("out_trade_no", ""))
    if trade is None and biz.get("trade_no"):
        trade = next(
            (t for t in _trades(request).values() if t["trade_no"] == biz["trade_no"]), None
        )
    return trade


NOT_EXIST = {"sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在", "code": "40004"}


async def trade_query(request: Request, params: dict[str, str], biz: dict[str, Any]) -> Outcome:
    """``alipay.trade.query``."""
    trade = _find(request, biz)
    if trade is None:
        return "error", NOT_EXIST
    return "ok", {
        "out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"],
        "trade_status": trade["status"], "total_amount": str(trade["total_amount"]),
        "buyer_user_id": trade["buyer_id"],
    }  # fmt: skip


async def trade_close(request: Request, params: dict[str, str], biz: dict[str, Any]) -> Outcome:
    """``alipay.trade.close``: only an unpaid trade closes."""
    trade = _find(request, biz)
    if trade is None:
        return "error", NOT_EXIST
    if trade["status"] != "WAIT_BUYER_PAY":
        return "error", {"sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法",
                         "code": "40004"}  # fmt: skip
    trade["status"] = "TRADE_CLOSED"
    return "ok", {"out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"]}


async def trade_refund(request: Request, params: dict[str, str], biz: dict[str, Any]) -> Outcome:
    """``alipay.trade.refund``: idempotent on out_request_no."""
    trade = _find(request, biz)
    if trade is None or trade["status"] not in ("TRADE_SUCCESS", "TRADE_CLOSED"):
        return "error", NOT_EXIST
    amount = _yuan(biz.get("refund_amount"))
    request_no = biz.get("out_request_no") or trade["out_trade_no"]
    if request_no not in trade["refunds"]:
        if amount is None or trade["refunded"] + amount > trade["total_amount"]:
            return "error", {"sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                             "sub_msg": "退款金额超限", "code": "40004"}  # fmt: skip
        trade["refunds"][request_no] = {"amount": amount, "at": beijing_now()}
        trade["refunded"] += amount
        if trade["refunded"] == trade["total_amount"]:
            trade["status"] = "TRADE_CLOSED"
    return "ok", {
        "out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"],
        "fund_change": "Y", "refund_fee": str(trade["refunded"]),
    }  # fmt: skip


async def confirm(request: Request) -> Response:
    """``POST /alipay/pay/confirm`` ``{"trade_no"}``: the buyer pays in the Alipay sheet; the
    trade succeeds and the merchant is notified."""
    body = await request.json() if await request.body() else {}
    trade_no = body.get("trade_no")
    trade = next((t for t in _trades(request).values() if t["trade_no"] == trade_no), None)
    if trade is None:
        return JSONResponse({"error": "no such trade"}, 404)
    if trade["status"] == "TRADE_CLOSED" and not trade["refunds"]:
        return JSONResponse({"error": "交易已关闭"}, 409)
    if trade["status"] == "WAIT_BUYER_PAY":
        trade["status"] = "TRADE_SUCCESS"
        trade["gmt_payment"] = beijing_now().strftime(TIME)
    amount = trade["total_amount"] + (Decimal("0.01") if body.get("wrong_amount") else 0)
    form = {
        "notify_time": beijing_now().strftime(TIME), "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16), "app_id": trade["app_id"], "charset": "utf-8",
        "version": "1.0", "trade_no": trade["trade_no"], "out_trade_no": trade["out_trade_no"],
        "trade_status": "TRADE_SUCCESS", "total_amount": str(amount),
        "buyer_id": trade["buyer_id"], "gmt_payment": trade["gmt_payment"],
    }  # fmt: skip
    text = "&".join(f"{k}={v}" for k, v in sorted(form.items()))
    form["sign"] = request.app.state.alipay_key.sign(text)
    form["sign_type"] = "RSA2"
    log = state(request).alipay_notifies
    for _ in range(notify_copies(body)):
        scale = state(request).wechatpay["retry_scale"]  # one knob shrinks both schedules
        asyncio.create_task(_deliver(log, trade["notify_url"], form, scale))
    return JSONResponse({"out_trade_no": trade["out_trade_no"], "status": trade["status"]})


async def _deliver(log: list[dict[str, Any]], url: str, form: dict[str, str], scale: float) -> None:
    record = {"url": url, "attempts": 0, "answered": False}
    log.append(record)
    async with httpx.AsyncClient(timeout=5) as client:
        for delay in (0, *RETRY_SCHEDULE):
            await asyncio.sleep(delay * scale)
            record["attempts"] += 1
            try:
                resp = await client.post(url, data=form)
                if resp.status_code == 200 and resp.text.strip() == "success":
                    record["answered"] = True
                    return
            except httpx.HTTPError:
                continue


async def notifies(request: Request) -> Response:
    """``GET /alipay/notifies``."""
    return JSONResponse({"notifies": state(request).alipay_notifies})


METHODS = {
    "alipay.trade.create": trade_create,
    "alipay.trade.query": trade_query,
    "alipay.trade.close": trade_close,
    "alipay.trade.refund": trade_refund,
}

routes = [
    Route("/alipay/pay/confirm", confirm, methods=["POST"]),
    Route("/alipay/notifies", notifies),
]
