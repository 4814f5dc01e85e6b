"""Key generation and encryption at rest.

Private keys are serialised to PKCS#8 DER and encrypted with MultiFernet over settings.KEY_ENCRYPTION_KEYS (the
first key encrypts, any decrypts), so the key-encryption key can be rotated without losing signing keys.
Decrypted keys exist only in memory, as `cryptography` objects handed to the signing code; the functions that hold
them are marked `sensitive_variables`, so error reports (debug pages, admin e-mails) never show their locals.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from .models import KeyAlgorithm


class KeyDecryptionError(Exception):
    """The stored key cannot be decrypted with any configured key-encryption key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.KEY_ENCRYPTION_KEYS))


@sensitive_variables()
def generate_private_key(algorithm: str):
    if algorithm == KeyAlgorithm.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == KeyAlgorithm.RSA2048:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"Unknown key algorithm {algorithm!r}")


def public_pem(private_key) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@sensitive_variables()
def encrypt_private_key(private_key) -> str:
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return fernet().encrypt(der).decode()


@sensitive_variables()
def decrypt_private_key(token: str):
    try:
        der = fernet().decrypt(token.encode())
    except InvalidToken:
        # Say which configuration is wrong, never anything about the key itself.
        raise KeyDecryptionError(
            "A signing key cannot be decrypted: KEY_ENCRYPTION_KEYS does not contain the key it was encrypted with."
        ) from None
    # The token's HMAC already proves these bytes are the key we stored, so skip RSA's costly consistency check
    # (about 40 ms per load, paid once per issuing batch).
    return serialization.load_der_private_key(der, password=None, unsafe_skip_rsa_key_validation=True)


def reencrypt(token: str) -> str:
    """Re-encrypt under the first (newest) key-encryption key."""
    return fernet().rotate(token.encode()).decode()
