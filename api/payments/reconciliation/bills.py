"""Reading the platforms' daily bills into one shape: a payment or refund line, in fen.

WeChat Pay's bill is text: a header row, rows whose values each start with a back-tick, then a
totals block. Alipay's is a zip of GBK CSV files; the detail file has the ``支付宝交易号`` header,
``#`` comment lines around it, and refunds as ``退款`` lines with negative amounts.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from api.errors import DomainError


@dataclass(frozen=True)
class BillLine:
    """One line of a platform's bill: ``reference`` is our out_trade_no for a payment and our
    refund number for a refund."""

    kind: Literal["payment", "refund"]
    reference: str
    out_trade_no: str
    amount: int  # fen, positive


def _fen(text: str) -> int:
    try:
        return abs(int((Decimal(text.strip()) * 100).to_integral_value()))
    except InvalidOperation as exc:
        raise DomainError("UPSTREAM_ERROR", f"the bill has an unreadable amount: {text!r}") from exc


def parse_wechat(text: str) -> list[BillLine]:
    """The lines of a WeChat Pay ``downloadbill`` answer (bill_type ALL)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or "商户订单号" not in rows[0]:
        raise DomainError("UPSTREAM_ERROR", "WeChat Pay's bill has no header row")
    header = rows[0]
    lines: list[BillLine] = []
    for row in rows[1:]:
        if not row or not row[0].startswith("`"):
            break  # the totals block
        values = dict(zip(header, (v.lstrip("`") for v in row), strict=False))
        if values.get("交易状态") == "REFUND":
            lines.append(BillLine("refund", values["商户退款单号"], values["商户订单号"],
                                  _fen(values["退款金额"])))  # fmt: skip
        else:
            # 订单金额 since 2017 (before coupons); older bills call it 总金额
            amount = values.get("订单金额") or values["总金额"]
            lines.append(BillLine("payment", values["商户订单号"], values["商户订单号"],
                                  _fen(amount)))  # fmt: skip
    return lines


def _alipay_detail(archive: zipfile.ZipFile) -> str:
    for name in archive.namelist():
        text = archive.read(name).decode("gbk", errors="replace")
        if "支付宝交易号," in text:
            return text
    raise DomainError("UPSTREAM_ERROR", "Alipay's bill has no detail file")


def parse_alipay(content: bytes) -> list[BillLine]:
    """The lines of an Alipay trade bill (the zip behind ``bill_download_url``)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise DomainError("UPSTREAM_ERROR", "Alipay's bill is not a zip file") from exc
    rows = [r for r in csv.reader(io.StringIO(_alipay_detail(archive))) if r]
    body = [r for r in rows if not r[0].startswith("#")]
    header = [h.strip() for h in body[0]]
    lines: list[BillLine] = []
    for row in body[1:]:
        values = dict(zip(header, (v.strip() for v in row), strict=False))
        amount, order = _fen(values["订单金额（元）"]), values["商户订单号"]
        if values.get("业务类型") == "退款":
            lines.append(BillLine("refund", values["退款批次号/请求号"], order, amount))
        else:
            lines.append(BillLine("payment", order, order, amount))
    return lines
