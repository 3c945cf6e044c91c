"""Calling an outside platform over HTTP: the failures every adapter maps the same way."""

from __future__ import annotations

from typing import Any

import httpx

from api.errors import DomainError


async def post_json(
    http: httpx.AsyncClient, url: str, body: dict[str, Any], *, platform: str, **kwargs: Any
) -> dict[str, Any]:
    """POST JSON and return the JSON answer.

    Timeouts, refused connections and 5xx answers are ``UPSTREAM_UNAVAILABLE`` (retry later);
    other non-2xx answers are ``UPSTREAM_ERROR``.
    """
    try:
        resp = await http.post(url, json=body, **kwargs)
    except httpx.TransportError as exc:
        raise DomainError("UPSTREAM_UNAVAILABLE", f"{platform} is not answering") from exc
    if resp.status_code >= 500:
        raise DomainError("UPSTREAM_UNAVAILABLE", f"{platform} answered {resp.status_code}")
    try:
        data = resp.json()
    except ValueError as exc:
        raise DomainError("UPSTREAM_ERROR", f"{platform} answered with no JSON") from exc
    if resp.status_code >= 400:
        raise DomainError("UPSTREAM_ERROR", f"{platform} refused the call ({resp.status_code})")
    return data
