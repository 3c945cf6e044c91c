"""The QR payload: what a card shows and what a terminal scans.

Two kinds, both naming their issuer (DESIGN.md "The QR code"), at most 80 characters:

- dynamic ``EHC1:D:<issuer>:<ref>:<expires>:<nonce>:<code>``: ``expires`` is the end of its
  life (Unix seconds, base 36: issue time + the card centre's lifetime, at most 120 s),
  ``nonce`` is new for every payload handed out, and ``code`` is an 8-digit TOTP (pyotp,
  HMAC-SM3, 30 s steps) at the issue time over a secret derived from the card's secret, the
  nonce and the expiry. Single-use (:mod:`api.cards.single_use`).
- static ``EHC1:S:<issuer>:<ref>:<mac>``: ``mac`` is HMAC-SM3 under the issuer key over the
  issuer and the card's reference; printable, revoked by rotating the reference.

``ref`` is the card's rotating QR reference, never its card id. The national form
``<64 hex>:1::<issuer>`` does not fit a MAC or a code inside 80 characters, so the issuer
sits in the third field instead.
"""

from __future__ import annotations

import base64
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
CLOCK_SKEW = 5  # seconds a phone's clock may run ahead of ours
TOTP_STEP = 30
MAX_LIFETIME = 120
# A dynamic code's expiry lies after the scheme existed (2020) and before 2100: anything else
# is no time a card centre could have written (and 0 or 1 would send the check to step -4).
EXPIRES_RANGE = range(1_577_836_800, 4_102_444_800)
_FIELD = re.compile(r"^[0-9A-Za-z]{1,32}$")


@dataclass(frozen=True)
class DynamicCode:
    issuer: str
    ref: str
    expires_at: int
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
        _, _, issuer, ref, expires, nonce, code = parts
        if not (code.isdigit() and len(code) == CODE_DIGITS):
            raise _malformed("bad code")
        try:
            expires_at = int(expires, 36)
        except ValueError as exc:
            raise _malformed("bad time") from exc
        if expires_at not in EXPIRES_RANGE:
            raise _malformed("bad time")
        return DynamicCode(issuer, ref, expires_at, nonce, code)
    if parts[1] == "S" and len(parts) == 5:
        _, _, issuer, ref, mac = parts
        return StaticCode(issuer, ref, mac.lower())
    raise _malformed("unknown kind")


def issuer_of(payload: str) -> str:
    """The issuer a payload names (after a successful :func:`parse`)."""
    return parse(payload).issuer


class _KeyedTOTP(pyotp.TOTP):
    """pyotp's TOTP (HMAC-SM3 through OpenSSL) over a key already in bytes: the derived
    per-issue key would otherwise go through base32 and back at every step, and those codecs
    are pure Python, the slowest part of a check."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        super().__init__("", digits=CODE_DIGITS, interval=TOTP_STEP, digest="sm3")

    def byte_secret(self) -> bytes:
        """The key as it is."""
        return self._key


def new_card_secret() -> str:
    """A card's TOTP secret: 32 base32 characters (160 bits), as ``pyotp.random_base32(32)``
    makes it, from one draw of the system's random source instead of 32 (a quarter of a
    millisecond a card on a bulk import)."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def card_key(card_secret: str | bytes) -> bytes:
    """A card's TOTP secret as bytes (it is stored in base32)."""
    return card_secret if isinstance(card_secret, bytes) else base64.b32decode(card_secret)


def _totp(card_secret: str | bytes, nonce: str, expires_at: int) -> pyotp.TOTP:
    # The per-issue secret binds the code to this payload's nonce and expiry, so neither can
    # be changed. The step is fixed: a lifetime the card centre changes later affects new codes
    # only.
    return _KeyedTOTP(hmac_sm3(card_key(card_secret), f"{nonce}:{expires_at}".encode()))


def issue_dynamic(issuer: str, ref: str, card_secret: str | bytes, lifetime: int, now: int) -> str:
    """A new dynamic payload (fresh nonce) for a card, valid ``lifetime`` seconds from now.
    ``card_secret`` is the card's TOTP secret, in base32 or as bytes (:func:`card_key`)."""
    nonce = secrets.token_hex(5)
    expires_at = now + lifetime
    code = _totp(card_secret, nonce, expires_at).at(now)
    return f"{VERSION}:D:{issuer}:{ref}:{_b36(expires_at)}:{nonce}:{code}"


def check_dynamic(
    parsed: DynamicCode, card_secret: str | bytes, now: int, *, likely_lifetime: int | None = None
) -> None:
    """``QR_FORGED`` unless the code is genuine; ``QR_EXPIRED`` after its expiry.

    The code was made at the issue time: it must match the TOTP at one of the steps the
    issue could have fallen in (from the longest lifetime before the expiry up to now).
    ``likely_lifetime`` (the lifetime in force) names the step to try first: most codes
    match at once.
    """
    totp = _totp(card_secret, parsed.nonce, parsed.expires_at)
    earliest = parsed.expires_at - MAX_LIFETIME
    latest = min(now + CLOCK_SKEW, parsed.expires_at)
    steps = list(range(earliest // TOTP_STEP, latest // TOTP_STEP + 1))
    if likely_lifetime is not None:
        likely = (parsed.expires_at - likely_lifetime) // TOTP_STEP
        steps.sort(key=lambda step: step != likely)
    if not any(hmac.compare_digest(totp.generate_otp(step), parsed.code) for step in steps):
        raise DomainError("QR_FORGED", "this code was not issued by the card centre")
    if now > parsed.expires_at:
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
