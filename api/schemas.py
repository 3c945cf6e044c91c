"""Base classes for request and response shapes (they also feed /openapi.json)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    """A request body: unknown fields are refused, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Out(BaseModel):
    """A response shape."""

    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(Out):
    code: str
    message: str
    methods: list[str] | None = Field(
        default=None, description="PROOF_REQUIRED: the proofs that would do (phone, face)"
    )
    phone_masked: str | None = Field(
        default=None, description="PROOF_REQUIRED: the card's phone on record, masked"
    )


class ErrorOut(Out):
    """The error envelope every refusal answers with."""

    error: ErrorDetail


class OkOut(Out):
    status: str = "ok"
