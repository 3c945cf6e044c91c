"""Serving the mini-program simulator (``miniapp_mock/static/miniapp``) at ``/miniapp/``.

``/miniapp/config.json`` tells the page the demo's app ids and hospital, and hands its
"hospital counter" panel a terminal access token of the demo terminal, obtained through the
same signed token request any terminal makes (demo only: a real terminal never shows its
credentials to a browser).
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

import miniapp_mock
from api.auth.schemas import TokenRequest
from api.auth.service import issue_access_token
from api.auth.signatures import hmac_signature
from api.messages.templates import templates_in_force
from api.web.caller import ctx_of

PAGE_DIR = Path(miniapp_mock.__file__).parent / "static" / "miniapp"


async def config(request: Request) -> Response:
    """What the simulator page needs (the demo's credentials must have been seeded)."""
    creds = getattr(request.app.state, "demo_credentials", None)
    if creds is None:
        return JSONResponse({"error": {"code": "NOT_READY", "message": "seeding"}}, 503)
    terminal = creds["terminal"]
    stamp, nonce = str(int(time.time())), secrets.token_hex(8)
    signature = hmac_signature(terminal["terminal_secret"], terminal["terminal_id"], stamp, nonce)
    token = await issue_access_token(
        ctx_of(request),
        TokenRequest(
            client_id=terminal["terminal_id"], timestamp=stamp, nonce=nonce, signature=signature
        ),
    )
    return JSONResponse(
        {
            "wechat_app_id": creds["apps"]["wechat"]["app_id"],
            "alipay_app_id": creds["apps"]["alipay"]["app_id"],
            "hospital_code": creds["hospital_code"],
            "issuer": creds["issuer"],
            "terminal_token": token.access_token,
            # the WeChat template ids the mini-program asks the user to accept
            "wechat_templates": {
                event: template_id
                for (event, channel), (_, template_id) in (await templates_in_force()).items()
                if channel == "wechat"
            },
        }
    )


async def to_page(request: Request) -> Response:
    return RedirectResponse("/miniapp/")


async def favicon(request: Request) -> Response:
    """The simulator's icon, also for the browser's own ``/favicon.ico`` request."""
    return FileResponse(PAGE_DIR / "favicon.svg", media_type="image/svg+xml")


def miniapp_routes() -> list[BaseRoute]:
    """The page, its config, the redirect from ``/miniapp`` and ``/favicon.ico``."""
    return [
        Route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False),
        Route("/miniapp/config.json", config, methods=["GET"], include_in_schema=False),
        Route("/miniapp", to_page, include_in_schema=False),
        Mount("/miniapp", StaticFiles(directory=PAGE_DIR, html=True), name="miniapp"),
    ]
