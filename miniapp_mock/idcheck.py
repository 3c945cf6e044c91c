"""The population identity register stand-in: only registered (name, number) pairs match."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.faults import http_500, state, take


async def register(request: Request) -> Response:
    """``POST /idcheck/people`` ``{"name","id_number"}``: add a person to the register."""
    body = await request.json()
    state(request).people[str(body["id_number"]).upper()] = str(body["name"])
    return JSONResponse({"registered": True}, 201)


async def verify(request: Request) -> Response:
    """``POST /idcheck/verify`` → ``{"result": "match" | "mismatch" | "not_found"}``."""
    fault = await take(request, "idcheck.verify")
    if fault and fault["mode"] in ("http_500", "error"):
        return http_500()
    body = await request.json()
    name = state(request).people.get(str(body.get("id_number", "")).upper())
    if name is None:
        return JSONResponse({"result": "not_found"})
    return JSONResponse({"result": "match" if name == body.get("name") else "mismatch"})


routes = [
    Route("/idcheck/people", register, methods=["POST"]),
    Route("/idcheck/verify", verify, methods=["POST"]),
]
