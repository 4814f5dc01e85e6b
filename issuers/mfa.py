"""Two-factor secrets at rest: allauth.mfa's adapter (settings.MFA_ADAPTER) encrypts each TOTP secret and recovery
code seed under the key-encryption keys that protect the signing keys, so a database dump or an admin page cannot
reveal a second factor; `key_encryption_key_rotate` re-encrypts them with the signing keys."""

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import InvalidToken
from django.views.decorators.debug import sensitive_variables

from .keys import KeyDecryptionError, fernet

# The fields of Authenticator.data that allauth passes through encrypt(): TOTP's secret, the recovery codes' seed,
# and the codes migrated from other MFA libraries.
ENCRYPTED_FIELDS = ("secret", "seed")
ENCRYPTED_LISTS = ("migrated_codes",)


class MfaAdapter(DefaultMFAAdapter):
    @sensitive_variables()
    def encrypt(self, text: str) -> str:
        return fernet().encrypt(text.encode()).decode()

    @sensitive_variables()
    def decrypt(self, encrypted_text: str) -> str:
        try:
            return fernet().decrypt(encrypted_text.encode()).decode()
        except InvalidToken:
            raise KeyDecryptionError(
                "A two-factor secret cannot be decrypted: KEY_ENCRYPTION_KEYS does not contain the key it was "
                "encrypted with."
            ) from None


def authenticator_data_reencrypt(data: dict) -> dict:
    """The same data with every encrypted value re-encrypted under the first key-encryption key."""
    rotated = dict(data)
    for name in ENCRYPTED_FIELDS:
        if isinstance(rotated.get(name), str):
            rotated[name] = fernet().rotate(rotated[name].encode()).decode()
    for name in ENCRYPTED_LISTS:
        if isinstance(rotated.get(name), list):
            rotated[name] = [fernet().rotate(value.encode()).decode() for value in rotated[name]]
    return rotated
