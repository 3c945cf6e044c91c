"""Domain errors with stable codes, and the one table that maps them to HTTP statuses.

Services raise ``DomainError("SLOT_FULL", "…")``; the app's single exception handler turns it
into ``{"error": {"code", "message"}}`` with the status below. A code missing from the table
is a programming error and answers 500, so every new code must be added here.
"""

from __future__ import annotations

from typing import Any

HTTP_STATUS: dict[str, int] = {
    # generic request problems
    "MALFORMED_JSON": 400,
    "VALIDATION_ERROR": 422,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "TOO_MANY_REQUESTS": 429,
    "CONFLICT": 409,
    "INTERNAL_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
    "UPSTREAM_UNAVAILABLE": 503,
    "UPSTREAM_ERROR": 502,
    "STORE_UNAVAILABLE": 503,  # Redis unreachable, frozen or too slow
    "DB_UNAVAILABLE": 503,
    # authentication and authorisation
    "UNAUTHENTICATED": 401,
    "TOKEN_EXPIRED": 401,
    "FORBIDDEN": 403,
    "BAD_SIGNATURE": 401,
    "REPLAYED": 401,
    "STALE_TIMESTAMP": 401,
    "CLIENT_REVOKED": 401,
    "UNKNOWN_CLIENT": 401,
    "BAD_CREDENTIALS": 401,
    "ACCOUNT_LOCKED": 423,
    "CHANNEL_AUTH_FAILED": 401,
    "CHANNEL_DISABLED": 403,
    # cards
    "INVALID_ID_NUMBER": 422,
    "OTP_INVALID": 400,
    "REALNAME_MISMATCH": 403,
    "BLACKLISTED": 403,
    "PROOF_REQUIRED": 403,
    "FACE_CHECK_FAILED": 403,
    "PHYSICAL_CARD_CONFLICT": 409,
    "CARD_LIMIT": 409,
    "CARD_EXISTS": 409,  # the document's holder already has a card (one person, one card)
    "GUARDIAN_CARD_REQUIRED": 403,  # a newborn's card needs a guardian holding their own
    "CARD_LOST": 403,
    "CARD_FROZEN": 403,
    "CARD_CANCELLED": 403,
    "INVALID_STATE": 409,
    # QR codes and terminals
    "QR_MALFORMED": 400,
    "QR_FORGED": 400,
    "QR_EXPIRED": 410,
    "QR_REPLAYED": 409,
    "PEER_UNAVAILABLE": 503,
    "UNKNOWN_ISSUER": 400,
    "CHECKIN_CLOSED": 409,
    "QUEUE_EMPTY": 404,
    # appointments
    "SLOT_FULL": 409,
    "DUPLICATE_BOOKING": 409,
    "BOOKING_CLOSED": 409,
    "BOOKING_SUSPENDED": 403,
    "SCHEDULE_STOPPED": 409,
    "CANCEL_CLOSED": 409,
    "BOOKING_NOT_OPEN": 409,
    "NOT_PAID": 409,
    "CARD_MISMATCH": 409,
    # payments
    "PAYMENT_DECLINED": 402,
    "AMOUNT_MISMATCH": 400,
    "REFUND_EXCEEDS_PAID": 409,
    "NOT_PAYABLE": 409,
    "REFUND_NOT_PARTIAL": 409,
    "STEP_UP_REQUIRED": 403,
    "CONSENT_CODE_INVALID": 400,
    "METHOD_UNAVAILABLE": 409,
    # medical-insurance payment
    "INSURANCE_AUTH_INVALID": 400,
    "INSURANCE_NOT_ELIGIBLE": 403,
    "INSURANCE_HOLDER_MISMATCH": 403,
    "INSURANCE_DECLINED": 402,
    "INSURANCE_UNAVAILABLE": 409,
}


class DomainError(Exception):
    """A refusal with a stable UPPER_SNAKE code; ``message`` is for people."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code.replace("_", " ").lower()
        self.details = details
        self.headers = headers or {}
        # Named facts a client acts on, beside code and message (e.g. PROOF_REQUIRED's methods).
        self.fields = fields or {}

    @property
    def status(self) -> int:
        """The HTTP status this code maps to (500 when the code was never registered)."""
        return HTTP_STATUS.get(self.code, 500)

    def to_body(self) -> dict[str, Any]:
        """The JSON error envelope of API.md."""
        error: dict[str, Any] = {**self.fields, "code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


def not_found(what: str = "resource") -> DomainError:
    """The uniform 404: it never hints whether a foreign resource exists."""
    return DomainError("NOT_FOUND", f"{what} not found")


def too_many(retry_after: int, message: str = "too many requests") -> DomainError:
    """A 429 carrying ``Retry-After`` in whole seconds (at least 1)."""
    return DomainError(
        "TOO_MANY_REQUESTS", message, headers={"Retry-After": str(max(1, int(retry_after)))}
    )
