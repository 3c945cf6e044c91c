"""Shapes of the token endpoint and of client management."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.bounds import key, line
from api.schemas import Body, Out


class TokenRequest(Body):
    client_id: key(64)
    timestamp: str = Field(pattern=r"^\d{1,12}$", description="Unix seconds, digits only")
    nonce: str = Field(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")
    signature: key(256)
    signature_type: Literal["HMAC-SM3", "SM2"] = "HMAC-SM3"


class TokenOut(Out):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class ClientCreate(Body):
    name: line(128)
    kind: Literal["partner", "terminal", "peer"]
    scopes: list[line(32)] | None = Field(default=None, max_length=20)
    sm2_public_key: str | None = Field(default=None, pattern=r"^(04)?[0-9a-fA-F]{128}$")
    institution_code: key(32) | None = None


class ClientOut(Out):
    client_id: str
    name: str
    kind: str
    scopes: list[str]
    status: str
    institution_code: str | None
    signature_type: str
    created_at: datetime


class ClientCreated(ClientOut):
    client_secret: str | None = Field(
        default=None, description="Shown once; store it now (absent for SM2 clients)"
    )


class ClientList(Out):
    clients: list[ClientOut]
