"""Reading the resident health card and the social-security card through PC/SC (pyscard).

The APDUs, in order (docs/chip-card-apdus.md): SELECT the health application by name; if the
card does not have it, SELECT ``SSSE`` (a social-security card); SELECT EF05, READ BINARY;
SELECT EF06, READ BINARY; SELECT EF08, READ BINARY (health cards, optional). Only command
names and status words are logged, never the data.

``read_chip_card`` reads either kind (what the counter links); ``read_health_card`` only the
health card.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass

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
    SocialSecurityHolder,
    SocialSecurityIssuer,
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
    from smartcard.Exceptions import SmartcardException
    from smartcard.pcsc.PCSCExceptions import BaseSCardException
    from smartcard.System import readers

    try:
        return [str(r) for r in readers()]
    except (SmartcardException, BaseSCardException):
        # No pcscd, or it went away or is still starting: pyscard raises one of a dozen
        # classes from two unrelated roots for these, depending on the PC/SC answer.
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
    if reader_name and reader_name not in available:
        raise NoReaderError(f"the reader {reader_name!r} is not connected")
    names = [reader_name] if reader_name else available
    for reader in readers():
        if str(reader) not in names:
            continue
        connection = reader.createConnection()
        try:
            connection.connect()
        except (NoCardException, CardConnectionException):
            _release(connection)
            continue
        return connection
    raise NoCardError("no card in the reader; insert the health card")


@dataclass(frozen=True)
class ChipCard:
    """A chip card read at the counter, health or social-security: what linking it needs."""

    kind: str  # health_card or social_security_card
    name: str
    sex: str
    birth_date: str
    id_number: str
    issuer_code: str
    issuer_name: str
    chip_serial: str
    phone: str = ""


def read_health_card(reader_name: str | None = None) -> HealthCardRecord:
    """Read issuer and holder data from the health card in ``reader_name`` (or any reader).

    Every failure is a ``ReaderError`` whose message tells the clerk what to do.
    """
    found = _guarded(reader_name, social_security=False)
    assert isinstance(found, HealthCardRecord)
    return found


def read_chip_card(reader_name: str | None = None) -> ChipCard:
    """Read the health card or the social-security card in ``reader_name`` (or any reader)."""
    found = _guarded(reader_name, social_security=True)
    if isinstance(found, ChipCard):
        return found
    issuer, holder = found.issuer, found.holder
    return ChipCard(
        kind="health_card", name=holder.name, sex=holder.sex, birth_date=holder.birth_date,
        id_number=holder.id_number or issuer.card_number, issuer_code=issuer.issuer_code,
        issuer_name=issuer.issuer_name, chip_serial=issuer.chip_serial or issuer.card_number,
        phone=found.extra.phone1,
    )  # fmt: skip


def _guarded(reader_name: str | None, *, social_security: bool) -> HealthCardRecord | ChipCard:
    from smartcard.Exceptions import SmartcardException
    from smartcard.pcsc.PCSCExceptions import BaseSCardException

    try:
        return _read(reader_name, social_security)
    except (SmartcardException, BaseSCardException) as exc:
        # pcscd stopped or the reader was unplugged between two calls.
        raise NoReaderError("the card reader stopped answering; check its cable") from exc


def _read(reader_name: str | None, social_security: bool) -> HealthCardRecord | ChipCard:
    connection = _connect(reader_name)
    try:
        session = _Session(connection)
        if not session.send("SELECT HEALTH", apdu.select_by_name(HEALTH_AID)).ok:
            if session.send("SELECT SSSE", apdu.select_by_name(SSSE_AID)).ok:
                if social_security:
                    return _social_security(session)
                raise SocialSecurityCardError(
                    "this is a social-security card; please present the resident health card"
                )
            raise UnsupportedCardError("this card is neither a health nor a social-security card")
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
        _release(connection)


def _social_security(session: _Session) -> ChipCard:
    """SSSE/EF05 (the card) and EF06 (the holder) of a social-security card."""
    card = decode(SocialSecurityIssuer, session.read_ef(EF_ISSUER))
    holder = decode(SocialSecurityHolder, session.read_ef(EF_HOLDER))
    return ChipCard(
        kind="social_security_card", name=holder.name, sex=holder.sex,
        birth_date=holder.birth_date, id_number=holder.id_number,
        issuer_code=card.issuer_code or "SSC", issuer_name="社会保障卡",
        chip_serial=card.card_id_code or card.card_number,
    )  # fmt: skip


def _release(connection: object) -> None:
    # Release the PC/SC context now: left to the garbage collector it fails noisily once
    # pcscd has gone.
    try:
        connection.release()  # type: ignore[attr-defined]
    except Exception:  # already gone with the card or with pcscd
        pass


class CardWatcher:
    """Reader and card events from our own polling thread, handed to an asyncio queue.

    Events: ``card_inserted``, ``card_removed``, ``reader_added``, ``reader_removed``, each
    with the reader's name. pyscard's monitors are not used: when pcscd stops they print a
    traceback and end, while this thread says so in one line and keeps retrying.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        queue: asyncio.Queue[tuple[str, str]],
        *,
        interval: float = 0.5,
        retry: float = 2.0,
    ) -> None:
        self.loop = loop
        self.queue = queue
        self.interval = interval
        self.retry = retry
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def _emit(self, kind: str, reader: str) -> None:
        # Called on the watcher's thread: only call_soon_threadsafe may touch the loop.
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, (kind, reader))
        except RuntimeError:  # the loop closed before stop(): nobody is listening
            self._stopping.set()

    def start(self) -> None:
        """Begin watching every reader and the cards going in and out."""
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="card-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (returns once the thread has ended)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        poll = _Poll()
        readers: set[str] = set()
        cards: set[str] = set()
        service: bool | None = None  # unknown until the first poll
        while not self._stopping.is_set():
            seen = poll.look()
            if seen is None:
                if service is not False:
                    said = "stopped" if service else "is not running"
                    log.warning(
                        "the card-reader service (pcscd) %s; retrying every %g s",
                        said, self.retry,
                    )  # fmt: skip
                service = False
                self._changes(readers, cards, set(), set())
                readers, cards = set(), set()
                self._stopping.wait(self.retry)
                continue
            if service is False:
                log.info("the card-reader service (pcscd) is back; watching the readers")
            service = True
            now_readers, now_cards = seen
            self._changes(readers, cards, now_readers, now_cards)
            readers, cards = now_readers, now_cards
            self._stopping.wait(self.interval)
        poll.close()

    def _changes(
        self, readers: set[str], cards: set[str], now_readers: set[str], now_cards: set[str]
    ) -> None:
        for name in sorted(now_readers - readers):
            self._emit("reader_added", name)
        for name in sorted(cards - now_cards):
            self._emit("card_removed", name)
        for name in sorted(now_cards - cards):
            self._emit("card_inserted", name)
        for name in sorted(readers - now_readers):
            self._emit("reader_removed", name)


class _Poll:
    """One look at PC/SC through ``smartcard.scard``: the readers, and which hold a card."""

    def __init__(self) -> None:
        self.context: int | None = None
        self.last: tuple[set[str], set[str]] = (set(), set())

    def look(self) -> tuple[set[str], set[str]] | None:
        """``(readers, readers holding a card)``, or None when pcscd cannot be reached."""
        from smartcard import scard

        names = self._readers()
        if names is None:
            self.close()  # a context outlived a pcscd restart: open a fresh one, once
            names = self._readers()
            if names is None:
                self.close()
                return None
        if not names:
            self.last = (set(), set())
            return self.last
        states = [(name, scard.SCARD_STATE_UNAWARE) for name in names]
        hresult, found = scard.SCardGetStatusChange(self.context, 0, states)
        if hresult in (scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED):
            self.close()
            return None
        if hresult == scard.SCARD_S_SUCCESS:
            present = {name for name, state, _atr in found if state & scard.SCARD_STATE_PRESENT}
            self.last = (set(names), present)
        # Otherwise a reader left between the two calls: keep the last look until the next.
        return self.last

    def _readers(self) -> list[str] | None:
        from smartcard import scard

        if self.context is None:
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult != scard.SCARD_S_SUCCESS:
                return None
            self.context = context
        hresult, names = scard.SCardListReaders(self.context, [])
        if hresult == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        return list(names) if hresult == scard.SCARD_S_SUCCESS else None

    def close(self) -> None:
        if self.context is not None:
            from smartcard import scard

            scard.SCardReleaseContext(self.context)  # an error code once pcscd is gone
            self.context = None
