"""The stand-in outside world (WeChat, Alipay, SMS, identity register…) as one Starlette app;
``GET /mock/`` lists them.

Its routes are relative: ``ehc demo`` mounts it at ``/mock``. :func:`create_standalone_app`
mounts it under ``/mock`` on its own (``python -m miniapp_mock``).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from miniapp_mock import (
    alipay,
    alipay_messages,
    alipay_trade,
    bills,
    face,
    faults,
    idcheck,
    index,
    insurance,
    partner,
    payment_codes,
    platform,
    sms,
    wechat,
    wechatpay,
)
from miniapp_mock.state import MockState


@dataclass(frozen=True)
class MockConfig:
    """How the stand-ins behave: an SMS API key to insist on (empty: any key)."""

    sms_api_key: str = ""


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_mock_app(config: MockConfig | None = None) -> Starlette:
    """The stand-in platforms, with fresh memory and a fresh Alipay platform key."""
    app = Starlette(
        routes=[
            *index.routes,
            Route("/healthz", healthz),
            Route("/faults", faults.arm, methods=["POST"]),
            Route("/faults", faults.clear, methods=["DELETE"]),
            *wechat.routes,
            *wechatpay.routes,
            *alipay.routes,
            *alipay_trade.routes,
            *bills.routes,
            *alipay_messages.routes,
            *partner.routes,
            *sms.routes,
            *idcheck.routes,
            *face.routes,
            *insurance.routes,
            *platform.routes,
            *payment_codes.routes,
        ]
    )
    app.state.mock = MockState()
    app.state.config = config or MockConfig()
    app.state.alipay_key = alipay.PlatformKey()
    app.state.alipay_methods = {
        **alipay.METHODS,
        **alipay_trade.METHODS,
        **alipay_messages.METHODS,
        **bills.METHODS,
        **payment_codes.METHODS,
    }
    return app


def create_standalone_app(config: MockConfig | None = None) -> Starlette:
    """The stand-ins under ``/mock``, for running them on their own."""
    return Starlette(routes=[Mount("/mock", create_mock_app(config))])
