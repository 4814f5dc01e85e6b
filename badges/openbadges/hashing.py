"""Hashed recipient e-mail identities: normalisation, salts, ``sha256$`` hashes and constant-time matching.

Open Badges 2.0 IdentityObject:
https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#IdentityObject Open Badges 3.0
IdentityObject: https://www.imsglobal.org/spec/ob/v3p0/#identityobject

Both specs hash ``utf8(identity) + utf8(salt)`` with SHA-256 and write ``sha256$`` + lowercase hex. Neither
says how to normalise an e-mail address first; Laurel's one rule is trim + lowercase (see
:func:`normalize_email`), applied by :func:`hash_email` and :func:`email_matches` alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["HASH_PREFIX", "email_matches", "hash_email", "hash_identity", "new_salt", "normalize_email"]

HASH_PREFIX = "sha256$"
_SALT_BYTES = 16


def normalize_email(email: str) -> str:
    """Return ``email`` trimmed and lowercased: Laurel's single normalisation rule."""
    return email.strip().lower()


def new_salt() -> str:
    """Return a fresh random URL-safe salt carrying 16 bytes (128 bits) of entropy from :mod:`secrets`."""
    return secrets.token_urlsafe(_SALT_BYTES)


def hash_identity(*, identity: str, salt: str) -> str:
    """Return ``sha256$`` + hex(sha256(utf8(identity) + utf8(salt))) for ``identity`` exactly as given.

    This is the raw spec formula, used for the published test vectors; issuers should call :func:`hash_email`.
    """
    digest = hashlib.sha256(identity.encode("utf-8") + salt.encode("utf-8")).hexdigest()
    return HASH_PREFIX + digest


def hash_email(*, email: str, salt: str) -> str:
    """Return the ``sha256$<hex>`` identity hash of the normalised ``email`` with ``salt``."""
    return hash_identity(identity=normalize_email(email), salt=salt)


def email_matches(*, email: str, identity_hash: str, salt: str) -> bool:
    """Tell, in constant time, whether ``email`` (normalised) hashes to ``identity_hash`` with ``salt``.

    The comparison ignores the case of the hex digits and of the ``sha256$`` prefix, as validators do.
    """
    expected = hash_email(email=email, salt=salt).encode("ascii")
    try:
        given = identity_hash.strip().lower().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected, given)
