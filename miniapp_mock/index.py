"""``GET /mock/``: a page listing every stand-in, what it simulates and its routes."""

from __future__ import annotations

import html
from dataclasses import dataclass
from types import ModuleType

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from miniapp_mock import (
    alipay,
    alipay_messages,
    alipay_trade,
    bills,
    face,
    faults,
    idcheck,
    insurance,
    partner,
    payment_codes,
    platform,
    sms,
    wechat,
    wechatpay,
)


@dataclass(frozen=True)
class StandIn:
    """One simulated outside platform."""

    name: str
    simulates: str
    modules: tuple[ModuleType, ...]


STAND_INS = (
    StandIn("WeChat 微信", "mini-program login (wx.login's code and code2session), access "
            "tokens and one-time subscribe messages; GET /mock/wechat/messages shows what was "
            "pushed", (wechat,)),
    StandIn("WeChat Pay 微信支付", "v2 merchant API (unifiedorder, orderquery, closeorder, "
            "refund, downloadbill) with MD5-signed XML, the resident's confirmation in the pay "
            "sheet and signed notifies retried until answered", (wechatpay,)),
    StandIn("Alipay 支付宝", "the open-platform gateway with RSA2 signatures: login "
            "(my.getAuthCode), trades, refunds, template messages and the daily bill's zip of "
            "GBK CSV", (alipay, alipay_trade, alipay_messages)),
    StandIn("Payment codes 付款码", "the resident's WeChat and Alipay payment codes and charging "
            "them at a counter (micropay and reverse; alipay.trade.pay and .cancel), with "
            "\"user paying\", late and refused answers as faults", (payment_codes,)),
    StandIn("Daily bills 对账单", "WeChat Pay's and Alipay's bill of any day up to today, in "
            "their own formats; faults can make them disagree with our books", (bills,)),
    StandIn("SMS gateway 短信", "the operator's send API and each phone's inbox (where the "
            "real-name codes arrive)", (sms,)),
    StandIn("Identity register 身份核验", "the population register's name + ID number check: only "
            "registered pairs match; a person registered with a phone passes the carriers' "
            "three-factor check (三要素) for it", (idcheck,)),
    StandIn("Face check 刷脸核验", "WeChat's or Alipay's face verification: the API opens a "
            "check, the person passes or fails it (POST /mock/face/{certify_id}/pass or /fail), "
            "the API reads the outcome", (face,)),
    StandIn("Medical insurance 医保移动支付", "the national insurance platform: insured people, "
            "the resident's authorisation code, fee upload, pre-settlement, settlement, refund "
            "and revoke (HMAC-SM3 signed)", (insurance,)),
    StandIn("Partner app server 合作方", "an in-house app's server receiving our signed message "
            "webhooks, checking the signature and de-duplicating", (partner,)),
    StandIn("Platform above 省级/国家级平台", "card registration, status changes and usage "
            "records uploaded in the provincial envelope (SM3 digest, SM4 biz_content), "
            "de-duplicated by record id; the national blacklist; routing a code to its "
            "issuer's card centre", (platform,)),
    StandIn("Faults 故障注入", "make a stand-in slow, fail with 5xx or its own error, or send a "
            "bill that disagrees, or answer \"user paying\": POST /mock/faults "
            "{\"target\", \"mode\"}, DELETE to clear",
            (faults,)),
)  # fmt: skip


def _routes(stand_in: StandIn) -> list[tuple[str, str]]:
    found = []
    for module in stand_in.modules:
        for route in getattr(module, "routes", ()):
            methods = sorted((route.methods or set()) - {"HEAD"})
            found.append((" ".join(methods), "/mock" + route.path))
    if faults in stand_in.modules:
        found += [("POST", "/mock/faults"), ("DELETE", "/mock/faults")]
    return found


_STYLE = """body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2rem;max-width:60rem;
color:#1d2b36}h1{font-size:1.4rem}section{border:1px solid #d0d7de;border-radius:6px;
padding:.5rem 1rem;margin:.75rem 0}h2{font-size:1.1rem;margin:.25rem 0}code{font-size:.85rem}
ul{margin:.25rem 0;padding-left:1.2rem}"""


def render() -> str:
    """The index page."""
    parts = [
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>Stand-in platforms</title><style>{_STYLE}</style></head><body>",
        "<h1>Stand-in platforms (/mock)</h1>",
        "<p>The outside world of the demo: the SDKs talk real HTTP to these stand-ins in the "
        "platforms' own wire formats. Nothing here is the real platform. The mini-program "
        'simulator is at <a href="/miniapp/">/miniapp/</a>, the API at '
        '<a href="/docs">/docs</a>.</p>',
    ]
    for stand_in in STAND_INS:
        parts.append(f"<section><h2>{html.escape(stand_in.name, quote=False)}</h2>")
        parts.append(f"<p>Simulates {html.escape(stand_in.simulates, quote=False)}.</p><ul>")
        parts += [
            f"<li><code>{html.escape(method)} {html.escape(path)}</code></li>"
            for method, path in _routes(stand_in)
        ]
        parts.append("</ul></section>")
    parts.append("</body></html>")
    return "".join(parts)


async def index(request: Request) -> Response:
    """The page; ``/mock`` without the slash lands here too."""
    return HTMLResponse(render())


routes = [Route("/", index, methods=["GET"])]
