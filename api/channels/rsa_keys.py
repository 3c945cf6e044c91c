"""RSA key pairs for Alipay apps (the demo and tests make their own at run time)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def generate_rsa_keypair() -> tuple[str, str]:
    """(private key PEM, public key PEM), RSA-2048."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return private, public_pem_of(private)


def public_pem_of(private_pem: str) -> str:
    """The public key PEM of a private key PEM."""
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def is_rsa_pem(pem: str, *, private: bool) -> bool:
    """Whether ``pem`` holds an RSA private (or public) key the Alipay SDK can use."""
    try:
        data = pem.encode("ascii")
        key = (
            serialization.load_pem_private_key(data, password=None)
            if private
            else serialization.load_pem_public_key(data)
        )
    except (ValueError, TypeError, UnicodeError, NotImplementedError):
        return False
    return isinstance(key, rsa.RSAPrivateKey if private else rsa.RSAPublicKey)
