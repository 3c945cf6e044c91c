"""The Alipay stand-in's mini-program template messages:
``alipay.open.app.mini.templatemessage.send`` and ``GET /alipay/messages?user_id=`` (API.md)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.clock import TIME, beijing_now
from miniapp_mock.faults import state


async def template_send(
    request: Request, params: dict[str, str], biz: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Record a template message for a user of the calling app."""
    if not biz.get("to_user_id") or not biz.get("user_template_id"):
        return "error", {
            "sub_code": "isv.missing-param",
            "sub_msg": "缺少必选参数",
            "code": "40004",
        }
    try:
        data = json.loads(biz.get("data") or "{}")
    except ValueError:
        return "error", {"sub_code": "isv.invalid-data", "sub_msg": "data格式错误", "code": "40004"}
    state(request).alipay_messages.append(
        {
            "app_id": params["app_id"],
            "to_user_id": biz["to_user_id"],
            "user_template_id": biz["user_template_id"],
            "page": biz.get("page"),
            "data": data,
            "sent_at": beijing_now().strftime(TIME),
        }
    )
    return "ok", {}


async def delivered(request: Request) -> Response:
    """``GET /alipay/messages?user_id=``: what a user received."""
    user = request.query_params.get("user_id")
    sent = [m for m in state(request).alipay_messages if user is None or m["to_user_id"] == user]
    return JSONResponse({"messages": sent})


METHODS = {"alipay.open.app.mini.templatemessage.send": template_send}
routes = [Route("/alipay/messages", delivered)]
