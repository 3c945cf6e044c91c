"""Personal data at rest: SM4-GCM sealing under versioned keys, and HMAC-SM3 blind indexes.

A sealed value reads ``v<version>:<base64url(nonce ‖ ciphertext ‖ tag)>``; the column's
context (e.g. ``person.name``) is the associated data, so a value cannot be moved to another
column and still open.

Rotation: :meth:`KeyRing.with_new_version` adds a key and makes it active (``ehc keys rotate``).
New writes use it; older values still open because each names its version; re-seal old rows
lazily (``needs_reseal``) or in bulk. The blind-index key cannot be rotated without
recomputing every index: callers normalise a value the same way before indexing and lookup.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from api.crypto.sm import CryptoError, hmac_sm3_hex, random_key, sm4_gcm_decrypt, sm4_gcm_encrypt


@dataclass(frozen=True)
class KeyRing:
    """Data keys by version (16-byte SM4 keys), the active version, and the index key."""

    data_keys: dict[int, bytes] = field(default_factory=dict)
    active_version: int = 1
    index_key: bytes = b""

    @classmethod
    def generate(cls) -> KeyRing:
        """A ring with one fresh data key (version 1) and a fresh 32-byte index key."""
        return cls(data_keys={1: random_key(16)}, active_version=1, index_key=random_key(32))

    def with_new_version(self) -> KeyRing:
        """A copy with one more data key, made active."""
        version = max(self.data_keys) + 1
        return KeyRing({**self.data_keys, version: random_key(16)}, version, self.index_key)

    def seal(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` under the active key, bound to ``context``."""
        blob = sm4_gcm_encrypt(
            self.data_keys[self.active_version], plaintext.encode(), context.encode()
        )
        return f"v{self.active_version}:" + base64.urlsafe_b64encode(blob).decode()

    def open(self, sealed: str, *, context: str) -> str:
        """Decrypt a sealed value; :class:`CryptoError` for unknown versions or tampering."""
        version, blob = self._split(sealed)
        key = self.data_keys.get(version)
        if key is None:
            raise CryptoError(f"no data key version {version}")
        return sm4_gcm_decrypt(key, blob, context.encode()).decode()

    def needs_reseal(self, sealed: str) -> bool:
        """True when ``sealed`` was made under an older key version."""
        return self._split(sealed)[0] != self.active_version

    def blind_index(self, value: str, *, context: str) -> str:
        """Hex HMAC-SM3 of ``value`` for exact-match lookups, separated by context."""
        return hmac_sm3_hex(self.index_key, context.encode() + b"\x00" + value.encode())

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (hex strings) for the key file."""
        return {
            "data_keys": {str(v): k.hex() for v, k in self.data_keys.items()},
            "active_version": self.active_version,
            "index_key": self.index_key.hex(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> KeyRing:
        """Parse :meth:`to_dict`'s output."""
        keys = data["data_keys"]
        assert isinstance(keys, dict)
        return cls(
            data_keys={int(v): bytes.fromhex(k) for v, k in keys.items()},
            active_version=int(data["active_version"]),  # type: ignore[arg-type]
            index_key=bytes.fromhex(str(data["index_key"])),
        )

    @staticmethod
    def _split(sealed: str) -> tuple[int, bytes]:
        head, sep, body = sealed.partition(":")
        if not sep or not head.startswith("v") or not head[1:].isdigit():
            raise CryptoError("not a sealed value")
        try:
            return int(head[1:]), base64.urlsafe_b64decode(body.encode())
        except ValueError as exc:
            raise CryptoError("sealed value is not valid base64") from exc
