"""Alipay mini-program payment through the channel app's signed gateway (python-alipay-sdk).

Amounts are yuan strings only here, at Alipay's edge (fen everywhere else). Alipay's refusal
codes (``sub_code``) become our ``Refusal`` here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
from alipay.exceptions import AliPayException

from api.channels.alipay_platform import AlipayGateway, sub_code_of
from api.errors import DomainError
from api.payments.gateways.base import (
    Notify,
    Opened,
    PlatformRefusal,
    Refusal,
    TradeState,
    translate,
)
from api.payments.reconciliation.bills import BillLine, parse_alipay

PAID = {"TRADE_SUCCESS", "TRADE_FINISHED"}  # trade statuses of a trade that was paid
REFUSALS = {
    "ACQ.TRADE_HAS_SUCCESS": Refusal.ALREADY_PAID,
    "ACQ.TRADE_NOT_EXIST": Refusal.NOT_FOUND,
    "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL": Refusal.EXCEEDS_REFUNDABLE,
    "ACQ.TRADE_HAS_CLOSE": Refusal.WRONG_STATE,
}
# alipay.trade.pay's answers (a payment code charged at a counter): 10003 is "waiting for the
# buyer to confirm", 20000 and ACQ.SYSTEM_ERROR "ask again later".
CODE_REFUSALS = {
    **REFUSALS,
    "10003": Refusal.USER_PAYING,
    "20000": Refusal.OUTCOME_UNKNOWN,
    "ACQ.SYSTEM_ERROR": Refusal.OUTCOME_UNKNOWN,
    "ACQ.PAYMENT_AUTH_CODE_INVALID": Refusal.AUTH_INVALID,
    "ACQ.BUYER_BALANCE_NOT_ENOUGH": Refusal.DECLINED,
    "ACQ.TRADE_HAS_CLOSE": Refusal.WRONG_STATE,
}
# alipay.trade.close answers "status not valid" for a trade that is no longer waiting for the
# buyer: paid meanwhile (a closed one is seen by the query first).
CLOSE_REFUSALS = {**REFUSALS, "ACQ.TRADE_STATUS_ERROR": Refusal.ALREADY_PAID}


def yuan(fen: int) -> str:
    """Alipay's amount string: fen → "15.00" (only at Alipay's edge)."""
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def fen(yuan_text: str) -> int:
    """Alipay's amount string back to fen."""
    return int((Decimal(yuan_text) * 100).to_integral_value())


class AlipayPayGateway:
    """Alipay mini-program payment through the channel app's signed gateway."""

    MERCHANT_WIDE_BILL = False  # one bill per app

    def __init__(self, gateway: AlipayGateway, notify_url: str, http: httpx.AsyncClient) -> None:
        self.gateway = gateway
        self.notify_url = notify_url
        self.http = http

    @staticmethod
    def notify_app_id(body: bytes) -> str:
        """The app a notify claims to be for (its signature is checked by that app's
        gateway)."""
        try:
            return dict(parse_qsl(body.decode()))["app_id"]
        except Exception as exc:
            raise DomainError("VALIDATION_ERROR", "this is not a notify") from exc

    async def _call(
        self, method: str, refusals: dict[str, Refusal] = REFUSALS, **params: Any
    ) -> dict[str, Any]:
        try:
            answer = await self.gateway.call(method, **params)
        except AliPayException as exc:
            raise translate(refusals, sub_code_of(exc) or "UNKNOWN") from exc
        code = str(answer.get("code"))
        if code != "10000":
            named = code if code in refusals else str(answer.get("sub_code") or code)
            raise translate(refusals, named)
        return answer

    async def create(self, out_trade_no: str, subject: str, amount: int, payer: str) -> Opened:
        """``alipay.trade.create`` → ``{"trade_no"}`` for ``my.tradePay``."""
        biz = {"out_trade_no": out_trade_no, "subject": subject, "total_amount": yuan(amount),
               "buyer_id": payer}  # fmt: skip
        made = await self._call("alipay.trade.create", biz_content=biz, notify_url=self.notify_url)
        return Opened({"trade_no": made["trade_no"], "out_trade_no": out_trade_no},
                      trade_no=made["trade_no"])  # fmt: skip

    async def query(self, out_trade_no: str) -> TradeState:
        """The trade's state at Alipay."""
        found = await self._call("alipay.trade.query", biz_content={"out_trade_no": out_trade_no})
        status = found.get("trade_status")
        return TradeState(
            paid=status in PAID or (status == "TRADE_CLOSED" and "refund_fee" in found),
            closed=status == "TRADE_CLOSED",
            amount=fen(found.get("total_amount", "0")),
            trade_no=found.get("trade_no"),
        )

    async def close(self, out_trade_no: str) -> None:
        """Close an unpaid trade (``ALREADY_PAID`` if it was paid meanwhile)."""
        await self._call("alipay.trade.close", CLOSE_REFUSALS,
                         biz_content={"out_trade_no": out_trade_no})  # fmt: skip

    async def refund(self, out_trade_no: str, refund_no: str, total: int, amount: int) -> str:
        """Refund part or all of a trade; returns the request number."""
        biz = {"out_trade_no": out_trade_no, "refund_amount": yuan(amount),
               "out_request_no": refund_no}  # fmt: skip
        await self._call("alipay.trade.refund", biz_content=biz)
        return refund_no

    async def pay_with_code(
        self, out_trade_no: str, subject: str, amount: int, auth_code: str
    ) -> TradeState:
        """``alipay.trade.pay`` (scene ``bar_code``): charge the payer's payment code."""
        biz = {"out_trade_no": out_trade_no, "scene": "bar_code", "auth_code": auth_code,
               "subject": subject, "total_amount": yuan(amount)}  # fmt: skip
        done = await self._call("alipay.trade.pay", CODE_REFUSALS, biz_content=biz)
        return TradeState(paid=True, closed=False, amount=fen(done.get("total_amount", "0")),
                          trade_no=done.get("trade_no"))  # fmt: skip

    async def reverse(self, out_trade_no: str) -> None:
        """``alipay.trade.cancel``: the code payment is closed, or refunded if it was paid."""
        await self._call("alipay.trade.cancel", CODE_REFUSALS,
                         biz_content={"out_trade_no": out_trade_no})  # fmt: skip

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
        """The form notify checked with Alipay's public key (RSA2), for this app."""
        data = dict(parse_qsl(body.decode(), keep_blank_values=True))
        signature = data.pop("sign", "")
        try:
            good = bool(signature) and self.gateway.sdk.verify(data, signature)
        except AliPayException:  # e.g. a sign_type the SDK does not know
            good = False
        if not good:
            raise DomainError("BAD_SIGNATURE", "the notify's signature is wrong")
        if data.get("app_id") != self.gateway.app_id:
            raise DomainError("BAD_SIGNATURE", "the notify is for another app")
        if data.get("trade_status") not in PAID:
            raise DomainError("VALIDATION_ERROR", "not a payment notify")
        return Notify(
            out_trade_no=data["out_trade_no"],
            amount=fen(data["total_amount"]),
            trade_no=data["trade_no"],
            app_id=data["app_id"],
        )
