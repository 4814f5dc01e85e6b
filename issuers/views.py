"""Public identity of an institution: its keys and its did:web DID document. (Its OB 2.0 profile and page are
served by badges.views, which also lists its badges.)"""

from django.http import Http404
from django.views.decorators.http import require_GET

from . import public_cache
from .identity import cryptographic_key_document, issuer_did_document
from .models import Issuer, KeyAlgorithm, SigningKey
from .negotiation import body_response, json_body, json_response


def issuer_document_response(request, public_id: str, name: str, build, content_type: str | None = None):
    """An institution's JSON document `name`, built by `build(issuer)` and answered from the public cache that key
    rotation and list changes invalidate. `content_type` None negotiates JSON-LD or JSON per request."""

    def render_document():
        issuer = Issuer.objects.filter(public_id=public_id).first()
        return None if issuer is None else (200, json_body(build(issuer)), content_type or "")

    hit = public_cache.cached(public_cache.issuer_key(public_id, name), render_document)
    if hit is None:
        raise Http404("No such institution.")
    status, body, stored_type = hit
    return body_response(body, request=request, status=status, content_type=stored_type or None)


@require_GET
def issuer_did_json(request, public_id: str):
    """did:web resolution target: <base>/issuers/<id>/did.json."""
    return issuer_document_response(request, public_id, "did", issuer_did_document, "application/did+json")


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
