"""The admin sign-in lock-out: at most ``admin_max_failures`` attempts are evaluated per
username within ``admin_lock_seconds``, however many arrive at once.

The rule: an attempt first reserves its place with one atomic INCR on the username's counter
(the window starts with the first reservation). The first N reservations are evaluated; any
later one is refused with 423 ``ACCOUNT_LOCKED`` (``Retry-After``: the rest of the window)
before the password is even looked at. A successful sign-in hands its reservation back, so only
failures use the allowance. The counter is keyed by a digest of the username as typed, existing
or not, so the lock tells nothing about which names exist. A username that reaches the limit is
also locked in the database (``AdminUser.locked_until``), which outlives a store that loses
its data.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.crypto import sm3_hex
from api.errors import DomainError
from api.kv import KV, key


def _counter(username: str) -> str:
    return key("signin", "admin:" + sm3_hex(username.encode())[:32])


@dataclass(frozen=True)
class Reservation:
    """One attempt's place: ``last`` when it is the final one the window allows."""

    counter: str
    last: bool


def locked(seconds: int) -> DomainError:
    """423 ``ACCOUNT_LOCKED`` with ``Retry-After``."""
    return DomainError(
        "ACCOUNT_LOCKED",
        "too many failed sign-ins; try later",
        headers={"Retry-After": str(max(1, seconds))},
    )


async def reserve(kv: KV, username: str, limit: int, window: int) -> Reservation:
    """Reserve one evaluation for ``username``, or raise ``ACCOUNT_LOCKED``."""
    counter = _counter(username)
    count = await kv.hit(counter, window)
    if count > limit:
        raise locked(await kv.ttl(counter))
    return Reservation(counter, count == limit)


async def give_back(kv: KV, reservation: Reservation) -> None:
    """A successful sign-in: its attempt does not count against the allowance."""
    await kv.unhit(reservation.counter)


async def clear(kv: KV, username: str) -> None:
    """Forget the failures counted for ``username`` (its password was just reset)."""
    await kv.delete(_counter(username))
