"""Personal data at rest: sealing, key rotation and blind indexes."""

from __future__ import annotations

import pytest

from api.crypto import CryptoError, KeyRing


def test_round_trip_holds_no_plaintext_and_differs_each_time() -> None:
    ring = KeyRing.generate()
    a, b = (
        ring.seal("欧阳娜娜", context="person.name"),
        ring.seal("欧阳娜娜", context="person.name"),
    )
    assert a != b and "欧阳" not in a
    assert ring.open(a, context="person.name") == "欧阳娜娜"


def test_a_value_cannot_move_to_another_column() -> None:
    ring = KeyRing.generate()
    sealed = ring.seal("13800000000", context="person.phone")
    with pytest.raises(CryptoError):
        ring.open(sealed, context="person.name")


def test_rotation_keeps_old_values_readable_and_seals_new_ones_with_the_new_key() -> None:
    old_ring = KeyRing.generate()
    old = old_ring.seal("110105194912310020", context="id")
    ring = old_ring.with_new_version()
    new = ring.seal("110105194912310020", context="id")
    assert old.startswith("v1:") and new.startswith("v2:")
    assert ring.open(old, context="id") == ring.open(new, context="id")
    assert ring.needs_reseal(old) and not ring.needs_reseal(new)
    with pytest.raises(CryptoError):
        old_ring.open(new, context="id")


def test_blind_index_is_stable_and_separated_by_context() -> None:
    ring = KeyRing.generate()
    assert ring.blind_index("x", context="a") == ring.blind_index("x", context="a")
    assert ring.blind_index("x", context="a") != ring.blind_index("x", context="b")
    assert ring.blind_index("x", context="a") != KeyRing.generate().blind_index("x", context="a")


def test_key_file_round_trip() -> None:
    ring = KeyRing.generate().with_new_version()
    again = KeyRing.from_dict(ring.to_dict())
    assert again.open(ring.seal("张三", context="n"), context="n") == "张三"
    with pytest.raises(CryptoError):
        again.open("garbage", context="n")
