"""Answers for the verifier about this platform's own issuers: DID documents and status lists, read locally.

The verifier in badges/openbadges takes these as plain callables; the employer verification adds network
resolvers for other issuers beside them.
"""

from typing import Any

from issuers.identity_documents import issuer_did_document
from issuers.models import Issuer
from issuers.public_urls import issuer_did, status_list_url

from .status_lists import status_list_credential

ISSUERS_PREFIX = "issuers:"


class NotLocal(LookupError):
    """The identifier does not belong to an issuer on this platform."""


def _issuer_from_did(did: str) -> Issuer:
    public_id = did.rsplit(":", 1)[-1]
    issuer = Issuer.objects.filter(public_id=public_id).first()
    if issuer is None or issuer_did(issuer) != did:
        raise NotLocal(f"{did} is not an issuer on this platform.")
    return issuer


def resolve_local_did(did: str) -> dict[str, Any]:
    return issuer_did_document(_issuer_from_did(did.split("#", 1)[0]))


def fetch_local_status_list(url: str) -> dict[str, Any]:
    parts = url.rstrip("/").split("/")
    if len(parts) < 4 or parts[-2] != "status":
        raise NotLocal(f"{url} is not a status list on this platform.")
    issuer = Issuer.objects.filter(public_id=parts[-3]).first()
    if issuer is None or status_list_url(issuer, parts[-1]) != url:
        raise NotLocal(f"{url} is not a status list on this platform.")
    credential = status_list_credential(issuer=issuer, purpose=parts[-1])
    if credential is None:  # ours, but never created: reported as unreachable, and nothing is made for the asker
        raise LookupError(f"{url} has not been published.")
    return credential
