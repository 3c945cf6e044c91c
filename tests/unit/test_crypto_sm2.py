"""SM2 signatures: interoperable with gmssl, random nonces, never raising on garbage."""

from __future__ import annotations

import secrets

from gmssl.sm2 import CryptSM2

from api.crypto import generate_keypair, sm2_sign, sm2_verify


def gmssl_for(public_key: str, private_key: str = "") -> CryptSM2:
    crypt = CryptSM2(private_key=private_key, public_key="")
    crypt.public_key = public_key[2:]
    return crypt


def test_ours_verifies_with_gmssl_and_gmssl_with_ours() -> None:
    pair = generate_keypair()
    msg = b"pa_123\n1764000000\nnonce"
    assert gmssl_for(pair.public_key).verify_with_sm3(
        sm2_sign(pair.private_key, pair.public_key, msg), msg
    )
    theirs = gmssl_for(pair.public_key, pair.private_key).sign_with_sm3(msg, secrets.token_hex(32))
    assert sm2_verify(pair.public_key, msg, theirs)


def test_signatures_use_fresh_nonces() -> None:
    pair = generate_keypair()
    assert sm2_sign(pair.private_key, pair.public_key, b"m") != sm2_sign(
        pair.private_key, pair.public_key, b"m"
    )


def test_wrong_message_key_or_garbage_is_false() -> None:
    pair, other = generate_keypair(), generate_keypair()
    sig = sm2_sign(pair.private_key, pair.public_key, b"m")
    assert not sm2_verify(pair.public_key, b"n", sig)
    assert not sm2_verify(other.public_key, b"m", sig)
    for junk in ("", "zz" * 64, "00" * 64, sig[:-2]):
        assert not sm2_verify(pair.public_key, b"m", junk)
    assert not sm2_verify("04abc", b"m", sig)


def test_public_keys_starting_with_0_or_4_survive_gmssl_prefix_stripping() -> None:
    for _ in range(200):
        pair = generate_keypair()
        if pair.public_key[2] in "04":
            break
    assert pair.public_key[2] in "04"
    sig = sm2_sign(pair.private_key, pair.public_key, b"m")
    assert sm2_verify(pair.public_key, b"m", sig)
    assert sm2_verify(pair.public_key[2:], b"m", sig)  # without the 04 prefix too
