"""Where the service's keys come from: a key file named by ``EHC_KEYS_FILE``, or one generated
once beside the embedded database and reused, so that ``serve`` and ``demo`` in the same
directory see the same cards and codes.

Rotation of the data key: ``ehc keys rotate`` adds a key version and makes it active. New writes
are sealed under it; rows sealed under older versions still open, because each sealed value
names its version. The blind-index key cannot be rotated without recomputing every index.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from api.crypto import KeyRing


@dataclass(frozen=True)
class Keys:
    """The data-at-rest key ring and the issuer's MAC key for static QR codes."""

    ring: KeyRing
    issuer_key: bytes

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form for the key file."""
        return {"ring": self.ring.to_dict(), "issuer_key": self.issuer_key.hex()}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Keys:
        """Parse the key file's content."""
        return cls(
            ring=KeyRing.from_dict(data["ring"]),  # type: ignore[arg-type]
            issuer_key=bytes.fromhex(str(data["issuer_key"])),
        )

    @classmethod
    def generate(cls) -> Keys:
        """Fresh random keys."""
        return cls(ring=KeyRing.generate(), issuer_key=secrets.token_bytes(32))


def _write_private(path: Path, data: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    tmp.replace(path)


def load_or_create(path: Path) -> Keys:
    """Read the key file, creating it (mode 600) with fresh keys the first time."""
    if path.exists():
        return Keys.from_dict(json.loads(path.read_text()))
    keys = Keys.generate()
    _write_private(path, keys.to_dict())
    return keys


def rotate(path: Path) -> Keys:
    """Add a new data-key version, make it active and save the file."""
    keys = load_or_create(path)
    rotated = Keys(ring=keys.ring.with_new_version(), issuer_key=keys.issuer_key)
    _write_private(path, rotated.to_dict())
    return rotated
