"""The face-check stand-in (WeChat's or Alipay's face verification): the API opens a check for a
person, the person takes it on their phone, the API reads the outcome.

Here the person's face is a button: ``POST /face/{certify_id}/pass`` or ``/fail``. A pass counts
only for someone in the identity register under that name (the real check compares the face with
the register's photo).
"""

from __future__ import annotations

import secrets
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from miniapp_mock.faults import http_500, state, take

LIFETIME = 300


def _live(request: Request) -> dict | None:
    check = state(request).faces.get(request.path_params["certify_id"])
    if check is None or check["expires_at"] < time.time():
        return None
    return check


async def start(request: Request) -> Response:
    """``POST /face/sessions`` ``{"name","id_number"}`` → 201 ``{"certify_id","expires_in"}``."""
    fault = await take(request, "face.start")
    if fault and fault["mode"] in ("http_500", "error"):
        return http_500()
    body = await request.json()
    if not body.get("name") or not body.get("id_number"):
        return JSONResponse({"error": "name and id_number are required"}, 400)
    certify_id = "FC" + secrets.token_hex(12)
    state(request).faces[certify_id] = {
        "name": str(body["name"]),
        "id_number": str(body["id_number"]).upper(),
        "status": "pending",
        "expires_at": time.time() + LIFETIME,
    }
    return JSONResponse({"certify_id": certify_id, "expires_in": LIFETIME}, 201)


async def status(request: Request) -> Response:
    """``GET /face/sessions/{certify_id}`` → ``{"certify_id","status"}`` (pending, passed,
    failed); 404 for an unknown or expired check."""
    check = _live(request)
    if check is None:
        return JSONResponse({"error": "no such check"}, 404)
    return JSONResponse(
        {"certify_id": request.path_params["certify_id"], "status": check["status"]}
    )


async def _decide(request: Request, passed: bool) -> Response:
    check = _live(request)
    if check is None or check["status"] != "pending":
        return JSONResponse({"error": "no pending check"}, 404)
    known = state(request).people.get(check["id_number"]) == check["name"]
    check["status"] = "passed" if passed and known else "failed"
    return JSONResponse(
        {"certify_id": request.path_params["certify_id"], "status": check["status"]}
    )


async def face_passes(request: Request) -> Response:
    """``POST /face/{certify_id}/pass``: the person's own face is in front of the camera."""
    return await _decide(request, True)


async def face_fails(request: Request) -> Response:
    """``POST /face/{certify_id}/fail``: someone else's face (or none) is."""
    return await _decide(request, False)


routes = [
    Route("/face/sessions", start, methods=["POST"]),
    Route("/face/sessions/{certify_id}", status, methods=["GET"]),
    Route("/face/{certify_id}/pass", face_passes, methods=["POST"]),
    Route("/face/{certify_id}/fail", face_fails, methods=["POST"]),
]
