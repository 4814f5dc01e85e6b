"""An institution's public identity documents: its DID document (OB 3.0) and OB 2.0 key documents."""

from typing import Any

from cryptography.hazmat.primitives.serialization import load_pem_public_key

from badges.openbadges.ob2 import compose as ob2
from badges.openbadges.ob3.did import PublishedKey, did_document

from .models import Issuer, KeyAlgorithm, SigningKey
from .public_urls import issuer_did, issuer_url, key_url
from .selectors import signing_keys_published


def public_key(key: SigningKey):
    return load_pem_public_key(key.public_key_pem.encode())


def issuer_did_document(issuer: Issuer) -> dict[str, Any]:
    """Every published key (active and retired) as an assertion method, so earlier badges keep verifying."""
    keys = [PublishedKey(public_key=public_key(k), fragment=k.public_id) for k in signing_keys_published(issuer=issuer)]
    return did_document(did=issuer_did(issuer), keys=keys)


def cryptographic_key_document(key: SigningKey) -> dict[str, Any]:
    return ob2.cryptographic_key(id=key_url(key), owner=issuer_url(key.issuer), public_key_pem=key.public_key_pem)


def ob2_public_key_urls(issuer: Issuer) -> list[str]:
    return [key_url(k) for k in signing_keys_published(issuer=issuer, algorithm=KeyAlgorithm.RSA2048)]
