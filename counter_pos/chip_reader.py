"""Reading the resident health card through PC/SC (pyscard).

The APDUs, in order (docs/chip-card-apdus.md): SELECT the health application by name; if the
card does not have it, SELECT ``SSSE`` to tell a social-security card apart; SELECT EF05,
READ BINARY; SELECT EF06, READ BINARY; SELECT EF08, READ BINARY (optional). Only command names
and status words are logged, never the data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from counter_pos import apdu
from counter_pos.card_layout import (
    EF_EXTRA,
    EF_HOLDER,
    EF_ISSUER,
    HEALTH_AID,
    SSSE_AID,
    ExtraData,
    HealthCardRecord,
    HolderData,
    IssuerData,
    decode,
)

log = logging.getLogger("counter_pos.chip")


class ReaderError(Exception):
    """The reader or PC/SC failed; ``str()`` says what to do at the counter."""


class NoReaderError(ReaderError):
    """No PC/SC reader is connected."""


class NoCardError(ReaderError):
    """The reader is empty."""


class CardRemovedError(ReaderError):
    """The card left the reader during the read."""


class UnsupportedCardError(ReaderError):
    """The card has no health application."""


class SocialSecurityCardError(UnsupportedCardError):
    """A social-security card was presented, not a health card."""


def list_readers() -> list[str]:
    """Names of the connected readers (empty when PC/SC has none or is not running)."""
    from smartcard.Exceptions import ListReadersException
    from smartcard.System import readers

    try:
        return [str(r) for r in readers()]
    except ListReadersException:
        return []


class _Session:
    def __init__(self, connection: object) -> None:
        self.connection = connection

    def send(self, name: str, command: list[int]) -> apdu.Response:
        from smartcard.Exceptions import CardConnectionException

        try:
            data, sw1, sw2 = self.connection.transmit(command)  # type: ignore[attr-defined]
        except CardConnectionException as exc:
            raise CardRemovedError(
                "the card was pulled out during the read; insert it again"
            ) from exc
        response = apdu.Response(bytes(data), sw1, sw2)
        log.debug("apdu", extra={"fields": {"command": name, "sw": response.sw}})
        return response

    def read_ef(self, fid: int) -> bytes:
        selected = self.send(f"SELECT EF {fid:04X}", apdu.select_by_id(fid))
        if not selected.ok:
            raise UnsupportedCardError(f"the card has no file {fid:04X} (SW {selected.sw})")
        read = self.send(f"READ BINARY {fid:04X}", apdu.read_binary())
        if not read.ok:
            raise ReaderError(f"the card refused to read file {fid:04X} (SW {read.sw})")
        return read.data


def _connect(reader_name: str | None) -> object:
    from smartcard.Exceptions import CardConnectionException, NoCardException
    from smartcard.System import readers

    available = list_readers()
    if not available:
        raise NoReaderError("no card reader is connected (is pcscd running?)")
    names = [reader_name] if reader_name else available
    for reader in readers():
        if str(reader) not in names:
            continue
        connection = reader.createConnection()
        try:
            connection.connect()
        except (NoCardException, CardConnectionException):
            continue
        return connection
    raise NoCardError("no card in the reader; insert the health card")


def read_health_card(reader_name: str | None = None) -> HealthCardRecord:
    """Read issuer and holder data from the health card in ``reader_name`` (or any reader)."""
    connection = _connect(reader_name)
    try:
        session = _Session(connection)
        if not session.send("SELECT HEALTH", apdu.select_by_name(HEALTH_AID)).ok:
            if session.send("SELECT SSSE", apdu.select_by_name(SSSE_AID)).ok:
                raise SocialSecurityCardError(
                    "this is a social-security card; please present the resident health card"
                )
            raise UnsupportedCardError("this card is not a resident health card")
        issuer = decode(IssuerData, session.read_ef(EF_ISSUER))
        holder = decode(HolderData, session.read_ef(EF_HOLDER))
        try:
            extra = decode(ExtraData, session.read_ef(EF_EXTRA))
        except UnsupportedCardError:
            extra = ExtraData()  # optional on older cards
        return HealthCardRecord(issuer, holder, extra)
    except ValueError as exc:
        raise ReaderError("the card's data could not be read; try again") from exc
    finally:
        try:
            connection.disconnect()  # type: ignore[attr-defined]
        except Exception:  # already gone with the card
            pass


class CardWatcher:
    """Reader and card events from pyscard's monitoring thread, handed to an asyncio queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[tuple[str, str]]):
        self.loop = loop
        self.queue = queue
        self._card_monitor: object | None = None
        self._observer: object | None = None

    def _emit(self, kind: str, reader: str) -> None:
        # Called on pyscard's thread: only call_soon_threadsafe may touch the loop.
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (kind, reader))

    def start(self) -> None:
        """Begin watching for cards going in and out of every reader."""
        from smartcard.CardMonitoring import CardMonitor, CardObserver

        emit: Callable[[str, str], None] = self._emit

        class Observer(CardObserver):  # type: ignore[misc]
            def update(self, observable: object, actions: tuple) -> None:
                added, removed = actions
                for card in added:
                    emit("card_inserted", str(card.reader))
                for card in removed:
                    emit("card_removed", str(card.reader))

        self._card_monitor = CardMonitor()
        self._observer = Observer()
        self._card_monitor.addObserver(self._observer)  # type: ignore[attr-defined]

    def stop(self) -> None:
        """Stop watching."""
        if self._card_monitor is not None:
            self._card_monitor.deleteObserver(self._observer)  # type: ignore[attr-defined]
