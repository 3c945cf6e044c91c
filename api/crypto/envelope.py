"""The provincial card centre's envelope (DOMAIN.md, API.md "The provincial envelope"): one
POST of string fields, ``biz_content`` SM4-ECB encrypted (PKCS#7) under the first 16 bytes of
SM3(secret), and ``digest`` the SM3 of the other fields sorted by name as ``k=v`` joined by
``&``, then ``&key=<secret>``. The platform above speaks it too."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from api.crypto.sm import CryptoError, sm3, sm3_hex

FIELDS = ("app_id", "method", "term_id", "version", "timestamp", "digest_type", "enc_type")


def content_key(secret: str) -> bytes:
    """The SM4 key of ``biz_content``: the first 16 bytes of SM3(secret as UTF-8)."""
    return sm3(secret.encode())[:16]


def seal_content(secret: str, content: Any) -> str:
    """``content`` as JSON, SM4-ECB with PKCS#7 padding, base64."""
    padder = padding.PKCS7(128).padder()
    raw = padder.update(json.dumps(content, ensure_ascii=False).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(content_key(secret)), modes.ECB()).encryptor()
    return base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode()


def open_content(secret: str, sealed: str) -> Any:
    """The JSON inside ``biz_content``; :class:`CryptoError` if it does not decrypt."""
    try:
        blob = base64.b64decode(sealed, validate=True)
        decryptor = Cipher(algorithms.SM4(content_key(secret)), modes.ECB()).decryptor()
        raw = decryptor.update(blob) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return json.loads(unpadder.update(raw) + unpadder.finalize())
    except (ValueError, binascii.Error) as exc:
        raise CryptoError("biz_content does not decrypt under this app's secret") from exc


def digest(fields: dict[str, str], secret: str) -> str:
    """Lower-case hex SM3 of the fields (``digest`` excepted) sorted by name, and the key."""
    text = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "digest")
    return sm3_hex(f"{text}&key={secret}".encode())


def digest_matches(fields: dict[str, str], secret: str) -> bool:
    """Whether ``fields["digest"]`` is right, compared in constant time."""
    return hmac.compare_digest(digest(fields, secret), str(fields.get("digest", "")).lower())


def envelope(
    app_id: str, secret: str, method: str, content: Any, term_id: str, timestamp: str
) -> dict[str, str]:
    """A whole signed request envelope."""
    fields = {
        "app_id": app_id,
        "method": method,
        "term_id": term_id,
        "version": "1.0.0",
        "timestamp": timestamp,
        "digest_type": "SM3",
        "enc_type": "SM4",
        "biz_content": seal_content(secret, content),
    }
    return {**fields, "digest": digest(fields, secret)}
