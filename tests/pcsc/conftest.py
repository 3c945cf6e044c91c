"""PC/SC fixtures: our own pcscd with vsmartcard-vpcd, and simulated cards put into its reader."""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Iterator

import pytest

from tests.conftest import missing


@pytest.fixture(scope="session")
def pcscd() -> Iterator[object]:
    """pcscd running with the virtual readers (started here unless one already runs)."""
    if shutil.which("pcscd") is None and not os.path.exists("/usr/sbin/pcscd"):
        missing("pcscd is not installed (scripts/install-system-deps.sh installs it)")
    try:
        from counter_pos.pcsc_env import Pcscd, PcscdError
    except ImportError as exc:  # pyscard not built
        missing(f"pyscard is not installed: {exc}")
    daemon = Pcscd()
    try:
        daemon.start()
    except PcscdError as exc:
        missing(str(exc))
    yield daemon
    daemon.stop()


@pytest.fixture
def insert_card(pcscd: object) -> Iterator[object]:
    """``insert_card(applet, drop_after=None)`` puts a simulated card in reader 00 00; every
    card inserted is pulled at the end of the test."""
    from counter_pos.card_sim import SimulatedCard

    cards: list[SimulatedCard] = []

    def insert(applet: object, drop_after: int | None = None) -> SimulatedCard:
        card = SimulatedCard(applet, drop_after=drop_after)  # type: ignore[arg-type]
        card.insert()
        cards.append(card)
        return card

    yield insert
    for card in cards:
        card.pull()
    time.sleep(0.5)  # let the reader see it empty before the next test's card goes in


def chip_serial() -> str:
    """A chip serial no other test uses."""
    return "T" + secrets.token_hex(6).upper()
