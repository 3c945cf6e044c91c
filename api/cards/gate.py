"""The gate before a scanner may spend a code: its token still alive, and the scanner not
slowed by a storm of forged codes (at most ``FORGED_LIMIT`` forged or malformed codes a
minute, then ``TOO_MANY_REQUESTS`` for every code until the window passes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.context import AppContext
from api.errors import too_many
from api.kv import KV, Trip, key
from api.tokens import TokenCheck

FORGED_LIMIT = 20  # forged or malformed codes per scanner per minute before it is slowed
FORGED_WINDOW = 60


def storm_key(scanner: str) -> str:
    """Where a scanner's (a terminal's) forged codes are counted."""
    return key("qr-forged", f"term:{scanner}")


async def count_forgery(ctx: AppContext, scanner: str) -> None:
    """One more forged or malformed code from ``scanner`` in this window."""
    await ctx.kv.hit(storm_key(scanner), FORGED_WINDOW)


@dataclass
class Gate:
    """What must hold before a scanner may spend a code. The gate's reads ride in the round
    trip that spends the code (:meth:`ride`, :meth:`settle`); a code taken while the gate
    turns out shut is given back. :meth:`hold` checks it on its own (refusals, forwarded
    codes)."""

    token: TokenCheck | None
    storm_key: str
    limit: int = FORGED_LIMIT
    window: int = FORGED_WINDOW
    settled: bool = False

    @classmethod
    def of(cls, scanner: str, token: TokenCheck | None) -> Gate:
        """The gate of one scanner (its forged codes counted under its id)."""
        return cls(token, storm_key(scanner))

    def ride(self, trip: Trip) -> tuple[int, int]:
        """Queue the gate's reads; their places in the answers."""
        return (self.token.ride(trip) if self.token else -1, trip.get(self.storm_key))

    def settle(self, answers: list[Any], places: tuple[int, int]) -> None:
        """``UNAUTHENTICATED`` for a dead token, ``TOO_MANY_REQUESTS`` for a slowed scanner."""
        self.settled = True
        if self.token:
            self.token.settle(answers[places[0]])
        count = answers[places[1]]
        if count and int(count) >= self.limit:
            raise too_many(self.window, "too many invalid codes from this terminal; wait a minute")

    async def hold(self, kv: KV) -> None:
        """Check the gate in a round trip of its own, unless that is done already."""
        if not self.settled:
            trip = kv.trip()
            places = self.ride(trip)
            self.settle(await trip.send(), places)
