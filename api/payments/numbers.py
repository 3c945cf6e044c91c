"""Our own order numbers: a payment's out_trade_no and a refund's out_refund_no, unique and
sortable by time (the platforms' bills are matched to our books by them)."""

from __future__ import annotations

import secrets

from api.timefmt import now


def payment_number() -> str:
    """A payment id (the platforms' out_trade_no)."""
    return "PY" + now().strftime("%Y%m%d") + secrets.token_hex(6).upper()


def refund_number() -> str:
    """A refund id (the platforms' out_refund_no)."""
    return "RF" + now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(4).upper()
