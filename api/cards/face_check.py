"""The face-check adapter: a liveness and likeness check of a person against the photo the
identity register holds (WeChat's or Alipay's face verification in a real deployment).

The wire format (the stand-in's, ``/mock/face``): ``POST /sessions`` ``{"name", "id_number"}``
→ ``{"certify_id", "expires_in"}`` starts a check that the person then takes on their phone;
``GET /sessions/{certify_id}`` → ``{"status": "pending" | "passed" | "failed"}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx

from api.errors import DomainError
from api.upstream import post_json

FaceStatus = Literal["pending", "passed", "failed"]


@dataclass(frozen=True)
class FaceSession:
    """A check the platform opened: its id and how long the person has to take it."""

    certify_id: str
    expires_in: int


class FaceCheck:
    """Starts face checks and reads their outcome."""

    def __init__(self, *, base_url: str, http: httpx.AsyncClient, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.timeout = timeout

    async def start(self, name: str, id_number: str) -> FaceSession:
        """Open a check of the person ``name``/``id_number``."""
        answer = await post_json(
            self.http,
            f"{self.base_url}/sessions",
            {"name": name, "id_number": id_number},
            platform="face check",
        )
        return FaceSession(str(answer["certify_id"]), int(answer.get("expires_in", 300)))

    async def status(self, certify_id: str) -> FaceStatus:
        """The outcome so far; an id the platform does not know counts as failed."""
        try:
            resp = await self.http.get(
                f"{self.base_url}/sessions/{certify_id}", timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise DomainError("UPSTREAM_UNAVAILABLE", "the face check is not answering") from exc
        if resp.status_code == 404:
            return "failed"
        if resp.status_code >= 400:
            raise DomainError("UPSTREAM_UNAVAILABLE", "the face check is not answering")
        status = resp.json().get("status")
        return status if status in ("pending", "passed") else "failed"
