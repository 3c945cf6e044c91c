"""The SMS gateway adapter: JSON over HTTP with a bearer API key."""

from __future__ import annotations

import httpx

from api.upstream import post_json


class SmsGateway:
    """Sends text messages to mainland mobile numbers."""

    def __init__(self, *, base_url: str, api_key: str, http: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.http = http

    async def send(self, phone: str, text: str) -> None:
        """Send ``text`` to ``phone``; ``UPSTREAM_UNAVAILABLE`` when the gateway is down."""
        await post_json(
            self.http,
            f"{self.base_url}/send",
            {"phone": phone, "text": text},
            platform="SMS gateway",
            headers={"Authorization": f"Bearer {self.api_key}"},
        )
