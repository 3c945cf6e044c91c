"""What can be paid: a small core type shared by payments (which takes the money) and the
areas whose things are paid (bookings, HIS bills), so that payments never imports them.

An area that has payable things hands a :class:`PayableSource` to the composition root; the
payments area loads a :class:`Payable` through it and tells it when the money arrived."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from api.context import AppContext
    from api.principals import Caller


@dataclass(frozen=True)
class PayableItem:
    """One fee line, as uploaded to the medical insurance (national item code, unit price)."""

    code: str
    name: str
    quantity: int
    unit_price: int  # fen


@dataclass(frozen=True)
class Payable:
    """Something a resident owes: its kind and id, the card it is for, the amount in fen."""

    kind: str  # "appointment" or "bill"
    id: str
    card_id: str
    amount: int
    subject: str
    items: tuple[PayableItem, ...]


class PayableSource(Protocol):
    """The owning area's side: find a payable the caller (or an institution's counter) may
    pay, and take a payment of it."""

    async def load(self, ctx: AppContext, caller: Caller, payable_id: str) -> Payable:
        """The payable, if the caller may pay it now (else NOT_FOUND or NOT_PAYABLE)."""
        ...

    async def load_for_institution(
        self, ctx: AppContext, institution_code: str, payable_id: str
    ) -> Payable:
        """The payable, if it is the institution's and waits for payment (else NOT_FOUND or
        NOT_PAYABLE): what its counter may charge. Inside a transaction its row stays locked
        until the transaction ends."""
        ...

    async def mark_paid(self, ctx: AppContext, payable_id: str, payment_id: str) -> bool:
        """The money arrived; False when the payable was no longer waiting (it goes back)."""
        ...
