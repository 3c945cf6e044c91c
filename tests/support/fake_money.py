"""A money platform in memory, standing where WeChat Pay would be for one app: it keeps orders,
takes the payer's "pay", answers queries, closes, refunds (or refuses to, when told), and signs
its notifies in WeChat's shape (XML, ``appid`` first) so that the production code reads them.

It fakes the outside system behind our ``Gateway`` interface, never our own code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date

import xmltodict

from api.errors import DomainError
from api.payments.gateways.base import (
    Notify,
    Opened,
    PlatformRefusal,
    Refusal,
    TradeState,
)
from api.payments.reconciliation.bills import BillLine


@dataclass
class Order:
    amount: int
    paid: bool = False
    closed: bool = False
    trade_no: str | None = None
    refunds: dict[str, int] = field(default_factory=dict)


class FakeMoneyPlatform:
    """One app's money platform, in memory."""

    def __init__(self, app_id: str) -> None:
        self.app_id = app_id
        self.orders: dict[str, Order] = {}
        self.refusing_refunds: Refusal | None = None
        self.queries = 0
        self._secret = secrets.token_bytes(16)

    def pay(self, out_trade_no: str) -> bytes:
        """The payer presses "pay": the order is paid; returns the notify the platform sends."""
        order = self.orders[out_trade_no]
        order.paid, order.trade_no = True, order.trade_no or "42" + secrets.token_hex(8)
        return self.notify_body(out_trade_no)

    def notify_body(self, out_trade_no: str, app_id: str | None = None) -> bytes:
        """A notify of the order, signed by this platform (for ``app_id``, ours by default)."""
        order = self.orders[out_trade_no]
        fields = {
            "appid": app_id or self.app_id,
            "out_trade_no": out_trade_no,
            "total_fee": str(order.amount),
            "transaction_id": order.trade_no or "",
        }
        fields["sign"] = self._sign(fields)
        return xmltodict.unparse({"xml": fields}).encode()

    def _sign(self, fields: dict[str, str]) -> str:
        text = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "sign")
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    async def create(self, out_trade_no: str, subject: str, amount: int, payer: str) -> Opened:
        order = self.orders.setdefault(out_trade_no, Order(amount))
        if order.paid:
            raise PlatformRefusal(Refusal.ALREADY_PAID, "FAKE_PAID")
        return Opened({"out_trade_no": out_trade_no})

    async def query(self, out_trade_no: str) -> TradeState:
        self.queries += 1
        order = self.orders.get(out_trade_no)
        if order is None:
            raise PlatformRefusal(Refusal.NOT_FOUND, "FAKE_NOT_FOUND")
        return TradeState(paid=order.paid, closed=order.closed, amount=order.amount,
                          trade_no=order.trade_no)  # fmt: skip

    async def close(self, out_trade_no: str) -> None:
        order = self.orders.get(out_trade_no)
        if order is None:
            raise PlatformRefusal(Refusal.NOT_FOUND, "FAKE_NOT_FOUND")
        if order.paid:
            raise PlatformRefusal(Refusal.ALREADY_PAID, "FAKE_PAID")
        order.closed = True

    async def refund(self, out_trade_no: str, refund_no: str, total: int, amount: int) -> str:
        if self.refusing_refunds is not None:
            raise PlatformRefusal(self.refusing_refunds, "FAKE_REFUSED")
        order = self.orders.get(out_trade_no)
        if order is None or not order.paid:
            raise PlatformRefusal(Refusal.NOT_FOUND, "FAKE_NOT_FOUND")
        if refund_no not in order.refunds:
            if sum(order.refunds.values()) + amount > order.amount:
                raise PlatformRefusal(Refusal.EXCEEDS_REFUNDABLE, "FAKE_TOO_MUCH")
            order.refunds[refund_no] = amount
        return "fake-" + refund_no

    async def bill(self, day: date) -> list[BillLine]:
        return []

    def verify_notify(self, body: bytes) -> Notify:
        fields = {k: v or "" for k, v in xmltodict.parse(body)["xml"].items()}
        if not hmac.compare_digest(fields.pop("sign", ""), self._sign(fields)):
            raise DomainError("BAD_SIGNATURE", "the notify's signature is wrong")
        if fields.get("appid") != self.app_id:
            raise DomainError("BAD_SIGNATURE", "the notify is for another app")
        return Notify(out_trade_no=fields["out_trade_no"], amount=int(fields["total_fee"]),
                      trade_no=fields["transaction_id"], app_id=fields["appid"])  # fmt: skip

    @property
    def refunded(self) -> int:
        """Everything this platform gave back, over all orders."""
        return sum(sum(o.refunds.values()) for o in self.orders.values())
