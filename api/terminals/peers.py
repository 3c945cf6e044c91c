"""Cross-domain verification: codes of another issuer go to that issuer's card centre.

Peers are configured (``EHC_PEERS=ISSUER=URL,…``); we sign in at each with our peer client
(``EHC_PEER_CLIENT_ID`` / ``EHC_PEER_CLIENT_SECRET``, the token scheme of API.md) and keep
the access token until a minute before it expires.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

import httpx

from api.auth.signatures import hmac_signature
from api.cards.verification import Forward, VerifiedCard
from api.context import AppContext
from api.errors import HTTP_STATUS, DomainError
from api.settings import Settings

PEER_TIMEOUT = 3.0


class PeerCentre:
    """One peer card centre and our cached access token there."""

    def __init__(self, base_url: str, client_id: str, secret: str, http: httpx.AsyncClient):
        self.base_url = base_url
        self.client_id = client_id
        self.secret = secret
        self.http = http
        self._token: str | None = None
        self._renew_at = 0.0

    async def _access_token(self) -> str:
        if self._token and time.time() < self._renew_at:
            return self._token
        ts, nonce = str(int(time.time())), secrets.token_hex(12)
        body = {
            "client_id": self.client_id,
            "timestamp": ts,
            "nonce": nonce,
            "signature": hmac_signature(self.secret, self.client_id, ts, nonce),
        }
        answer = await self._post("/api/v1/auth/token", body, None)
        self._token = answer["access_token"]
        self._renew_at = time.time() + int(answer["expires_in"]) - 60
        return self._token

    async def _post(self, path: str, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            resp = await self.http.post(
                self.base_url + path, json=body, headers=headers, timeout=PEER_TIMEOUT
            )
        except httpx.TransportError as exc:
            raise DomainError(
                "PEER_UNAVAILABLE", "the issuer's card centre is not answering"
            ) from exc
        if resp.status_code >= 500:
            raise DomainError(
                "PEER_UNAVAILABLE", f"the issuer's card centre answered {resp.status_code}"
            )
        data = resp.json()
        if resp.status_code >= 400:
            code = data.get("error", {}).get("code", "UPSTREAM_ERROR")
            # The peer's refusal is the answer (QR_REPLAYED, CARD_LOST…), when we know its code.
            raise DomainError(
                code if code in HTTP_STATUS else "UPSTREAM_ERROR", data["error"]["message"]
            )
        return data

    async def verify(self, body: dict[str, Any]) -> dict[str, Any]:
        """Ask the peer to verify one of its codes."""
        token = await self._access_token()
        try:
            return await self._post("/api/v1/peer/verify", body, token)
        except DomainError as exc:
            if exc.code != "UNAUTHENTICATED":
                raise
            self._token = None  # the peer restarted or revoked it: sign in once more
            return await self._post("/api/v1/peer/verify", body, await self._access_token())


class PeerCentres:
    """The configured peer card centres by issuer, signed in to on first use; a test hands in
    its own with ``given``."""

    def __init__(
        self, settings: Settings, http: httpx.AsyncClient, given: Mapping[str, Any] | None = None
    ) -> None:
        self.settings = settings
        self.http = http
        self._made: dict[str, Any] = dict(given or {})

    def knows(self, issuer: str) -> bool:
        """Whether ``issuer``'s card centre is a direct peer of ours."""
        return issuer in self._made or bool(self.settings.peers.get(issuer))

    def for_issuer(self, issuer: str) -> PeerCentre:
        """The peer centre of ``issuer`` (``UNKNOWN_ISSUER`` when none is configured)."""
        made = self._made.get(issuer)
        if made is not None:
            return made  # type: ignore[no-any-return]
        url, client_id = self.settings.peers.get(issuer), self.settings.peer_client_id
        if not url or not client_id:
            raise DomainError("UNKNOWN_ISSUER", f"no card centre is configured for issuer {issuer}")
        peer = PeerCentre(url, client_id, self.settings.peer_client_secret, self.http)
        self._made[issuer] = peer
        return peer


async def forward_verify(
    ctx: AppContext, issuer: str, text: str, scene: str, institution_code: str, terminal_id: str
) -> dict[str, Any]:
    """The issuer's answer for a code it issued, the holder's identity included (only after the
    answer do we know whether it opens a patient record here; otherwise it is taken off before
    the terminal's answer): from its card centre when we have it as a direct peer, else through
    the platform above, which routes by issuer."""
    body = {
        "qr": text,
        "scene": scene,
        "institution_code": institution_code,
        "terminal_id": terminal_id,
        "with_identity": True,
    }
    platform = ctx.adapters.platform
    if platform is not None and not ctx.adapters.peers.knows(issuer):
        return await platform.route_verify(issuer, body)
    return await ctx.adapters.peers.for_issuer(issuer).verify(body)


def forwarder(ctx: AppContext, scene: str, institution_code: str, terminal_id: str) -> Forward:
    """How a terminal's scan of another issuer's code is verified: at that issuer's centre."""

    async def forward(issuer: str, text: str) -> VerifiedCard:
        answer = await forward_verify(ctx, issuer, text, scene, institution_code, terminal_id)
        return VerifiedCard.from_dict(answer)

    return forward
