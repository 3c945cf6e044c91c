"""The platforms' daily bills, in their own formats, for any day up to and including today
(Beijing time).

- WeChat Pay: ``pay/downloadbill`` (signed XML request) answers the bill as text: a header row,
  one row per payment and per refund with every value behind a back-tick, then the totals.
- Alipay: ``alipay.data.dataservice.bill.downloadurl.query`` answers a ``bill_download_url``;
  that URL serves a zip with the detail and summary CSV files in GBK.

A bill can be told not to match the books: ``POST /faults`` with target ``wechatpay.bill`` or
``alipay.bill``, mode ``bill_mismatch``, ``kind`` ``amount`` (one fen more), ``missing`` (the
line left out) or ``extra`` (a line for an order nobody placed), and ``out_trade_no`` (default:
the first payment line); it holds for ``count`` downloads.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from miniapp_mock.clock import BEIJING, TIME, beijing_now
from miniapp_mock.faults import http_500, state, take
from miniapp_mock.wechatpay import reply, signed_request

WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
    "付款银行,货币种类,应结订单总金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
    "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
WECHAT_TOTALS = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)
ALIPAY_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
    "对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,"
    "券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
)


@dataclass(frozen=True)
class Line:
    """One bill line, platform-neutral until it is written out."""

    at: datetime
    out_trade_no: str
    trade_no: str
    amount: Decimal  # yuan, positive
    refund_no: str = ""  # the merchant's refund number; empty for a payment
    platform_refund_no: str = ""
    payer: str = ""
    subject: str = ""
    app_id: str = ""


def _day_of(text: str, fmt: str) -> date | None:
    try:
        day = datetime.strptime(text, fmt).date()
    except ValueError:
        return None
    return day if day <= beijing_now().date() else None


def _mismatched(request: Request, target: str, lines: list[Line]) -> list[Line]:
    """Apply every armed ``bill_mismatch`` fault of ``target`` (counting each down)."""
    queue = state(request).faults.get(target, [])
    for fault in [f for f in queue if f["mode"] == "bill_mismatch"]:
        fault["count"] -= 1
        if fault["count"] <= 0:
            queue.remove(fault)
        payments = [ln for ln in lines if not ln.refund_no]
        wanted = fault.get("out_trade_no")
        victim = next((ln for ln in payments if ln.out_trade_no == wanted or not wanted), None)
        kind = fault.get("kind")
        if kind == "extra":
            ghost = "GHOST" + secrets.token_hex(6).upper()
            lines = [*lines, Line(beijing_now(), ghost, "42" + secrets.token_hex(13), Decimal("1"))]
        elif victim is not None and kind == "amount":
            lines = [replace(ln, amount=ln.amount + Decimal("0.01")) if ln is victim else ln
                     for ln in lines]  # fmt: skip
        elif victim is not None and kind == "missing":
            lines = [ln for ln in lines if ln is not victim]
    return lines


def _wechat_lines(request: Request, mch_id: str, day: date) -> list[Line]:
    lines: list[Line] = []
    for order in state(request).wechatpay["orders"].values():
        if order["mch_id"] != mch_id or not order.get("time_end"):
            continue
        paid_at = datetime.strptime(order["time_end"], "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)
        common = {
            "out_trade_no": order["out_trade_no"], "trade_no": order["transaction_id"],
            "payer": order["openid"], "subject": order["body"], "app_id": order["appid"],
        }  # fmt: skip
        if paid_at.date() == day:
            lines.append(Line(at=paid_at, amount=Decimal(order["total_fee"]) / 100, **common))
        for refund_no, refund in order["refunds"].items():
            if refund["at"].date() == day:
                lines.append(Line(at=refund["at"], amount=Decimal(refund["refund_fee"]) / 100,
                                  refund_no=refund_no, platform_refund_no=refund["refund_id"],
                                  **common))  # fmt: skip
    return sorted(lines, key=lambda ln: ln.at)


def _yuan(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _total(lines: list[Line]) -> str:
    return _yuan(sum((ln.amount for ln in lines), Decimal(0)))


def _wechat_row(line: Line, mch_id: str) -> str:
    refund = bool(line.refund_no)
    values = [
        line.at.strftime(TIME), line.app_id, mch_id, "0", "", line.trade_no, line.out_trade_no,
        line.payer, "JSAPI", "REFUND" if refund else "SUCCESS", "OTHERS", "CNY",
        "0.00" if refund else _yuan(line.amount), "0.00", line.platform_refund_no,
        line.refund_no, _yuan(line.amount) if refund else "0.00", "0.00",
        "ORIGINAL" if refund else "", "SUCCESS" if refund else "", line.subject, "",
        "0.00000", "0.60%", "0.00" if refund else _yuan(line.amount),
        _yuan(line.amount) if refund else "0.00", "",
    ]  # fmt: skip
    return ",".join("`" + v for v in values)


def _wechat_bill(lines: list[Line], mch_id: str) -> str:
    paid = [ln for ln in lines if not ln.refund_no]
    refunded = [ln for ln in lines if ln.refund_no]
    totals = [str(len(lines)), _total(paid), _total(refunded), "0.00", "0.00000",
              _total(paid), _total(refunded)]  # fmt: skip
    rows = [WECHAT_HEADER, *(_wechat_row(ln, mch_id) for ln in lines), WECHAT_TOTALS]
    rows.append(",".join("`" + v for v in totals))
    return "\r\n".join(rows) + "\r\n"


async def wechat_download(request: Request) -> Response:
    """``pay/downloadbill``: the day's bill as text (ALL, SUCCESS or REFUND lines)."""
    checked = await signed_request(request, "wechatpay.downloadbill")
    if isinstance(checked, Response):
        return checked
    data, _key = checked
    day = _day_of(str(data.get("bill_date", "")), "%Y%m%d")
    if day is None:
        return reply({"return_code": "FAIL", "return_msg": "invalid bill_date",
                       "error_code": "20001"}, None)  # fmt: skip
    lines = _mismatched(request, "wechatpay.bill", _wechat_lines(request, data["mch_id"], day))
    kind = data.get("bill_type") or "ALL"
    if kind == "SUCCESS":
        lines = [ln for ln in lines if not ln.refund_no]
    elif kind == "REFUND":
        lines = [ln for ln in lines if ln.refund_no]
    return Response(_wechat_bill(lines, data["mch_id"]), media_type="text/plain; charset=utf-8")


def _alipay_lines(request: Request, app_id: str, day: date) -> list[Line]:
    lines: list[Line] = []
    for trade in state(request).alipay_trades.values():
        if trade["app_id"] != app_id or not trade.get("gmt_payment"):
            continue
        paid_at = datetime.strptime(trade["gmt_payment"], TIME).replace(tzinfo=BEIJING)
        common = {"out_trade_no": trade["out_trade_no"], "trade_no": trade["trade_no"],
                  "payer": trade["buyer_id"], "subject": trade["subject"]}  # fmt: skip
        if paid_at.date() == day:
            lines.append(Line(at=paid_at, amount=trade["total_amount"], **common))
        for request_no, refund in trade["refunds"].items():
            if refund["at"].date() == day:
                lines.append(Line(at=refund["at"], amount=refund["amount"], refund_no=request_no,
                                  **common))  # fmt: skip
    return sorted(lines, key=lambda ln: ln.at)


def _alipay_row(line: Line, created: str) -> str:
    refund = bool(line.refund_no)
    amount = _yuan(-line.amount if refund else line.amount)
    values = [
        line.trade_no, line.out_trade_no, "退款" if refund else "交易", line.subject, created,
        line.at.strftime(TIME), "", "", "", "", line.payer, amount, amount, "0.00", "0.00",
        "0.00", "0.00", "0.00", "", "0.00", "0.00", line.refund_no, "0.00", "0.00", "",
    ]  # fmt: skip
    return ",".join(values)


def _alipay_zip(lines: list[Line], app_id: str, day: date) -> bytes:
    """The zip Alipay serves: detail and summary CSV files in GBK."""
    span = f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{day:%Y年%m月%d日} 23:59:59]"
    paid = [ln for ln in lines if not ln.refund_no]
    refunded = [ln for ln in lines if ln.refund_no]
    detail = [
        "#支付宝交易记录明细查询", f"#账号：[{app_id}]", span,
        "#-----------------------------------------业务明细列表----------------------------------------",
        ALIPAY_HEADER, *(_alipay_row(ln, ln.at.strftime(TIME)) for ln in lines),
        "#-----------------------------------------业务明细列表结束------------------------------------",
        f"#交易合计：{len(paid)}笔，商家实收共{_total(paid)}元",
        f"#退款合计：{len(refunded)}笔，商家实收退款共{_total(refunded)}元",
        f"#导出时间：[{beijing_now():%Y年%m月%d日 %H:%M:%S}]",
    ]  # fmt: skip
    summary = ["#支付宝业务汇总查询", f"#账号：[{app_id}]", span,
               "门店编号,门店名称,交易订单总笔数", f",,{len(paid)}"]  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        stem = f"{app_id}{day:%Y%m%d}"
        archive.writestr(f"{stem}_业务明细.csv", "\r\n".join(detail).encode("gbk"))
        archive.writestr(f"{stem}_业务明细(汇总).csv", "\r\n".join(summary).encode("gbk"))
    return out.getvalue()


async def alipay_bill_url(
    request: Request, params: dict[str, str], biz: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """``alipay.data.dataservice.bill.downloadurl.query``: where to fetch the day's bill."""
    day = _day_of(str(biz.get("bill_date", "")), "%Y-%m-%d")
    if biz.get("bill_type") not in ("trade", "signcustomer") or day is None:
        return "error", {"sub_code": "isp.bill_not_exist", "sub_msg": "账单不存在",
                         "code": "40004"}  # fmt: skip
    lines = _mismatched(request, "alipay.bill", _alipay_lines(request, params["app_id"], day))
    token = secrets.token_urlsafe(16)
    state(request).bill_files[token] = _alipay_zip(lines, params["app_id"], day)
    base = str(request.url).split("/alipay/gateway.do")[0]
    return "ok", {"bill_download_url": f"{base}/alipay/bills/{token}"}


async def alipay_bill_file(request: Request) -> Response:
    """``GET /alipay/bills/{token}``: the zip behind a download URL."""
    fault = await take(request, "alipay.billfile")
    if fault and fault["mode"] == "http_500":
        return http_500()
    content = state(request).bill_files.get(request.path_params["token"])
    if content is None:
        return Response("Not Found", 404)
    return Response(content, media_type="application/zip")


METHODS = {"alipay.data.dataservice.bill.downloadurl.query": alipay_bill_url}

routes = [
    Route("/wechat/pay/downloadbill", wechat_download, methods=["POST"]),
    Route("/alipay/bills/{token}", alipay_bill_file),
]
