"""The platform above (provincial / national card management), reached through its envelope
door (api/crypto/envelope.py): record uploads, the national blacklist, and routing a code to
its issuer's card centre when we have no direct peer for it.

Timeouts, refused connections, 5xx answers and envelopes we cannot open are
``UPSTREAM_UNAVAILABLE`` (try again later); a refusal in the envelope's own codes is
``UPSTREAM_ERROR``, or our own code when the platform passes on the issuer's refusal.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from api.crypto.envelope import envelope, open_content
from api.crypto.sm import CryptoError
from api.errors import HTTP_STATUS, DomainError
from api.upstream import post_json

BEIJING = ZoneInfo("Asia/Shanghai")
REFUSED = "4100"  # the envelope's "refused by the service" (our error code in msg)


class Platform:
    """Our app at the platform above: its envelope door, our app id and secret."""

    def __init__(self, base_url: str, app_id: str, secret: str, http: httpx.AsyncClient) -> None:
        self.url = base_url.rstrip("/") + "/gateway"
        self.app_id = app_id
        self.secret = secret
        self.http = http

    async def call(self, method: str, content: dict[str, Any]) -> dict[str, Any]:
        """One envelope round trip; the answer's ``biz_content`` opened."""
        stamp = datetime.now(BEIJING).strftime("%Y%m%d%H%M%S")
        body = envelope(self.app_id, self.secret, method, content, secrets.token_hex(16), stamp)
        answer = await post_json(self.http, self.url, body, platform="the platform above")
        code = str(answer.get("code"))
        if code == REFUSED and answer.get("msg") in HTTP_STATUS:
            raise DomainError(str(answer["msg"]), "refused by the issuer's card centre")
        if code != "0":
            raise DomainError("UPSTREAM_ERROR", f"the platform above refused: {code}")
        try:
            return dict(open_content(self.secret, str(answer.get("biz_content", ""))))
        except (CryptoError, TypeError, ValueError) as exc:
            raise DomainError("UPSTREAM_UNAVAILABLE", "the platform's answer did not open") from exc

    async def upload(self, records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Upload records; the platform's verdict on each, by record id (``accepted``,
        ``duplicate`` or ``refused``)."""
        answer = await self.call("ehc.platform.records.upload", {"records": records})
        return {r["record_id"]: r for r in answer.get("results", [])}

    async def blacklist(self, since: int) -> tuple[list[dict[str, Any]], int]:
        """National blacklist entries after cursor ``since``, and the next cursor."""
        answer = await self.call("ehc.platform.blacklist.query", {"since": since})
        return list(answer.get("entries", [])), int(answer.get("next", since))

    async def route_verify(self, issuer: str, body: dict[str, Any]) -> dict[str, Any]:
        """Have the platform route a code to ``issuer``'s card centre and verify it there."""
        return await self.call("ehc.ehealthcode.verify", {"issuer": issuer, **body})
