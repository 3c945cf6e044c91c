"""The money platforms behind one narrow interface: create, query, close, refund, and the
verification of their notifies. WeChat Pay v2 through wechatpy; Alipay through
python-alipay-sdk (the channel app's keys). Both SDKs block: calls run in a worker thread.

Business refusals come back as ``PlatformRefusal`` (with the platform's code); a platform that
cannot be reached is ``UPSTREAM_UNAVAILABLE``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qsl

import httpx
import requests
from alipay.exceptions import AliPayException
from wechatpy.exceptions import InvalidSignatureException, WeChatPayException
from wechatpy.pay import WeChatPay

from api.channels.alipay_platform import AlipayGateway, sub_code_of
from api.errors import DomainError
from api.payments.bills import BillLine, parse_alipay, parse_wechat
from api.threads import in_thread
from api.timefmt import now

WECHAT_PAID = {"SUCCESS", "REFUND"}
NO_BILL = "No Bill Exist"  # WeChat's answer for a day without a single trade
ALIPAY_PAID = {"TRADE_SUCCESS", "TRADE_FINISHED"}


class PlatformRefusal(Exception):
    """The platform said no (order paid, not found, not enough to refund…)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class TradeState:
    """What the platform says of an order."""

    paid: bool
    closed: bool
    amount: int  # fen
    trade_no: str | None


@dataclass(frozen=True)
class Notify:
    """A verified notify: which order, for how much (fen), under which app."""

    out_trade_no: str
    amount: int
    trade_no: str
    app_id: str


class Gateway(Protocol):
    async def create(self, out_trade_no: str, subject: str, amount: int, payer: str) -> dict: ...
    async def query(self, out_trade_no: str) -> TradeState: ...
    async def close(self, out_trade_no: str) -> None: ...
    async def refund(self, out_trade_no: str, refund_no: str, total: int, amount: int) -> str: ...
    async def bill(self, day: date) -> list[BillLine]: ...
    def verify_notify(self, body: bytes) -> Notify: ...


def yuan(fen: int) -> str:
    """Alipay's amount string: fen → "15.00" (only at Alipay's edge)."""
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def fen(yuan_text: str) -> int:
    """Alipay's amount string back to fen."""
    return int((Decimal(yuan_text) * 100).to_integral_value())


class WeChatPayGateway:
    """WeChat Pay v2 (JSAPI) for one mini-program under the card centre's merchant."""

    def __init__(
        self, *, appid: str, mch_id: str, api_key: str, base: str, notify_url: str, timeout: float
    ) -> None:
        self.pay = WeChatPay(appid, api_key, mch_id, timeout=timeout)
        self.pay.API_BASE_URL = base
        self.notify_url = notify_url
        self.appid, self.mch_id = appid, mch_id

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return await in_thread(fn, *args, **kwargs)
        except WeChatPayException as exc:
            if exc.return_msg == NO_BILL:
                raise PlatformRefusal(NO_BILL) from exc
            if exc.errcode:
                raise PlatformRefusal(str(exc.errcode)) from exc
            if exc.return_code is None:  # HTTP failure
                raise DomainError("UPSTREAM_UNAVAILABLE", "WeChat Pay is not answering") from exc
            raise DomainError("UPSTREAM_ERROR", f"WeChat Pay refused: {exc.return_msg}") from exc
        except requests.RequestException as exc:
            raise DomainError("UPSTREAM_UNAVAILABLE", "WeChat Pay is not answering") from exc

    async def create(self, out_trade_no: str, subject: str, amount: int, payer: str) -> dict:
        """Unified order → prepay_id → the ``wx.requestPayment`` fields (with paySign)."""
        order = await self._call(
            self.pay.order.create, trade_type="JSAPI", body=subject,
            total_fee=amount, notify_url=self.notify_url, client_ip="127.0.0.1",
            user_id=payer, out_trade_no=out_trade_no,
        )  # fmt: skip
        params = self.pay.jsapi.get_jsapi_params(order["prepay_id"])
        return {**params, "out_trade_no": out_trade_no}

    async def query(self, out_trade_no: str) -> TradeState:
        """The order's state at WeChat Pay."""
        found = await self._call(self.pay.order.query, out_trade_no=out_trade_no)
        if not self.pay.check_signature(dict(found)):
            raise DomainError("UPSTREAM_ERROR", "WeChat Pay's answer failed verification")
        state = found.get("trade_state")
        return TradeState(
            paid=state in WECHAT_PAID,
            closed=state == "CLOSED",
            amount=int(found.get("total_fee") or 0),
            trade_no=found.get("transaction_id") or None,
        )

    async def close(self, out_trade_no: str) -> None:
        """Close an unpaid order (``PlatformRefusal("ORDERPAID")`` if it was paid meanwhile)."""
        await self._call(self.pay.order.close, out_trade_no)

    async def refund(self, out_trade_no: str, refund_no: str, total: int, amount: int) -> str:
        """Refund to the payer's original route; returns WeChat's refund id."""
        done = await self._call(
            self.pay.refund.apply, total_fee=total, refund_fee=amount,
            out_refund_no=refund_no, out_trade_no=out_trade_no,
        )  # fmt: skip
        return str(done.get("refund_id", ""))

    async def bill(self, day: date) -> list[BillLine]:
        """The merchant's bill of ``day`` (every app under it): payments and refunds."""
        try:
            text = await self._call(self.pay.tools.download_bill, day.strftime("%Y%m%d"))
        except PlatformRefusal as exc:
            if exc.code == NO_BILL:
                return []
            raise DomainError("UPSTREAM_ERROR", f"WeChat Pay has no bill: {exc.code}") from exc
        if not isinstance(text, str):  # an XML answer that was not an error: not a bill
            raise DomainError("UPSTREAM_ERROR", "WeChat Pay answered without a bill")
        return parse_wechat(text)

    def verify_notify(self, body: bytes) -> Notify:
        """A notify checked by the SDK (MD5 signature), its appid and mch_id ours."""
        try:
            data = self.pay.parse_payment_result(body.decode())
        except InvalidSignatureException as exc:
            raise DomainError("BAD_SIGNATURE", "the notify's signature is wrong") from exc
        if data.get("appid") != self.appid or data.get("mch_id") != self.mch_id:
            raise DomainError("BAD_SIGNATURE", "the notify is for another merchant or app")
        return Notify(
            out_trade_no=data["out_trade_no"],
            amount=int(data["total_fee"]),
            trade_no=data["transaction_id"],
            app_id=data["appid"],
        )


class AlipayPayGateway:
    """Alipay mini-program payment through the channel app's signed gateway."""

    def __init__(self, gateway: AlipayGateway, notify_url: str, http: httpx.AsyncClient) -> None:
        self.gateway = gateway
        self.notify_url = notify_url
        self.http = http

    async def _call(self, method: str, **params: Any) -> dict[str, Any]:
        try:
            answer = await self.gateway.call(method, **params)
        except AliPayException as exc:
            raise PlatformRefusal(sub_code_of(exc) or "UNKNOWN") from exc
        if answer.get("code") != "10000":
            raise PlatformRefusal(str(answer.get("sub_code") or answer.get("code")))
        return answer

    async def create(self, out_trade_no: str, subject: str, amount: int, payer: str) -> dict:
        """``alipay.trade.create`` → ``{"trade_no"}`` for ``my.tradePay``."""
        biz = {"out_trade_no": out_trade_no, "subject": subject, "total_amount": yuan(amount),
               "buyer_id": payer}  # fmt: skip
        made = await self._call("alipay.trade.create", biz_content=biz, notify_url=self.notify_url)
        return {"trade_no": made["trade_no"], "out_trade_no": out_trade_no}

    async def query(self, out_trade_no: str) -> TradeState:
        """The trade's state at Alipay."""
        found = await self._call("alipay.trade.query", biz_content={"out_trade_no": out_trade_no})
        status = found.get("trade_status")
        return TradeState(
            paid=status in ALIPAY_PAID or (status == "TRADE_CLOSED" and "refund_fee" in found),
            closed=status == "TRADE_CLOSED",
            amount=fen(found.get("total_amount", "0")),
            trade_no=found.get("trade_no"),
        )

    async def close(self, out_trade_no: str) -> None:
        """Close an unpaid trade."""
        await self._call("alipay.trade.close", biz_content={"out_trade_no": out_trade_no})

    async def refund(self, out_trade_no: str, refund_no: str, total: int, amount: int) -> str:
        """Refund part or all of a trade; returns the request number."""
        biz = {"out_trade_no": out_trade_no, "refund_amount": yuan(amount),
               "out_request_no": refund_no}  # fmt: skip
        await self._call("alipay.trade.refund", biz_content=biz)
        return refund_no

    async def bill(self, day: date) -> list[BillLine]:
        """This app's trade bill of ``day``: ask for the download URL, fetch the zip."""
        biz = {"bill_type": "trade", "bill_date": day.isoformat()}
        try:
            found = await self._call("alipay.data.dataservice.bill.downloadurl.query",
                                     biz_content=biz)  # fmt: skip
        except PlatformRefusal as exc:
            raise DomainError("UPSTREAM_ERROR", f"Alipay has no bill: {exc.code}") from exc
        try:
            resp = await self.http.get(found["bill_download_url"])
            resp.raise_for_status()
        except httpx.HTTPError as exc:
            raise DomainError("UPSTREAM_UNAVAILABLE", "Alipay's bill could not be fetched") from exc
        return parse_alipay(resp.content)

    def verify_notify(self, body: bytes) -> Notify:
        """The form notify checked with Alipay's public key (RSA2)."""
        data = dict(parse_qsl(body.decode(), keep_blank_values=True))
        signature = data.pop("sign", "")
        try:
            good = bool(signature) and self.gateway.sdk.verify(data, signature)
        except AliPayException:  # e.g. a sign_type the SDK does not know
            good = False
        if not good:
            raise DomainError("BAD_SIGNATURE", "the notify's signature is wrong")
        if data.get("trade_status") not in ALIPAY_PAID:
            raise DomainError("VALIDATION_ERROR", "not a payment notify")
        return Notify(
            out_trade_no=data["out_trade_no"],
            amount=fen(data["total_amount"]),
            trade_no=data["trade_no"],
            app_id=data["app_id"],
        )


def refund_number() -> str:
    """A refund id, unique and sortable by time."""
    return "RF" + now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(4).upper()
