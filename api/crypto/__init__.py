"""GM/T cryptography: SM3, HMAC-SM3, SM4 (OpenSSL), SM2 (gmssl) and the data-at-rest vault."""

from api.crypto.sm import (
    CryptoError,
    hmac_sm3,
    hmac_sm3_hex,
    random_key,
    sm3,
    sm3_hex,
    sm4_encrypt_block,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
from api.crypto.sm2 import Sm2KeyPair, generate_keypair
from api.crypto.sm2 import sign as sm2_sign
from api.crypto.sm2 import verify as sm2_verify
from api.crypto.vault import KeyRing

__all__ = [
    "CryptoError",
    "KeyRing",
    "Sm2KeyPair",
    "generate_keypair",
    "hmac_sm3",
    "hmac_sm3_hex",
    "random_key",
    "sm2_sign",
    "sm2_verify",
    "sm3",
    "sm3_hex",
    "sm4_encrypt_block",
    "sm4_gcm_decrypt",
    "sm4_gcm_encrypt",
]
