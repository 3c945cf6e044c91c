"""The signed-request scheme of ``POST /auth/token`` (API.md "Access tokens").

``signature = hex(HMAC-SM3(secret, client_id + "\\n" + timestamp + "\\n" + nonce))``, or an
SM2-with-SM3 signature (hex r‖s) over the same string for clients registered with a public key.
"""

from __future__ import annotations

import hmac

from api.crypto import hmac_sm3_hex, sm2_verify


def signing_string(client_id: str, timestamp: str, nonce: str) -> bytes:
    """The exact bytes a client signs."""
    return f"{client_id}\n{timestamp}\n{nonce}".encode()


def hmac_signature(secret: str, client_id: str, timestamp: str, nonce: str) -> str:
    """The HMAC-SM3 signature a client computes with its secret (UTF-8 bytes)."""
    return hmac_sm3_hex(secret.encode(), signing_string(client_id, timestamp, nonce))


def hmac_matches(secret: str, client_id: str, timestamp: str, nonce: str, signature: str) -> bool:
    """Constant-time comparison of a submitted HMAC-SM3 signature (hex, any case)."""
    expected = hmac_signature(secret, client_id, timestamp, nonce)
    return hmac.compare_digest(expected, signature.strip().lower())


def sm2_matches(public_key: str, client_id: str, timestamp: str, nonce: str, sig: str) -> bool:
    """True when ``sig`` is a valid SM2 signature of the signing string."""
    return sm2_verify(public_key, signing_string(client_id, timestamp, nonce), sig)
