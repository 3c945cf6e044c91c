"""The narrow interface every money platform is reached through, and the typed values at its
boundary: what the platform says of an order (``TradeState``), a verified notify (``Notify``),
and why it said no (``Refusal``, our own names; each gateway translates its vendor's codes).

A business refusal is a ``PlatformRefusal``; a platform that cannot be reached, or answers
something we cannot trust, is a ``DomainError`` (``UPSTREAM_UNAVAILABLE`` / ``UPSTREAM_ERROR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from api.payments.reconciliation.bills import BillLine


class Refusal(StrEnum):
    """Why a platform said no, in our words (the vendor's own code travels beside it)."""

    ALREADY_PAID = "already_paid"  # the order was paid (closing or re-creating it is refused)
    NOT_FOUND = "not_found"  # the platform has no such order (or it was never paid)
    NO_BILL = "no_bill"  # no trade at all on that day
    EXCEEDS_REFUNDABLE = "exceeds_refundable"  # more than is left to refund
    AUTH_INVALID = "auth_invalid"  # the payer's authorisation is invalid, used or expired
    NOT_ELIGIBLE = "not_eligible"  # the person may not pay this way (e.g. not insured)
    WRONG_STATE = "wrong_state"  # the order is not in a state that allows this
    AMOUNT_INCONSISTENT = "amount_inconsistent"  # the amounts disagree with the platform's
    DECLINED = "declined"  # any other refusal
    USER_PAYING = "user_paying"  # a code payment waits for the payer to confirm on their phone
    OUTCOME_UNKNOWN = "outcome_unknown"  # the platform could not say: query before anything else


class PlatformRefusal(Exception):
    """The platform said no: ``refusal`` in our words, ``code`` the vendor's (for logs and
    operators, never for decisions)."""

    def __init__(self, refusal: Refusal, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.refusal, self.code, self.message = refusal, code, message


def translate(table: dict[str, Refusal], code: str) -> PlatformRefusal:
    """The refusal a vendor ``code`` means (``DECLINED`` when the table does not list it)."""
    return PlatformRefusal(table.get(code, Refusal.DECLINED), code)


@dataclass(frozen=True)
class TradeState:
    """What the platform says of an order."""

    paid: bool
    closed: bool
    amount: int  # fen
    trade_no: str | None


@dataclass(frozen=True)
class Opened:
    """An order opened at the platform: what the mini-program needs to pay it, and the
    platform's trade number when it hands one out at once."""

    params: dict[str, Any]
    trade_no: str | None = None


@dataclass(frozen=True)
class Notify:
    """A verified notify: which order, for how much (fen), under which app."""

    out_trade_no: str
    amount: int
    trade_no: str
    app_id: str


class Gateway(Protocol):
    """One money platform for one channel app."""

    async def create(self, out_trade_no: str, subject: str, amount: int, payer: str) -> Opened:
        """Open (or reopen, same number and amount) an order for ``payer``."""
        ...

    async def query(self, out_trade_no: str) -> TradeState:
        """The order's state at the platform: the truth a notify only hints at."""
        ...

    async def close(self, out_trade_no: str) -> None:
        """Close an unpaid order (``ALREADY_PAID`` when it was paid meanwhile)."""
        ...

    async def refund(self, out_trade_no: str, refund_no: str, total: int, amount: int) -> str:
        """Give ``amount`` of the order's ``total`` back; returns the platform's refund id."""
        ...

    async def bill(self, day: date) -> list[BillLine]:
        """The platform's bill of ``day``."""
        ...

    def verify_notify(self, body: bytes) -> Notify:
        """A notify's body checked (signature, our app): ``BAD_SIGNATURE`` when it is not."""
        ...

    async def pay_with_code(
        self, out_trade_no: str, subject: str, amount: int, auth_code: str
    ) -> TradeState:
        """Charge the payment code a payer shows at a counter (被扫). ``USER_PAYING`` while the
        payer confirms on their phone, ``OUTCOME_UNKNOWN`` when the platform cannot say (query
        the order then), ``AUTH_INVALID`` for a bad or used code."""
        ...

    async def reverse(self, out_trade_no: str) -> None:
        """Cancel a code payment whatever became of it: unpaid, it can no longer be paid; paid,
        the money goes back. Safe to repeat."""
        ...
