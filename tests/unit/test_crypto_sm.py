"""SM3, HMAC-SM3 and SM4 against the published GB/T vectors and against gmssl's own code."""

from __future__ import annotations

import os

import pytest
from gmssl import func as gm_func
from gmssl import sm3 as gm_sm3
from gmssl import sm4 as gm_sm4

from api.crypto import (
    CryptoError,
    hmac_sm3,
    sm3,
    sm3_hex,
    sm4_encrypt_block,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)


def gmssl_sm3(data: bytes) -> str:
    return gm_sm3.sm3_hash(gm_func.bytes_to_list(data))


def test_sm3_published_vectors() -> None:
    # GB/T 32905-2016, appendix A
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert (
        sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


@pytest.mark.parametrize("size", [0, 1, 55, 56, 64, 65, 1000])
def test_sm3_matches_gmssl(size: int) -> None:
    data = os.urandom(size)
    assert sm3(data).hex() == gmssl_sm3(data)


def test_hmac_sm3_matches_rfc2104_built_on_gmssl() -> None:
    for key in (os.urandom(16), os.urandom(64), os.urandom(100)):
        msg = os.urandom(200)
        block = bytes.fromhex(gmssl_sm3(key)) if len(key) > 64 else key
        block = block.ljust(64, b"\0")
        inner = bytes.fromhex(gmssl_sm3(bytes(b ^ 0x36 for b in block) + msg))
        outer = gmssl_sm3(bytes(b ^ 0x5C for b in block) + inner)
        assert hmac_sm3(key, msg).hex() == outer


def test_sm4_published_vector() -> None:
    # GB/T 32907-2016, appendix A.1
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert sm4_encrypt_block(key, key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_matches_gmssl_block_for_block() -> None:
    for _ in range(20):
        key, block = os.urandom(16), os.urandom(16)
        cipher = gm_sm4.CryptSM4(padding_mode=gm_sm4.ZERO)
        cipher.set_key(key, gm_sm4.SM4_ENCRYPT)
        assert sm4_encrypt_block(key, block) == bytes(cipher.crypt_ecb(block))[:16]


def test_gcm_round_trip_and_tamper_detection() -> None:
    key = os.urandom(16)
    sealed = sm4_gcm_encrypt(key, "居民健康卡".encode(), b"ctx")
    assert sm4_gcm_decrypt(key, sealed, b"ctx").decode() == "居民健康卡"
    assert sm4_gcm_encrypt(key, b"same", b"") != sm4_gcm_encrypt(key, b"same", b"")
    flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
    for bad in (flipped, sealed[:10]):
        with pytest.raises(CryptoError):
            sm4_gcm_decrypt(key, bad, b"ctx")
    with pytest.raises(CryptoError):
        sm4_gcm_decrypt(key, sealed, b"other")
