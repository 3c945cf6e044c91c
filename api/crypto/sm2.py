"""SM2 signatures (SM2-with-SM3, GM/T 0009 default user id) through gmssl, with secure nonces.

gmssl draws the nonce k from ``random`` unless given one, and strips every leading '0'/'4' of
a public key passed with the ``04`` prefix; both are handled here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from gmssl.sm2 import CryptSM2, default_ecc_table

_N = int(default_ecc_table["n"], 16)
_HEX = set("0123456789abcdef")


@dataclass(frozen=True)
class Sm2KeyPair:
    """A private key (64 hex) and its uncompressed public key (``04`` + x + y, 130 hex)."""

    private_key: str
    public_key: str


def _bare_public(public_key: str) -> str | None:
    key = public_key.strip().lower()
    if len(key) == 130 and key.startswith("04"):
        key = key[2:]
    return key if len(key) == 128 and set(key) <= _HEX else None


def _crypt(private_key: str, bare_public: str) -> CryptSM2:
    crypt = CryptSM2(private_key=private_key, public_key="")
    crypt.public_key = bare_public  # set after construction: its constructor mangles keys
    return crypt


def generate_keypair() -> Sm2KeyPair:
    """A fresh key pair from the OS's CSPRNG."""
    d = secrets.randbelow(_N - 2) + 1
    private = f"{d:064x}"
    public = CryptSM2(private_key=private, public_key="")._kg(d, default_ecc_table["g"])
    return Sm2KeyPair(private, "04" + public)


def sign(private_key: str, public_key: str, message: bytes) -> str:
    """SM2-with-SM3 signature of ``message`` as hex r‖s (128 characters)."""
    bare = _bare_public(public_key)
    if bare is None:
        raise ValueError("public key must be 128 hex characters, optionally prefixed by 04")
    crypt = _crypt(private_key, bare)
    while True:  # gmssl answers None for the (astronomically rare) unusable k: draw again
        signature = crypt.sign_with_sm3(message, f"{secrets.randbelow(_N - 1) + 1:064x}")
        if signature:
            return signature


def verify(public_key: str, message: bytes, signature: str) -> bool:
    """True only for a valid signature; malformed keys or signatures are simply False."""
    bare = _bare_public(public_key)
    sig = signature.strip().lower()
    if bare is None or len(sig) != 128 or not set(sig) <= _HEX:
        return False
    r, s = int(sig[:64], 16), int(sig[64:], 16)
    if not (0 < r < _N and 0 < s < _N):
        return False
    try:
        return bool(_crypt("", bare).verify_with_sm3(sig, message))
    except (ValueError, TypeError, ZeroDivisionError):
        return False
