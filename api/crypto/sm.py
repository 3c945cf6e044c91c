"""SM3, HMAC-SM3 and SM4 through OpenSSL (C-backed: hundreds of times faster than gmssl)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NONCE_BYTES = 12
TAG_BYTES = 16


class CryptoError(ValueError):
    """A ciphertext that does not decrypt: tampered, truncated, or under another key."""


def sm3(data: bytes) -> bytes:
    """The SM3 digest (32 bytes)."""
    return hashlib.new("sm3", data).digest()


def sm3_hex(data: bytes) -> str:
    """The SM3 digest as lower-case hex."""
    return hashlib.new("sm3", data).hexdigest()


def hmac_sm3(key: bytes, msg: bytes) -> bytes:
    """HMAC-SM3 (RFC 2104 with SM3)."""
    return hmac.new(key, msg, "sm3").digest()


def hmac_sm3_hex(key: bytes, msg: bytes) -> str:
    """HMAC-SM3 as lower-case hex."""
    return hmac.new(key, msg, "sm3").hexdigest()


def sm4_encrypt_block(key: bytes, block: bytes) -> bytes:
    """One 16-byte block under SM4 (ECB); for reference vectors, not for data."""
    encryptor = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """SM4-GCM: nonce(12) ‖ ciphertext ‖ tag(16), with a fresh random nonce."""
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + body + encryptor.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    """Open :func:`sm4_gcm_encrypt`'s output; :class:`CryptoError` if it was altered."""
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise CryptoError("ciphertext too short")
    nonce, body, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise CryptoError("ciphertext failed authentication") from exc


def random_key(n: int = 16) -> bytes:
    """``n`` random bytes from the OS's CSPRNG."""
    return secrets.token_bytes(n)
