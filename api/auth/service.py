"""Clients (partners, terminals, peer card centres) and the access tokens they sign for."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from api import tokens
from api.audit import service as audit
from api.auth.models import DEFAULT_SCOPES, Client, SpentNonce
from api.auth.schemas import TokenOut, TokenRequest
from api.auth.signatures import hmac_matches, sm2_matches
from api.context import AppContext
from api.errors import DomainError, not_found
from api.kv import key
from api.principals import Caller

_ID_PREFIX = {"partner": "pa_", "terminal": "tm_", "peer": "pe_"}
SECRET_CONTEXT = "client.secret"
SWEEP_ONE_IN = 64  # token requests that also delete expired nonce records


def _check_timestamp(raw: str, skew: int, now: float) -> None:
    if abs(int(raw) - now) > skew:
        raise DomainError("STALE_TIMESTAMP", f"timestamp is more than {skew} s from our clock")


async def _signature_valid(ctx: AppContext, client: Client, req: TokenRequest) -> bool:
    args = (client.client_id, req.timestamp, req.nonce, req.signature)
    if req.signature_type == "SM2":
        # ~25 ms of pure Python: in a CPU-pool process, never on the event loop.
        return bool(client.sm2_public_key) and await ctx.cpu.run(
            sm2_matches, client.sm2_public_key or "", *args, gil=True
        )
    if not client.secret_sealed:
        return False
    secret = ctx.keys.ring.open(client.secret_sealed, context=SECRET_CONTEXT)
    return hmac_matches(secret, *args)


async def _spend_durably(client_id: str, nonce: str, ttl: int, now: float) -> None:
    """Record the nonce in the database too: a Redis that lost its data must not make a spent
    nonce new again. Token requests are rare (one per client per token lifetime), so one insert
    each is cheap; expired rows are swept now and then by the same path."""
    at = datetime.fromtimestamp(now, UTC)
    try:
        await SpentNonce.create(
            client_id=client_id, nonce=nonce, expires_at=at + timedelta(seconds=ttl)
        )
    except IntegrityError as exc:
        raise DomainError("REPLAYED", "nonce already used") from exc
    if secrets.randbelow(SWEEP_ONE_IN) == 0:
        await SpentNonce.filter(expires_at__lt=at).delete()


async def issue_access_token(
    ctx: AppContext, req: TokenRequest, now: float | None = None
) -> TokenOut:
    """Check a signed token request and hand out a bearer token.

    Order matters: the signature is checked before the nonce is spent, so that nobody can
    burn a client's nonces without its secret.
    """
    now = time.time() if now is None else now
    settings = ctx.settings
    _check_timestamp(req.timestamp, settings.timestamp_skew, now)
    client = await Client.get_or_none(client_id=req.client_id)
    if client is None or not await _signature_valid(ctx, client, req):
        raise DomainError("BAD_SIGNATURE", "unknown client or wrong signature")
    if client.status != "active":
        raise DomainError("CLIENT_REVOKED", "this client has been revoked")
    nonce_key = key("nonce", f"client:{client.client_id}", req.nonce)
    if not await ctx.kv.claim(nonce_key, settings.nonce_ttl):
        raise DomainError("REPLAYED", "nonce already used")
    await _spend_durably(client.client_id, req.nonce, settings.nonce_ttl, now)
    claims = {
        "kind": "client",
        "sub": client.client_id,
        "scopes": list(client.scopes),
        "attrs": {"client_kind": client.kind, "institution_code": client.institution_code},
    }
    ttl = settings.access_token_ttl
    token = await tokens.issue(ctx.kv, claims, ttl, group=f"client:{client.client_id}")
    return TokenOut(access_token=token, expires_in=ttl)


async def create_client(
    ctx: AppContext,
    *,
    name: str,
    kind: str,
    scopes: list[str] | None = None,
    sm2_public_key: str | None = None,
    institution_code: str | None = None,
    client_id: str | None = None,
    secret: str | None = None,
    actor: Caller | None = None,
) -> tuple[Client, str | None]:
    """Register a client; returns it with its secret, which is shown only this once (audited
    as ``actor``'s when an admin made it).

    A client with an SM2 public key signs with its private key and gets no secret.
    """
    if sm2_public_key:
        public = sm2_public_key.lower()
        public = public if len(public) == 130 else "04" + public
        secret = None
    else:
        public = None
        secret = secret or secrets.token_urlsafe(32)
    client = await Client.create(
        client_id=client_id or _ID_PREFIX[kind] + secrets.token_hex(8),
        name=name,
        kind=kind,
        scopes=scopes if scopes is not None else DEFAULT_SCOPES[kind],
        secret_sealed=ctx.keys.ring.seal(secret, context=SECRET_CONTEXT) if secret else None,
        sm2_public_key=public,
        institution_code=institution_code,
    )
    if actor is not None:
        await audit.record(actor, "client.create", target_type="client", target_id=client.client_id)
    return client, secret


async def get_client(client_id: str) -> Client:
    """A client by id, or 404."""
    client = await Client.get_or_none(client_id=client_id)
    if client is None:
        raise not_found("client")
    return client


async def list_clients(kind: str | None = None) -> list[Client]:
    """Every client, newest first, optionally of one kind."""
    query = Client.all().order_by("-created_at")
    if kind:
        query = query.filter(kind=kind)
    return await query


async def revoke_client(ctx: AppContext, client_id: str, actor: Caller | None = None) -> Client:
    """Refuse the client from now on and end its live tokens (audited as ``actor``'s)."""
    client = await get_client(client_id)
    client.status = "revoked"
    client.revoked_at = datetime.now(UTC)
    await client.save(update_fields=["status", "revoked_at"])
    await tokens.revoke_group(ctx.kv, f"client:{client_id}")
    if actor is not None:
        await audit.record(actor, "client.revoke", target_type="client", target_id=client_id)
    return client


async def rotate_secret(
    ctx: AppContext, client_id: str, actor: Caller | None = None
) -> tuple[Client, str]:
    """A new secret for an HMAC client; live tokens end, the old secret stops working (audited
    as ``actor``'s)."""
    client = await get_client(client_id)
    if client.sm2_public_key:
        raise DomainError("INVALID_STATE", "an SM2 client has no secret to rotate")
    secret = secrets.token_urlsafe(32)
    client.secret_sealed = ctx.keys.ring.seal(secret, context=SECRET_CONTEXT)
    await client.save(update_fields=["secret_sealed"])
    await tokens.revoke_group(ctx.kv, f"client:{client_id}")
    if actor is not None:
        await audit.record(actor, "client.rotate", target_type="client", target_id=client_id)
    return client, secret


def client_secret(ctx: AppContext, client: Client) -> str | None:
    """The clear secret of an HMAC client (for the demo's credentials file)."""
    if not client.secret_sealed:
        return None
    return ctx.keys.ring.open(client.secret_sealed, context=SECRET_CONTEXT)
