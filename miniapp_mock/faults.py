"""Telling a stand-in to fail the way the real platform fails: slow, 5xx, or its own error."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from miniapp_mock.state import MockState

MODES = ("timeout", "http_500", "error", "bill_mismatch", "user_paying")


async def arm(request: Request) -> Response:
    """``POST /faults`` ``{"target", "mode", "count", "delay", "errcode"}`` (``bill_mismatch``
    also takes ``kind`` and ``out_trade_no``: see bills.py)."""
    body = await request.json()
    if body.get("mode") not in MODES or not body.get("target"):
        return JSONResponse({"error": f"mode must be one of {MODES}, with a target"}, 400)
    fault = {
        "mode": body["mode"],
        "count": int(body.get("count", 1)),
        "delay": float(body.get("delay", 10.0)),
        "errcode": body.get("errcode"),
        "kind": body.get("kind"),
        "out_trade_no": body.get("out_trade_no"),
    }
    state(request).faults.setdefault(body["target"], []).append(fault)
    return JSONResponse({"armed": body["target"]}, 201)


async def clear(request: Request) -> Response:
    """``DELETE /faults``: every platform behaves again."""
    state(request).faults.clear()
    return Response(status_code=204)


def state(request: Request) -> MockState:
    """The mock's memory."""
    return request.app.state.mock


async def take(request: Request, target: str) -> dict[str, Any] | None:
    """The next armed fault of ``target`` (counting it down); sleeps first for a timeout."""
    queue = state(request).faults.get(target)
    if not queue:
        return None
    fault = queue[0]
    fault["count"] -= 1
    if fault["count"] <= 0:
        queue.pop(0)
    if fault["mode"] == "timeout":
        await asyncio.sleep(fault["delay"])
    return fault


def http_500() -> Response:
    """What a platform's front door says when its back end is down."""
    return Response("<html><body>502 Bad Gateway</body></html>", 500, media_type="text/html")
