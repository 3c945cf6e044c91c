"""Payment codes (付款码) and charging them at a counter (被扫), for WeChat Pay and Alipay.

- ``POST /wechat/users/{user}/payment-code`` and ``POST /alipay/users/{user}/payment-code`` →
  ``{"auth_code"}``: what the user's payment screen shows (WeChat: 18 digits starting 10–15;
  Alipay: 18 digits starting 25–30). Single-use, one minute.
- WeChat Pay ``pay/micropay`` and ``secapi/pay/reverse`` (signed XML, as ``wechatpay.py``);
  Alipay ``alipay.trade.pay`` (scene ``bar_code``) and ``alipay.trade.cancel`` on the gateway.
  The orders join the ones the stand-ins already keep, so query, refund and the bills see them.
- Faults (``POST /faults``) with target ``wechatpay.micropay`` or ``alipay.trade.pay``:
  ``user_paying`` (the answer is "user paying"; the order is paid ``delay`` seconds later),
  ``timeout`` (the answer comes after ``delay`` seconds, the order is paid all the same),
  ``error`` (refused with ``errcode``, e.g. ``NOTENOUGH`` or ``ACQ.BUYER_BALANCE_NOT_ENOUGH``;
  default a system error).
- A reversed order number stays reversed: a charge with it that arrives late is refused.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.alipay import user_id_of
from miniapp_mock.clock import TIME, beijing_now
from miniapp_mock.faults import http_500, state
from miniapp_mock.wechat import openid_of
from miniapp_mock.wechatpay import _fail, reply, signed_request

CODE_TTL = 60
PREFIXES = {"wechat": ("10", "11", "12", "13", "14", "15"), "alipay": ("25", "26", "27", "28")}
Outcome = tuple[str, dict[str, Any]]


def _memory(request: Request) -> dict[str, Any]:
    return state(request).payment_codes


async def issue_code(request: Request) -> Response:
    """A fresh payment code of ``{user}`` on the platform of the route."""
    platform = "wechat" if request.url.path.rstrip("/").split("/")[-4] == "wechat" else "alipay"
    code = secrets.choice(PREFIXES[platform]) + "".join(
        secrets.choice("0123456789") for _ in range(16)
    )
    _memory(request)["codes"][code] = {
        "user": request.path_params["user"], "platform": platform, "used": False,
        "expires_at": time.time() + CODE_TTL,
    }  # fmt: skip
    return JSONResponse({"auth_code": code}, 201)


def _spend(request: Request, code: str, platform: str) -> dict[str, Any] | None:
    """The payer behind a live, unused code of ``platform`` (spent now), or None."""
    found = _memory(request)["codes"].get(code)
    if found is None or found["platform"] != platform or found["used"]:
        return None
    if time.time() > found["expires_at"]:
        return None
    found["used"] = True
    return found


def _fault(request: Request, target: str) -> dict[str, Any] | None:
    """The next armed fault of ``target``, counted down (without ``take``'s sleep: a slow answer
    is played by ``_after``, which goes on when the caller hangs up)."""
    queue = state(request).faults.get(target)
    if not queue:
        return None
    fault = queue[0]
    fault["count"] -= 1
    if fault["count"] <= 0:
        queue.pop(0)
    return fault


async def _after(delay: float, work: Any) -> Any:
    """``work()`` after ``delay`` seconds, done even if the caller gives up waiting (as the real
    platform carries on with a payment whatever became of the connection)."""

    async def run() -> Any:
        await asyncio.sleep(delay)
        return await work()

    return await asyncio.shield(asyncio.get_running_loop().create_task(run()))


def _later(delay: float, settle: Any) -> None:
    async def run() -> None:
        await asyncio.sleep(delay)
        settle()

    asyncio.get_running_loop().create_task(run())


# --- WeChat Pay ---------------------------------------------------------------------------


def _wechat_paid(order: dict[str, Any]) -> None:
    if order["state"] in ("USERPAYING", "NOTPAY"):
        order["state"] = "SUCCESS"
        order["transaction_id"] = "42" + secrets.token_hex(13)
        order["time_end"] = beijing_now().strftime("%Y%m%d%H%M%S")


async def micropay(request: Request) -> Response:
    """``pay/micropay``: charge a payment code."""
    fault = _fault(request, "wechatpay.micropay")
    if fault and fault["mode"] == "http_500":
        return http_500()
    checked = await signed_request(request, "wechatpay.micropay.signature")  # never armed
    if isinstance(checked, Response):
        return checked
    data, key = checked
    if fault and fault["mode"] == "error":
        return _fail(key, fault.get("errcode") or "SYSTEMERROR", "系统超时")
    if fault and fault["mode"] == "timeout":
        return await _after(fault["delay"], lambda: _micropay(request, data, key, None))
    return await _micropay(request, data, key, fault)


async def _micropay(
    request: Request, data: dict[str, Any], key: str, fault: dict[str, Any] | None
) -> Response:
    orders, number = state(request).wechatpay["orders"], data.get("out_trade_no", "")
    if number in _memory(request)["reversed"]:
        return _fail(key, "ORDERREVERSED", "订单已撤销")
    if number in orders:
        return _fail(key, "ORDERPAID", "订单已支付")
    payer = _spend(request, data.get("auth_code", ""), "wechat")
    if payer is None:
        return _fail(key, "AUTH_CODE_INVALID", "付款码无效，请重新扫码")
    order = {
        "appid": data["appid"], "mch_id": data["mch_id"], "openid": openid_of(payer["user"]),
        "out_trade_no": number, "total_fee": int(data["total_fee"]), "notify_url": "",
        "state": "USERPAYING", "refunded": 0, "refunds": {}, "prepay_id": None,
        "transaction_id": None, "body": data.get("body", ""), "trade_type": "MICROPAY",
    }  # fmt: skip
    orders[number] = order
    if fault and fault["mode"] == "user_paying":
        _later(fault["delay"], lambda: _wechat_paid(order))
        return _fail(key, "USERPAYING", "需要用户输入支付密码")
    _wechat_paid(order)
    return reply({
        "result_code": "SUCCESS", "appid": order["appid"], "mch_id": order["mch_id"],
        "openid": order["openid"], "trade_type": "MICROPAY", "bank_type": "OTHERS",
        "total_fee": order["total_fee"], "cash_fee": order["total_fee"],
        "transaction_id": order["transaction_id"], "out_trade_no": number,
        "time_end": order["time_end"],
    }, key)  # fmt: skip


async def wechat_reverse(request: Request) -> Response:
    """``secapi/pay/reverse``: cancel a code payment (paid: the money goes back)."""
    checked = await signed_request(request, "wechatpay.reverse")
    if isinstance(checked, Response):
        return checked
    data, key = checked
    number = data.get("out_trade_no", "")
    _memory(request)["reversed"].add(number)
    order = state(request).wechatpay["orders"].get(number)
    if order is not None:
        if order["refunds"]:
            return _fail(key, "REVERSE_EXPIRED", "订单已退款，不能撤销")
        order["state"], order["time_end"] = "REVOKED", None  # no money moved: no bill line
    return reply({"result_code": "SUCCESS", "recall": "N"}, key)


# --- Alipay -------------------------------------------------------------------------------


def _alipay_paid(trade: dict[str, Any]) -> None:
    if trade["status"] == "WAIT_BUYER_PAY":
        trade["status"] = "TRADE_SUCCESS"
        trade["gmt_payment"] = beijing_now().strftime(TIME)


async def trade_pay(request: Request, params: dict[str, str], biz: dict[str, Any]) -> Outcome:
    """``alipay.trade.pay`` (scene ``bar_code``): charge a payment code."""
    fault = _fault(request, "alipay.trade.pay")
    if fault and fault["mode"] == "error":
        return "error", {"sub_code": fault.get("errcode") or "ACQ.SYSTEM_ERROR",
                         "sub_msg": "支付失败", "code": "40004"}  # fmt: skip
    if fault and fault["mode"] == "timeout":
        return await _after(fault["delay"], lambda: _trade_pay(request, params, biz, None))
    return await _trade_pay(request, params, biz, fault)


async def _trade_pay(
    request: Request, params: dict[str, str], biz: dict[str, Any], fault: dict[str, Any] | None
) -> Outcome:
    number = biz.get("out_trade_no", "")
    trades = state(request).alipay_trades
    if number in _memory(request)["reversed"]:
        return "error", {"sub_code": "ACQ.TRADE_HAS_CLOSE", "sub_msg": "交易已关闭",
                         "code": "40004"}  # fmt: skip
    if number in trades:
        return "error", {"sub_code": "ACQ.TRADE_HAS_SUCCESS", "sub_msg": "交易已被支付",
                         "code": "40004"}  # fmt: skip
    payer = _spend(request, str(biz.get("auth_code", "")), "alipay")
    if biz.get("scene") != "bar_code" or payer is None:
        return "error", {"sub_code": "ACQ.PAYMENT_AUTH_CODE_INVALID",
                         "sub_msg": "支付失败，获取顾客账户信息失败", "code": "40004"}  # fmt: skip
    trade = {
        "app_id": params["app_id"], "out_trade_no": number,
        "total_amount": Decimal(str(biz.get("total_amount"))),
        "buyer_id": user_id_of(payer["user"]),
        "status": "WAIT_BUYER_PAY", "refunded": Decimal("0"), "refunds": {},
        "trade_no": beijing_now().strftime("%Y%m%d") + secrets.token_hex(10), "notify_url": "",
        "subject": biz.get("subject", ""), "gmt_create": beijing_now().strftime(TIME),
    }  # fmt: skip
    trades[number] = trade
    answer = {"out_trade_no": number, "trade_no": trade["trade_no"],
              "buyer_user_id": trade["buyer_id"],
              "total_amount": str(trade["total_amount"])}  # fmt: skip
    if fault and fault["mode"] == "user_paying":
        _later(fault["delay"], lambda: _alipay_paid(trade))
        return "raw", {"code": "10003", "msg": "order success pay inprocess", **answer}
    _alipay_paid(trade)
    return "ok", {**answer, "gmt_payment": trade["gmt_payment"]}


async def trade_cancel(request: Request, params: dict[str, str], biz: dict[str, Any]) -> Outcome:
    """``alipay.trade.cancel``: close a code payment, or refund it if it was paid."""
    number = biz.get("out_trade_no", "")
    _memory(request)["reversed"].add(number)
    trade = state(request).alipay_trades.get(number)
    if trade is None:
        return "ok", {"out_trade_no": number, "retry_flag": "N", "action": "close"}
    action = "refund" if trade["status"] == "TRADE_SUCCESS" else "close"
    trade["status"], trade["gmt_payment"] = "TRADE_CLOSED", None  # no money moved: no bill line
    return "ok", {"out_trade_no": number, "trade_no": trade["trade_no"], "retry_flag": "N",
                  "action": action}  # fmt: skip


METHODS = {"alipay.trade.pay": trade_pay, "alipay.trade.cancel": trade_cancel}

routes = [
    Route("/wechat/users/{user}/payment-code", issue_code, methods=["POST"]),
    Route("/alipay/users/{user}/payment-code", issue_code, methods=["POST"]),
    Route("/wechat/pay/micropay", micropay, methods=["POST"]),
    Route("/wechat/secapi/pay/reverse", wechat_reverse, methods=["POST"]),
]
