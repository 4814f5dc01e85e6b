"""Public identifiers of an institution, all under settings.PUBLIC_BASE_URL: OB 2.0 profile, keys, lists, DID.

One place builds them, so the URL patterns (config/urls.py) and the documents can never disagree.
"""

from django.conf import settings

from badges.openbadges.ob3.did import did_web_for, verification_method_id

from .models import Issuer, SigningKey


def absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/{path.lstrip('/')}"


def issuer_path(issuer: Issuer) -> str:
    return f"issuers/{issuer.public_id}"


def issuer_url(issuer: Issuer) -> str:
    """The OB 2.0 Issuer Profile id (JSON-LD for machines, the institution's page for people)."""
    return absolute(issuer_path(issuer))


def issuer_did(issuer: Issuer) -> str:
    """did:web:<host>:issuers:<id> — resolves to <base>/issuers/<id>/did.json."""
    return did_web_for(base_url=settings.PUBLIC_BASE_URL, path=issuer_path(issuer))


def key_url(key: SigningKey) -> str:
    """The OB 2.0 CryptographicKey id of an RSA key (verification.creator of signed assertions)."""
    return absolute(f"{issuer_path(key.issuer)}/keys/{key.public_id}")


def key_verification_method(key: SigningKey) -> str:
    """The DID URL of a key in the issuer's DID document (fragment = the key's public id)."""
    return verification_method_id(did=issuer_did(key.issuer), fragment=key.public_id)


def revocation_list_url(issuer: Issuer) -> str:
    return absolute(f"{issuer_path(issuer)}/revocations")


def status_list_url(issuer: Issuer, purpose: str = "revocation") -> str:
    return absolute(f"{issuer_path(issuer)}/status/{purpose}")
