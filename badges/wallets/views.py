"""Wallet endpoints: the learner's "Add to a wallet" page (a form, CSRF-protected) and the JSON APIs wallets call
(CSRF-exempt: no cookies are involved, the offer's token and the wallet's signatures are the credentials).

Thin: selectors read, services write. Every refusal is JSON with a message a developer can act on — OID4VCI ones in
the spec's {"error", "error_description"} shape — and every endpoint is rate limited per client address.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from badges.models import Award, AwardStatus, WalletCopy, WalletOffer
from badges.openbadges.wallets import oid4vci
from badges.openbadges.wallets.errors import Oid4vciError
from badges.sharing import qr_svg

from . import links, selectors, services
from .throttling import WalletThrottle

BODY_MAX_BYTES = 256 * 1024  # a DID-Auth presentation or a credential request is a few kilobytes
NO_STORE = "no-store"


def _json(body: Any, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = NO_STORE
    return response


def _error(message: str, *, status: int = 400, code: str = "invalid_request") -> JsonResponse:
    return _json({"error": code, "error_description": message, "message": message}, status=status)


def _wallet_error(exc: services.WalletError) -> JsonResponse:
    response = _error(exc.message, status=exc.status, code=exc.code)
    if exc.status == 401:
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _oid4vci_error(exc: Oid4vciError, *, draft: bool = False) -> JsonResponse:
    response = _json(exc.to_json(draft=draft), status=exc.status)
    header = exc.www_authenticate()
    if header:
        response["WWW-Authenticate"] = header
    return response


def cross_origin(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let wallets that run in a browser call the endpoint from their own origin. Safe with `*`: these endpoints
    read no cookie (the offer's token, the bearer token and the wallet's signatures are the credentials)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type, DPoP"
            response["Access-Control-Max-Age"] = "600"
        else:
            response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def _throttled(request: HttpRequest) -> JsonResponse | None:
    throttle = WalletThrottle()
    if throttle.allow_request(request, None):
        return None
    response = _error(_("Too many requests; try again in a minute."), status=429, code="slow_down")
    response["Retry-After"] = str(int(throttle.wait() or 60))
    return response


def _json_body(request: HttpRequest) -> Any:
    if len(request.body) > BODY_MAX_BYTES:
        raise services.WalletError(_("The request body is too large."), status=413)
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise services.WalletError(_("The request body is not valid JSON.")) from exc


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "json" in accept and request.get_preferred_type(["application/json", "text/html"]) == "application/json"


# --- The learner's page --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def add_to_wallet(request: HttpRequest, public_id: str) -> HttpResponse:
    """GET: what adding to a wallet means, with a button; POST: a new offer, shown as one QR code and its links.

    Only the learner (signed in, or with the award e-mail's claim link) gets past the service's check."""
    award = get_object_or_404(
        Award.objects.select_related("issuer", "badge_class", "learner"),
        public_id=public_id,
        status__in=[AwardStatus.ISSUED, AwardStatus.REVOKED],
    )
    claim = request.POST.get("claim") or request.GET.get("claim") or ""
    context: dict[str, Any] = {"award": award, "badge": award.badge_class, "issuer": award.issuer, "claim": claim}
    if request.method == "POST":
        limited = _throttled(request)
        if limited is not None:
            return limited
        try:
            new = services.wallet_offer_create(
                award=award, user=request.user, claim=claim or None, with_tx_code=request.POST.get("tx_code") == "1"
            )
        except services.WalletError as exc:
            context["error"] = exc.message
            status = exc.status
        else:
            found = selectors.wallet_offer_links(offer=new.offer, token=new.token)
            context |= {
                "offer": new.offer,
                "links": found,
                "tx_code_sent": bool(new.tx_code),
                "minutes": settings.WALLET_OFFER_SECONDS // 60,
                "qr": qr_svg(found.interaction_url, label=_("QR code to add this badge to a wallet")),
            }
            status = 200
    else:
        if not services.holder_may_add(award, user=request.user, claim=claim or None):
            raise Http404(_("No such badge in your backpack."))
        status = 200
    response = render(request, "wallets/add.html", context, status=status)
    response["Cache-Control"] = NO_STORE
    return response


# --- Interaction URL and VC-API exchange ---------------------------------------------------------------------


def _open_offer(token: str) -> WalletOffer:
    offer = selectors.wallet_offer_open(token=token)
    if offer is None:
        raise services.WalletError(
            _("This wallet offer has expired, was already used or does not exist.")
            + " "
            + _("Make a new one from your badge page."),
            status=404,
        )
    return offer


@cross_origin
@csrf_exempt
@require_GET
def interaction(request: HttpRequest, token: str) -> HttpResponse:
    limited = _throttled(request)
    if limited is not None:
        return limited
    wants_json = _wants_json(request)
    try:
        offer = _open_offer(token)
    except services.WalletError as exc:
        if wants_json:
            return _wallet_error(exc)
        return render(request, "wallets/interaction.html", {"error": exc.message}, status=exc.status)
    if wants_json:
        response = _json(selectors.wallet_protocols(offer=offer, token=token))
        response["Vary"] = "Accept"
        return response
    response = render(request, "wallets/interaction.html", {"offer": offer, "badge": offer.award.badge_class})
    response["Cache-Control"] = NO_STORE
    response["Vary"] = "Accept"
    return response


def _presentation_request(offer: WalletOffer, token: str) -> dict:
    return {
        "verifiablePresentationRequest": {
            "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}],
            "challenge": offer.challenge,
            "domain": offer.domain,
            "interact": {
                "service": [
                    {"type": "VerifiableCredentialApiExchangeService", "serviceEndpoint": links.exchange_url(token)}
                ]
            },
        }
    }


def _presentation_of(copy: WalletCopy) -> dict:
    return {
        "verifiablePresentation": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [copy.credential],
        }
    }


@cross_origin
@csrf_exempt
@require_POST
def exchange(request: HttpRequest, token: str) -> HttpResponse:
    """VC-API exchange: {} -> a DIDAuthentication request; {"verifiablePresentation": VP} -> the holder's copy."""
    limited = _throttled(request)
    if limited is not None:
        return limited
    try:
        body = _json_body(request)
        if not isinstance(body, dict):
            raise services.WalletError(_("The request body must be a JSON object."))
        if "verifiablePresentation" not in body:
            return _json(_presentation_request(_open_offer(token), token))
        copy = services.wallet_offer_redeem_presentation(
            token=token, presentation=body["verifiablePresentation"], kind=WalletOffer.Kind.VCAPI
        )
    except services.WalletError as exc:
        return _wallet_error(exc)
    return _json(_presentation_of(copy))


@cross_origin
@csrf_exempt
@require_POST
def credential_request(request: HttpRequest, token: str) -> HttpResponse:
    """The LCW credential request (deep link's vc_request_url): the body is the DID-Auth presentation itself,
    signed over the deep link's challenge (no domain); the answer is the holder's copy."""
    limited = _throttled(request)
    if limited is not None:
        return limited
    try:
        presentation = _json_body(request)
        copy = services.wallet_offer_redeem_presentation(
            token=token, presentation=presentation, kind=WalletOffer.Kind.LCW_REQUEST
        )
    except services.WalletError as exc:
        return _wallet_error(exc)
    return _json(copy.credential)


# --- OpenID for Verifiable Credential Issuance ---------------------------------------------------------------


@cross_origin
@require_GET
def issuer_metadata(request: HttpRequest) -> HttpResponse:
    """/.well-known/openid-credential-issuer: one Credential Issuer for the platform (decision 0028)."""
    body = oid4vci.issuer_metadata(
        credential_issuer=links.credential_issuer(),
        credential_endpoint=links.oid4vci_endpoint("credential"),
        nonce_endpoint=links.oid4vci_endpoint("nonce"),
        token_endpoint=links.oid4vci_endpoint("token"),
        display_name="Laurel",
        credential_name=_("Open Badge"),
    )
    return JsonResponse(body)


@cross_origin
@require_GET
def authorization_server_metadata(request: HttpRequest) -> HttpResponse:
    body = oid4vci.authorization_server_metadata(
        issuer=links.credential_issuer(), token_endpoint=links.oid4vci_endpoint("token")
    )
    return JsonResponse(body)


@cross_origin
@csrf_exempt
@require_GET
def credential_offer(request: HttpRequest, token: str) -> HttpResponse:
    """The offer by reference (credential_offer_uri)."""
    limited = _throttled(request)
    if limited is not None:
        return limited
    try:
        offer = _open_offer(token)
    except services.WalletError as exc:
        return _wallet_error(exc)
    body = selectors.wallet_credential_offer(
        offer=offer, token=token, tx_code_description=_("The six-digit code we sent you by e-mail")
    )
    return _json(body)


@cross_origin
@csrf_exempt
@require_POST
def token_endpoint(request: HttpRequest) -> HttpResponse:
    limited = _throttled(request)
    if limited is not None:
        return limited
    try:
        parsed = oid4vci.parse_token_request(request.POST)
        grant = services.wallet_token_issue(pre_authorized_code=parsed.pre_authorized_code, tx_code=parsed.tx_code)
    except Oid4vciError as exc:
        return _oid4vci_error(exc)
    except services.WalletError as exc:
        return _wallet_error(exc)
    body = oid4vci.token_response(
        access_token=grant.access_token,
        expires_in=grant.expires_in,
        c_nonce=grant.c_nonce,
        c_nonce_expires_in=grant.expires_in,
        configuration_ids=parsed.configuration_ids,
    )
    response = _json(body)
    response["Pragma"] = "no-cache"
    return response


@cross_origin
@csrf_exempt
@require_POST
def nonce_endpoint(request: HttpRequest) -> HttpResponse:
    limited = _throttled(request)
    if limited is not None:
        return limited
    return _json(oid4vci.nonce_response(services.wallet_nonce_new()))


def _bearer(request: HttpRequest) -> str:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() in ("bearer", "dpop") else ""


@cross_origin
@csrf_exempt
@require_POST
def credential_endpoint(request: HttpRequest) -> HttpResponse:
    limited = _throttled(request)
    if limited is not None:
        return limited
    access_token = _bearer(request)
    if not access_token:
        return _oid4vci_error(Oid4vciError("invalid_token", "Send the access token as Authorization: Bearer."))
    draft = False
    try:
        parsed = oid4vci.parse_credential_request(_json_body(request))
        draft = parsed.draft
        copy = services.wallet_credential_issue(
            access_token=access_token, proof_jwt=parsed.proof_jwt, fmt=parsed.format
        )
    except Oid4vciError as exc:
        return _oid4vci_error(exc, draft=draft)
    except services.WalletError as exc:
        if exc.status >= 500:
            return _wallet_error(exc)
        return _oid4vci_error(Oid4vciError(exc.code, exc.message), draft=draft)
    credential = copy.credential_jwt if copy.format == WalletCopy.Format.JWT_VC_JSON else copy.credential
    return _json(oid4vci.credential_response(credential=credential, draft=draft))
