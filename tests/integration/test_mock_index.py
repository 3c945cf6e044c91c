"""The addresses ``ehc demo``'s banner prints answer: ``/mock/`` lists every stand-in and what
it simulates, and the browser's ``/favicon.ico`` is not a 404."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from api.web.miniapp import miniapp_routes
from miniapp_mock.app import create_mock_app
from miniapp_mock.index import STAND_INS


async def test_mock_index_lists_every_stand_in_and_its_routes() -> None:
    app = Starlette(routes=[Mount("/mock", create_mock_app()), *miniapp_routes()])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://demo"
    ) as client:
        page = await client.get("/mock/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        for stand_in in STAND_INS:
            assert stand_in.name in page.text and stand_in.simulates[:30] in page.text
        for path in (
            "/mock/wechat/sns/jscode2session",
            "/mock/sms/inbox",
            "/mock/faults",
            "/mock/insurance/api",
            "/mock/alipay/gateway.do",
            "/mock/idcheck/verify",
        ):
            assert path in page.text, path  # fmt: skip
        icon = await client.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
