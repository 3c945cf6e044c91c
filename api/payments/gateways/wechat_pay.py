"""WeChat Pay v2 (JSAPI) through wechatpy, for one mini-program under the card centre's merchant.

The SDK blocks: calls run in a worker thread. WeChat's refusal codes (``err_code``) become our
``Refusal`` here; a WeChat Pay that cannot be reached is ``UPSTREAM_UNAVAILABLE``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import requests
import xmltodict
from wechatpy.exceptions import InvalidSignatureException, WeChatPayException
from wechatpy.pay import WeChatPay

from api.errors import DomainError
from api.payments.gateways.base import (
    Notify,
    Opened,
    PlatformRefusal,
    Refusal,
    TradeState,
    translate,
)
from api.payments.reconciliation.bills import BillLine, parse_wechat
from api.threads import in_thread

PAID = {"SUCCESS", "REFUND"}  # trade states of an order that was paid
ENDED_UNPAID = {"CLOSED", "REVOKED", "PAYERROR"}  # trade states of an order that will never pay
NO_BILL = "No Bill Exist"  # WeChat's return_msg for a day without a single trade
REFUSALS = {
    "ORDERPAID": Refusal.ALREADY_PAID,
    "ORDERNOTEXIST": Refusal.NOT_FOUND,
    "NOTENOUGH": Refusal.EXCEEDS_REFUNDABLE,
    "ORDERCLOSED": Refusal.WRONG_STATE,
    NO_BILL: Refusal.NO_BILL,
}
# micropay's own answers (a payment code charged at a counter)
CODE_REFUSALS = {
    "USERPAYING": Refusal.USER_PAYING,
    "SYSTEMERROR": Refusal.OUTCOME_UNKNOWN,
    "BANKERROR": Refusal.OUTCOME_UNKNOWN,
    "AUTHCODEEXPIRE": Refusal.AUTH_INVALID,
    "AUTH_CODE_INVALID": Refusal.AUTH_INVALID,
    "AUTH_CODE_ERROR": Refusal.AUTH_INVALID,
    "ORDERPAID": Refusal.ALREADY_PAID,
    "ORDERREVERSED": Refusal.WRONG_STATE,
    "ORDERCLOSED": Refusal.WRONG_STATE,
    "NOTENOUGH": Refusal.DECLINED,
    "NOTSUPORTCARD": Refusal.DECLINED,
    "BUYER_MISMATCH": Refusal.DECLINED,
}


class WeChatPayGateway:
    """WeChat Pay v2 (JSAPI) for one mini-program under the card centre's merchant."""

    MERCHANT_WIDE_BILL = True  # one bill for every app of the merchant

    def __init__(
        self, *, appid: str, mch_id: str, api_key: str, base: str, notify_url: str, timeout: float
    ) -> None:
        self.pay = WeChatPay(appid, api_key, mch_id, timeout=timeout)
        self.pay.API_BASE_URL = base
        self.notify_url = notify_url
        self.appid, self.mch_id = appid, mch_id

    @staticmethod
    def notify_app_id(body: bytes) -> str:
        """The app a notify claims to be for (its signature is checked by that app's
        gateway)."""
        try:
            return str(xmltodict.parse(body)["xml"]["appid"])
        except Exception as exc:
            raise DomainError("VALIDATION_ERROR", "this is not a notify") from exc

    async def _call(
        self, fn: Any, *args: Any, refusals: dict[str, Refusal] = REFUSALS, **kwargs: Any
    ) -> dict[str, Any]:
        try:
            return await in_thread(fn, *args, **kwargs)
        except WeChatPayException as exc:
            if exc.return_msg == NO_BILL:
                raise translate(REFUSALS, NO_BILL) from exc
            if exc.errcode:
                raise translate(refusals, str(exc.errcode)) from exc
            if exc.return_code is None:  # HTTP failure
                raise DomainError("UPSTREAM_UNAVAILABLE", "WeChat Pay is not answering") from exc
            raise DomainError("UPSTREAM_ERROR", f"WeChat Pay refused: {exc.return_msg}") from exc
        except requests.RequestException as exc:
            raise DomainError("UPSTREAM_UNAVAILABLE", "WeChat Pay is not answering") from exc

    async def create(self, out_trade_no: str, subject: str, amount: int, payer: str) -> Opened:
        """Unified order → prepay_id → the ``wx.requestPayment`` fields (with paySign)."""
        order = await self._call(
            self.pay.order.create, trade_type="JSAPI", body=subject,
            total_fee=amount, notify_url=self.notify_url, client_ip="127.0.0.1",
            user_id=payer, out_trade_no=out_trade_no,
        )  # fmt: skip
        params = self.pay.jsapi.get_jsapi_params(order["prepay_id"])
        return Opened({**params, "out_trade_no": out_trade_no})

    async def query(self, out_trade_no: str) -> TradeState:
        """The order's state at WeChat Pay."""
        found = await self._call(self.pay.order.query, out_trade_no=out_trade_no)
        if not self.pay.check_signature(dict(found)):
            raise DomainError("UPSTREAM_ERROR", "WeChat Pay's answer failed verification")
        state = found.get("trade_state")
        return TradeState(
            paid=state in PAID,
            closed=state in ENDED_UNPAID,
            amount=int(found.get("total_fee") or 0),
            trade_no=found.get("transaction_id") or None,
        )

    async def close(self, out_trade_no: str) -> None:
        """Close an unpaid order (``ALREADY_PAID`` if it was paid meanwhile)."""
        await self._call(self.pay.order.close, out_trade_no)

    async def refund(self, out_trade_no: str, refund_no: str, total: int, amount: int) -> str:
        """Refund to the payer's original route; returns WeChat's refund id."""
        done = await self._call(
            self.pay.refund.apply, total_fee=total, refund_fee=amount,
            out_refund_no=refund_no, out_trade_no=out_trade_no,
        )  # fmt: skip
        return str(done.get("refund_id", ""))

    async def pay_with_code(
        self, out_trade_no: str, subject: str, amount: int, auth_code: str
    ) -> TradeState:
        """``pay/micropay``: charge the payer's payment code (WeChat's err_code in our words)."""
        done = await self._call(
            self.pay.micropay.create, body=subject, total_fee=amount, auth_code=auth_code,
            client_ip="127.0.0.1", out_trade_no=out_trade_no, refusals=CODE_REFUSALS,
        )  # fmt: skip
        if not self.pay.check_signature(dict(done)):
            raise DomainError("UPSTREAM_ERROR", "WeChat Pay's answer failed verification")
        return TradeState(
            paid=True, closed=False, amount=int(done.get("total_fee") or 0),
            trade_no=done.get("transaction_id") or None,
        )  # fmt: skip

    async def reverse(self, out_trade_no: str) -> None:
        """``secapi/pay/reverse``: the code payment is cancelled (refunded if it was paid)."""
        await self._call(self.pay.order.reverse, out_trade_no=out_trade_no,
                         refusals=CODE_REFUSALS)  # fmt: skip

    async def bill(self, day: date) -> list[BillLine]:
        """The merchant's bill of ``day`` (every app under it): payments and refunds."""
        try:
            text = await self._call(self.pay.tools.download_bill, day.strftime("%Y%m%d"))
        except PlatformRefusal as exc:
            if exc.refusal is Refusal.NO_BILL:
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
