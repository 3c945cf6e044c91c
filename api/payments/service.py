"""Paying for a booking: the payments area's use cases, each in the module named after it.

Rules: never call a platform while holding a database transaction; a payment changes state
once, under a row lock, whatever the number or order of notifies (``confirmation``); a notify
is a hint, the platform's own answer to a query is the truth (``notifies``); money for a
booking that is no longer waiting (expired, cancelled, or already paid another way) goes back
automatically (``refunds``); orders nobody will pay are closed (``sweep``). Opening a payment is
``orders``. WeChat Pay, Alipay and the medical-insurance platform are reached through
``gateways`` only.

Medical insurance hooks in at four points: opening the payment (``insurance.flow``), settling
before the booking completes, giving everything back, and the sweep (``insurance.settlements``).
"""

from __future__ import annotations

from api.payments.confirmation import confirm_paid
from api.payments.gateways.registry import gateway_for
from api.payments.notifies import on_notify
from api.payments.orders import owned, start, start_payable
from api.payments.refunds import give_back, refund, refund_booking
from api.payments.sweep import sweep

__all__ = [
    "confirm_paid",
    "gateway_for",
    "give_back",
    "on_notify",
    "owned",
    "refund",
    "refund_booking",
    "start",
    "start_payable",
    "sweep",
]
