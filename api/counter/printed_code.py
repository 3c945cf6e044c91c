"""The card's static code printed at the counter: a small page with the QR code, the holder's
masked name and the issuer, as PDF (fpdf2) or SVG.

The static payload is a MAC over the card's reference (``api.cards.qr``): it lasts until the
card is restored after a loss, when the reference rotates and the printout stops working. The
QR modules are drawn as vector rectangles, so the code stays sharp at any printer resolution.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape
from pathlib import Path

import segno
from fpdf import FPDF

from api.audit import service as audit
from api.cards import qr
from api.cards.identity import open_identity
from api.cards.lifecycle import refuse_unusable
from api.cards.models import Card
from api.context import AppContext
from api.errors import not_found
from api.masking import mask_id_number, mask_name
from api.principals import Caller

log = logging.getLogger("ehc.counter")

# Fonts with Chinese glyphs, first found wins (Debian: fonts-wqy-zenhei, fonts-noto-cjk).
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
PAGE = (80.0, 110.0)  # mm: a label a receipt or card printer takes
QR_SIZE = 56.0  # mm


@dataclass(frozen=True)
class PrintedCode:
    """What the printout shows."""

    payload: str
    name_masked: str
    id_number_masked: str
    issuer: str
    kind: str = "standard"


async def printable(ctx: AppContext, caller: Caller, card_id: str) -> PrintedCode:
    """The static code of a usable card, for printing at a terminal (the print is audited)."""
    card = await Card.get_or_none(card_id=card_id).select_related("person")
    if card is None:
        raise not_found("card")
    refuse_unusable(card.status)
    identity = open_identity(ctx, card.person)
    await audit.record(caller, "card.static_code_printed", target_type="card", target_id=card_id)
    return PrintedCode(
        payload=qr.issue_static(ctx.keys.issuer_key, card.issuer, card.static_ref),
        name_masked=mask_name(identity.name),
        id_number_masked=mask_id_number(identity.id_number),
        issuer=card.issuer,
        kind=card.kind,
    )


# A card without a document says so on paper: the clerk binds it once one is shown.
KIND_TITLES = {"temporary": "电子健康卡（临时卡）", "newborn": "电子健康卡（新生儿）"}
KIND_LATIN = {"temporary": "E-Health Card (temporary)", "newborn": "E-Health Card (newborn)"}


def _lines(code: PrintedCode) -> list[str]:
    return [f"持卡人 {code.name_masked}", f"证件号 {code.id_number_masked or '暂无'}",
            f"发卡机构 {code.issuer}"]  # fmt: skip


def _cjk_font() -> Path | None:
    return next((path for path in CJK_FONTS if path.exists()), None)


def pdf(code: PrintedCode) -> bytes:
    """The printout as a one-page PDF."""
    doc = FPDF(unit="mm", format=PAGE)
    doc.set_margins(0, 0)
    doc.set_auto_page_break(False)
    doc.add_page()
    font = _cjk_font()
    if font is not None:
        doc.add_font("cjk", fname=str(font))
        doc.set_font("cjk", size=14)
        title, lines = KIND_TITLES.get(code.kind, "电子健康卡"), _lines(code)
    else:  # no Chinese font on this machine: print what Latin letters can say
        log.warning("no CJK font found; the printout carries no Chinese text")
        doc.set_font("helvetica", size=12)
        title = KIND_LATIN.get(code.kind, "E-Health Card")
        lines = [f"ID {code.id_number_masked or '-'}", f"Issuer {code.issuer}"]
    doc.set_xy(0, 6)
    doc.cell(PAGE[0], 8, title, align="C")
    _draw_qr(doc, code.payload, (PAGE[0] - QR_SIZE) / 2, 16)
    doc.set_font_size(10)
    for number, text in enumerate(lines):
        doc.set_xy(0, 16 + QR_SIZE + 4 + number * 7)
        doc.cell(PAGE[0], 6, text, align="C")
    return bytes(doc.output())


def _draw_qr(doc: FPDF, payload: str, left: float, top: float) -> None:
    """The QR code's dark modules as filled rectangles (one per horizontal run)."""
    matrix = segno.make(payload, error="m").matrix
    quiet = 4
    module = QR_SIZE / (len(matrix) + 2 * quiet)
    doc.set_fill_color(0, 0, 0)
    for row, cells in enumerate(matrix):
        col = 0
        while col < len(cells):
            if not cells[col]:
                col += 1
                continue
            run = col
            while run < len(cells) and cells[run]:
                run += 1
            x, y = left + (quiet + col) * module, top + (quiet + row) * module
            doc.rect(x, y, (run - col) * module, module, style="F")
            col = run


def svg(code: PrintedCode) -> str:
    """The printout as an SVG page (the QR code nested, the text below it)."""
    width, height = 320, 440
    title = KIND_TITLES.get(code.kind, "电子健康卡")
    image = segno.make(code.payload, error="m").svg_inline(scale=8, omitsize=True)
    image = image.replace("<svg ", '<svg x="40" y="50" width="240" height="240" ', 1)
    text = "".join(
        f'<text x="{width // 2}" y="{340 + i * 30}" text-anchor="middle" font-size="20">'
        f"{escape(line)}</text>"
        for i, line in enumerate(_lines(code))
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="#fff"/>'
        f'<text x="{width // 2}" y="36" text-anchor="middle" font-size="24">{title}</text>'
        f"{image}{text}</svg>"
    )
