"""Public identity of an institution: its keys and its did:web DID document. (Its OB 2.0 profile and page are
served by badges.views, which also lists its badges.)"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from . import public_cache
from .identity import cryptographic_key_document, issuer_did_document
from .models import Issuer, KeyAlgorithm, SigningKey
from .negotiation import body_response, json_body, json_response


def _issuer(public_id: str) -> Issuer:
    return get_object_or_404(Issuer, public_id=public_id)


@require_GET
def issuer_did_json(request, public_id: str):
    """did:web resolution target: <base>/issuers/<id>/did.json (cached; key rotation invalidates it)."""

    def render_document():
        issuer = Issuer.objects.filter(public_id=public_id).first()
        return None if issuer is None else (200, json_body(issuer_did_document(issuer)), "application/did+json")

    hit = public_cache.cached(public_cache.issuer_key(public_id, "did"), render_document)
    if hit is None:
        raise Http404("No such institution.")
    status, body, content_type = hit
    return body_response(body, status=status, content_type=content_type)


@require_GET
def issuer_key(request, public_id: str, key_id: str):
    """An RSA key as an OB 2.0 CryptographicKey (verification.creator of signed assertions)."""
    key = (
        SigningKey.objects.select_related("issuer")
        .filter(public_id=key_id, issuer__public_id=public_id, algorithm=KeyAlgorithm.RSA2048)
        .exclude(state="revoked")
        .first()
    )
    if key is None:
        raise Http404("No such key.")
    return json_response(cryptographic_key_document(key), request=request)
