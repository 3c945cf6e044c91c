"""The QR payload: what a card shows and what a terminal scans.

Two kinds, both naming their issuer (DESIGN.md "The QR code"), at most 80 characters:

- dynamic ``EHC1:D:<issuer>:<ref>:<issued>:<nonce>:<code>``: ``issued`` is the issue time
  (Unix seconds, base 36), ``nonce`` is new for every payload handed out, and ``code`` is an
  8-digit TOTP (pyotp, HMAC-SM3) over a secret derived from the card's secret and the nonce,
  at the issue time's step. Valid for the card centre's lifetime, single-use.
- static ``EHC1:S:<issuer>:<ref>:<mac>``: ``mac`` is HMAC-SM3 under the issuer key over the
  issuer and the card's reference; printable, revoked by rotating the reference.

``ref`` is the card's rotating QR reference, never its card id. The national form
``<64 hex>:1::<issuer>`` does not fit a MAC or a code inside 80 characters, so the issuer
sits in the third field instead.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import pyotp

from api.crypto import hmac_sm3, hmac_sm3_hex
from api.errors import DomainError

VERSION = "EHC1"
MAX_LENGTH = 80
CODE_DIGITS = 8
MAC_HEX = 20
CLOCK_SKEW = 5  # seconds a terminal's clock may run ahead of ours
_FIELD = re.compile(r"^[0-9A-Za-z]{1,32}$")
_SM3 = functools.partial(hashlib.new, "sm3")


@dataclass(frozen=True)
class DynamicCode:
    issuer: str
    ref: str
    issued_at: int
    nonce: str
    code: str


@dataclass(frozen=True)
class StaticCode:
    issuer: str
    ref: str
    mac: str


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _malformed(why: str) -> DomainError:
    return DomainError("QR_MALFORMED", f"not an electronic health card code: {why}")


def parse(payload: str) -> DynamicCode | StaticCode:
    """The fields of a scanned payload, or ``QR_MALFORMED``."""
    text = payload.strip()
    if len(text) > MAX_LENGTH or not text.startswith(VERSION + ":"):
        raise _malformed("unknown format or version")
    parts = text.split(":")
    if not all(_FIELD.match(p) for p in parts[2:]):
        raise _malformed("bad characters")
    if parts[1] == "D" and len(parts) == 7:
        _, _, issuer, ref, issued, nonce, code = parts
        if not (code.isdigit() and len(code) == CODE_DIGITS):
            raise _malformed("bad code")
        try:
            issued_at = int(issued, 36)
        except ValueError as exc:
            raise _malformed("bad time") from exc
        return DynamicCode(issuer, ref, issued_at, nonce, code)
    if parts[1] == "S" and len(parts) == 5:
        _, _, issuer, ref, mac = parts
        return StaticCode(issuer, ref, mac.lower())
    raise _malformed("unknown kind")


def issuer_of(payload: str) -> str:
    """The issuer a payload names (after a successful :func:`parse`)."""
    return parse(payload).issuer


def _totp(card_secret: str, nonce: str, lifetime: int) -> pyotp.TOTP:
    # The per-issue secret binds the code to this payload's nonce.
    derived = hmac_sm3(base64.b32decode(card_secret), nonce.encode())
    return pyotp.TOTP(
        base64.b32encode(derived).decode(), digits=CODE_DIGITS, interval=lifetime, digest=_SM3
    )


def issue_dynamic(issuer: str, ref: str, card_secret: str, lifetime: int, now: int) -> str:
    """A new dynamic payload (fresh nonce) for a card."""
    nonce = secrets.token_hex(5)
    code = _totp(card_secret, nonce, lifetime).at(now)
    return f"{VERSION}:D:{issuer}:{ref}:{_b36(now)}:{nonce}:{code}"


def check_dynamic(parsed: DynamicCode, card_secret: str, lifetime: int, now: int) -> None:
    """``QR_FORGED`` unless the code is genuine; ``QR_EXPIRED`` past its lifetime."""
    expected = _totp(card_secret, parsed.nonce, lifetime).at(parsed.issued_at)
    if parsed.issued_at > now + CLOCK_SKEW or not hmac.compare_digest(expected, parsed.code):
        raise DomainError("QR_FORGED", "this code was not issued by the card centre")
    # The step the code was made in, or the one after, and no longer than the lifetime.
    if now - parsed.issued_at > lifetime:
        raise DomainError("QR_EXPIRED", "this code has expired; refresh it on the phone")


def static_mac(issuer_key: bytes, issuer: str, ref: str) -> str:
    """The MAC of a static payload."""
    return hmac_sm3_hex(issuer_key, f"{VERSION}:S:{issuer}:{ref}".encode())[:MAC_HEX]


def issue_static(issuer_key: bytes, issuer: str, ref: str) -> str:
    """The printable static payload of a card reference."""
    return f"{VERSION}:S:{issuer}:{ref}:{static_mac(issuer_key, issuer, ref)}"


def check_static(parsed: StaticCode, issuer_key: bytes) -> None:
    """``QR_FORGED`` unless the MAC is the issuer's."""
    if not hmac.compare_digest(static_mac(issuer_key, parsed.issuer, parsed.ref), parsed.mac):
        raise DomainError("QR_FORGED", "this code was not issued by the card centre")
