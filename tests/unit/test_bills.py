"""Reading the platforms' bills: WeChat Pay's published sample and Alipay's zip of GBK CSV."""

from __future__ import annotations

import io
import zipfile

import pytest

from api.errors import DomainError
from api.payments.reconciliation.bills import BillLine, parse_alipay, parse_wechat

# WeChat Pay's documented bill (downloadbill, bill_type=ALL), older column names, with a refund.
WECHAT_SAMPLE = (
    "\ufeff交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,总金额,代金券或立减优惠金额,微信退款单号,商户退款单号,退款金额,"
    "代金券或立减优惠退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率\r\n"
    "`2014-11-10 16:33:45,`wx2421b1c4370ec43b,`10000100,`0,`1000,`1001690740201411100005734289,"
    "`1415640626,`085e9858e3ba5186aafcbaed1,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`0.01,`0.0,`0,`0,`0,"
    "`0,`,`,`被扫支付测试,`订单额外描述,`0,`0.60%\r\n"
    "`2014-11-10 16:46:14,`wx2421b1c4370ec43b,`10000100,`0,`1000,`1002780740201411100005729794,"
    "`1415635270,`085e9858e90ca40c0b5aee463,`MICROPAY,`REFUND,`OTHERS,`CNY,`0.00,`0.0,"
    "`2002780740201411100000012345,`RF1415635270,`0.01,`0.0,`ORIGINAL,`SUCCESS,`被扫支付测试,"
    "`订单额外描述,`0,`0.60%\r\n"
    "总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,手续费总金额\r\n"
    "`2,`0.01,`0.01,`0.0,`0\r\n"
)


def test_wechat_bill_lines_in_fen() -> None:
    assert parse_wechat(WECHAT_SAMPLE) == [
        BillLine("payment", "1415640626", "1415640626", 1),
        BillLine("refund", "RF1415635270", "1415635270", 1),
    ]


def test_an_empty_wechat_day_and_a_page_that_is_no_bill() -> None:
    header = WECHAT_SAMPLE.split("\r\n")[0]
    assert parse_wechat(f"{header}\r\n总交易单数,总交易额\r\n`0,`0.00\r\n") == []
    with pytest.raises(DomainError) as refused:
        parse_wechat("<html>502 Bad Gateway</html>")
    assert refused.value.code == "UPSTREAM_ERROR"


def _alipay_zip(rows: list[str]) -> bytes:
    detail = [
        "#支付宝交易记录明细查询",
        "#账号：[20881234567890120156]",
        "#-----------------------------------------业务明细列表----------------------------------------",
        "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
        "对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,"
        "商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,"
        "退款批次号/请求号,服务费（元）,分润（元）,备注",
        *rows,
        "#-----------------------------------------业务明细列表结束------------------------------------",
        "#交易合计：1笔，商家实收共15.00元，商家优惠共0.00元",
    ]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("20881234567890120156_20261125_业务明细(汇总).csv", "#汇总".encode("gbk"))
        archive.writestr("20881234567890120156_20261125_业务明细.csv",
                         "\r\n".join(detail).encode("gbk"))  # fmt: skip
    return out.getvalue()


def test_alipay_bill_with_a_refund() -> None:
    paid = (
        "2026112522001400001\t,PY1\t,交易,挂号费,2026-11-25 09:00:00,2026-11-25 09:00:05,,,,,"
        "buyer@example.com,15.00,15.00,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,,0.00,0.00,"
    )
    back = (
        "2026112522001400001\t,PY1\t,退款,挂号费,2026-11-25 09:00:00,2026-11-25 10:00:00,,,,,"
        "buyer@example.com,-5.50,-5.50,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,RF1\t,0.00,0.00,"
    )
    assert parse_alipay(_alipay_zip([paid, back])) == [
        BillLine("payment", "PY1", "PY1", 1500),
        BillLine("refund", "RF1", "PY1", 550),
    ]
    with pytest.raises(DomainError):
        parse_alipay(b"not a zip")
