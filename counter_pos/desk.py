"""What the counter does: read the chip card and link it, verify a scanned code, check in.

Every entry point (the local HTTP API, the scanner, the reader watcher) goes through one
``Desk``; it keeps the latest results so that a HIS screen can show what the clerk just did.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from counter_pos import chip_reader
from counter_pos.card_layout import HealthCardRecord
from counter_pos.core_client import CoreClient, CoreError
from counter_pos.id_document import IdDocument
from counter_pos.id_reader import IdReader, IdReaderUnavailable

log = logging.getLogger("counter_pos")
RECENT = 50


@dataclass
class DeskEvent:
    """One thing that happened at the counter, as the HIS may show it (no ID numbers)."""

    kind: str  # card_read, scan, card_inserted, card_removed, reader_error
    ok: bool
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    result: dict[str, Any] | None = None
    error: dict[str, str] | None = None


class Desk:
    """The counter's operations, shared by every way in."""

    def __init__(
        self,
        core: CoreClient,
        *,
        reader: str | None = None,
        scene: str = "registration",
        id_reader: IdReader | None = None,
    ) -> None:
        self.core = core
        self.reader = reader
        self.scene = scene
        self.id_reader = id_reader
        self.recent: deque[DeskEvent] = deque(maxlen=RECENT)
        self._reader_lock = asyncio.Lock()  # one chip conversation at a time

    async def read_chip(self) -> HealthCardRecord:
        """The health card in the reader, read on a worker thread (pyscard blocks)."""
        async with self._reader_lock:
            return await asyncio.to_thread(chip_reader.read_health_card, self.reader)

    async def read_any_chip(self) -> chip_reader.ChipCard:
        """The health or social-security card in the reader (read on a worker thread)."""
        async with self._reader_lock:
            return await asyncio.to_thread(chip_reader.read_chip_card, self.reader)

    async def identify_chip(self, scene: str | None = None) -> dict[str, Any]:
        """Read the chip (a health card or a social-security card) and have the card centre
        link it, issuing the e-card if the holder has none: identity, card and patient id."""
        chip = await self.read_any_chip()
        body = {
            "name": chip.name,
            "id_type": "01",
            "id_number": chip.id_number,
            "card_issuer_code": chip.issuer_code,
            "chip_serial": chip.chip_serial,
            "scene": scene or self.scene,
        }
        if chip.phone:
            body["phone"] = chip.phone
        answer: dict[str, Any] = await self.core.call("POST", "/api/v1/pos/physical-cards", body)
        answer["source"] = "chip"
        answer["chip_kind"] = chip.kind
        answer["card_issuer_name"] = chip.issuer_name
        return answer

    async def read_id_document(self) -> IdDocument:
        """The ID card on the ID reader (read on a worker thread: the serial line blocks)."""
        if self.id_reader is None:
            raise IdReaderUnavailable("this counter has no ID reader (counter-pos --id-reader)")
        return await asyncio.to_thread(self.id_reader.read)

    async def issue_from_id_document(self, phone: str | None = None) -> dict[str, Any]:
        """Read the ID card on the reader and have the card centre issue (or find) its holder's
        e-card: the document read here is the proof."""
        document = await self.read_id_document()
        body: dict[str, Any] = {
            "name": document.name,
            "id_type": "01",
            "id_number": document.id_number,
            "document_source": "id_reader",
        }
        if phone:
            body["phone"] = phone
        answer: dict[str, Any] = await self.core.call("POST", "/api/v1/pos/cards", body)
        answer["source"] = "id_card"
        self._remember(DeskEvent("id_card_read", True, result=answer))
        return answer

    async def verify(
        self, qr: str, scene: str | None = None, *, with_identity: bool = False
    ) -> dict[str, Any]:
        """Verify a scanned code with the card centre.

        The answer names the patient masked (``name_masked``, ``age``); the full ``identity``
        comes with it when the scan opened this institution's patient record (the HIS files
        it) or when ``with_identity`` asks for it (the card centre audits that read), so ask
        only where the HIS needs the document number.
        """
        body: dict[str, Any] = {"qr": qr.strip(), "scene": scene or self.scene}
        if with_identity:
            body["with_identity"] = True
        answer: dict[str, Any] = await self.core.call("POST", "/api/v1/pos/verify", body)
        answer["source"] = "qr"
        return answer

    async def check_in(self, qr: str, appointment_id: str) -> dict[str, Any]:
        """Check a booked patient in by their code."""
        body = {"qr": qr.strip(), "appointment_id": appointment_id}
        answer: dict[str, Any] = await self.core.call("POST", "/api/v1/pos/checkin", body)
        return answer

    async def on_scan(self, line: str) -> DeskEvent:
        """A line from the barcode scanner: verify it and remember the outcome."""
        try:
            event = DeskEvent("scan", True, result=await self.verify(line))
        except CoreError as exc:
            event = DeskEvent("scan", False, error={"code": exc.code, "message": exc.message})
        self._remember(event)
        return event

    async def on_reader_event(self, kind: str, reader: str) -> DeskEvent:
        """A card went into or out of a reader: identify on insertion."""
        if kind != "card_inserted" or (self.reader and reader != self.reader):
            event = DeskEvent(kind, True, result={"reader": reader})
            self._remember(event)
            return event
        try:
            event = DeskEvent("card_read", True, result=await self.identify_chip())
        except chip_reader.ReaderError as exc:
            event = DeskEvent("card_read", False, error=reader_error(exc))
        except CoreError as exc:
            event = DeskEvent("card_read", False, error={"code": exc.code, "message": exc.message})
        self._remember(event)
        return event

    def _remember(self, event: DeskEvent) -> None:
        self.recent.appendleft(event)
        if event.ok:
            log.info("%s ok", event.kind)
        else:
            log.warning("%s refused: %s", event.kind, (event.error or {}).get("code"))


READER_CODES: dict[type[chip_reader.ReaderError], str] = {
    chip_reader.NoReaderError: "NO_READER",
    chip_reader.NoCardError: "NO_CARD",
    chip_reader.CardRemovedError: "CARD_REMOVED",
    chip_reader.SocialSecurityCardError: "SOCIAL_SECURITY_CARD",
    chip_reader.UnsupportedCardError: "UNSUPPORTED_CARD",
}


def reader_error(exc: chip_reader.ReaderError) -> dict[str, str]:
    """The stable code and the clerk's message of a reader failure."""
    return {"code": READER_CODES.get(type(exc), "READER_ERROR"), "message": str(exc)}
