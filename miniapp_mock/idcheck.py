"""The population identity register stand-in: only registered (name, number) pairs match; a
person registered with a phone also passes the carriers' three-factor check (三要素) for it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.faults import http_500, state, take


async def register(request: Request) -> Response:
    """``POST /idcheck/people`` ``{"name","id_number"[,"phone"]}``: add a person to the
    register (with the phone a carrier has in their name)."""
    body = await request.json()
    number = str(body["id_number"]).upper()
    state(request).people[number] = str(body["name"])
    if body.get("phone"):
        state(request).phones[number] = str(body["phone"])
    return JSONResponse({"registered": True}, 201)


async def verify(request: Request) -> Response:
    """``POST /idcheck/verify`` ``{"name","id_number"[,"phone"]}`` → ``{"result": "match" |
    "mismatch" | "not_found"}``, with ``"phone": "match" | "mismatch"`` when a phone was asked
    about."""
    fault = await take(request, "idcheck.verify")
    if fault and fault["mode"] in ("http_500", "error"):
        return http_500()
    body = await request.json()
    number = str(body.get("id_number", "")).upper()
    name = state(request).people.get(number)
    if name is None:
        return JSONResponse({"result": "not_found"})
    answer = {"result": "match" if name == body.get("name") else "mismatch"}
    if body.get("phone"):
        owner = state(request).phones.get(number)
        answer["phone"] = "match" if owner == str(body["phone"]) else "mismatch"
    return JSONResponse(answer)


routes = [
    Route("/idcheck/people", register, methods=["POST"]),
    Route("/idcheck/verify", verify, methods=["POST"]),
]
