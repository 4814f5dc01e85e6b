"""Writes for wallets: creating an award's "Add to a wallet" offer, and redeeming it into a copy of the badge bound
to the wallet's DID — by a DID-Auth presentation (VC-API exchange, LCW credential request) or through OID4VCI
(pre-authorized code -> access token -> key proof -> credential).

Each redemption is one transaction that locks the offer row, so two wallets racing with the same offer get one
copy between them; every refusal raises WalletError before anything is written, so a refusal issues nothing.
"""

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from badges.issuing import PERMANENT, keys_for
from badges.models import Award, AwardStatus, WalletCopy, WalletOffer
from badges.openbadges.ob3 import jwt as vcjwt
from badges.openbadges.ob3.holder_copy import holder_bound_copy
from badges.openbadges.ob3.proof import sign_credential
from badges.openbadges.ob3.verify import verify_data_integrity
from badges.openbadges.wallets.errors import Oid4vciError
from badges.openbadges.wallets.keyproof import verify_key_proof
from badges.openbadges.wallets.presentation import PresentationError, verify_did_auth
from badges.public_urls import ClaimToken, claim_token_check
from badges.resolvers import resolve_local_did
from issuers.public_urls import key_verification_method
from issuers.services import audit_record

from . import links

log = logging.getLogger(__name__)

_PRE_AUTHORIZED_SALT = "laurel.wallets.pre-authorized-code"
_NONCE_SALT = "laurel.wallets.c_nonce"
NONCE_SECONDS = 300  # how long a c_nonce from the nonce endpoint may be used in a key proof


class WalletError(Exception):
    """A wallet request that cannot be honoured. ``message`` is shown to the learner or the wallet; ``code`` is
    the OAuth/OID4VCI error code where the protocol has one; ``status`` the HTTP status to answer with."""

    def __init__(self, message: str, *, code: str = "invalid_request", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass(frozen=True)
class NewOffer:
    """An offer as its creator sees it, once: the secrets are not stored, only their hashes."""

    offer: WalletOffer
    token: str
    pre_authorized_code: str
    tx_code: str | None

    @property
    def interaction_url(self) -> str:
        return links.interaction_url(self.token)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def pre_authorized_code_for(token: str) -> str:
    """The offer's OID4VCI pre-authorized code, derived from its token with the site's secret: the offer-by-reference
    URL can hand it out again without the database holding it in clear."""
    return salted_hmac(_PRE_AUTHORIZED_SALT, token, algorithm="sha256").hexdigest()


def holder_may_add(award: Award, *, user, claim: str | None) -> bool:
    """Whether this visitor is the award's learner: signed in to the account holding it, or holding its claim link."""
    if user is not None and user.is_authenticated and award.learner.user_id == user.pk:
        return True
    # The award e-mail's link works while nobody has claimed the badge (badges.sharing.claim_link, decision 0013).
    return bool(claim) and award.learner.user_id is None and claim_token_check(award, claim) is ClaimToken.VALID


@sensitive_variables("token", "code", "tx_code")
def wallet_offer_create(
    *, award: Award, user=None, claim: str | None = None, with_tx_code: bool = False, now: datetime | None = None
) -> NewOffer:
    """A new single-use offer of ``award`` for a wallet, valid WALLET_OFFER_SECONDS.

    Only the award's learner may ask: signed in to the account holding it, or holding the award e-mail's valid claim
    link. With ``with_tx_code`` the OID4VCI route also needs a six-digit code, e-mailed to the learner's address.
    """
    now = now or timezone.now()
    if not holder_may_add(award, user=user, claim=claim):
        raise WalletError(_("Only the learner who earned this badge can add it to a wallet."), status=403)
    if award.status != AwardStatus.ISSUED:
        raise WalletError(_("Only an issued badge that has not been revoked can be added to a wallet."), status=409)
    token = secrets.token_urlsafe(24)
    code = pre_authorized_code_for(token)
    tx_code = f"{secrets.randbelow(10**6):06d}" if with_tx_code else None
    with transaction.atomic():
        offer = WalletOffer.objects.create(
            award=award,
            token_hash=token_hash(token),
            challenge=secrets.token_urlsafe(24),
            domain=settings.PUBLIC_BASE_URL.split("://", 1)[-1].split("/", 1)[0],
            pre_authorized_code_hash=token_hash(code),
            tx_code_hash=token_hash(tx_code) if tx_code else "",
            expires_at=now + timedelta(seconds=settings.WALLET_OFFER_SECONDS),
        )
        audit_record(actor=user, action="award.wallet_offer", target=award, issuer=award.issuer)
        if tx_code:
            email, badge = award.learner.email, award.badge_class.name
            transaction.on_commit(lambda: _send_tx_code(email=email, badge=badge, tx_code=tx_code))
    return NewOffer(offer=offer, token=token, pre_authorized_code=code, tx_code=tx_code)


@sensitive_variables("tx_code")
def _send_tx_code(*, email: str, badge: str, tx_code: str) -> None:
    context = {"badge": badge, "tx_code": tx_code, "minutes": settings.WALLET_OFFER_SECONDS // 60}
    subject = render_to_string("emails/wallet_tx_code_subject.txt", context).strip()
    body = render_to_string("emails/wallet_tx_code.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    except Exception:  # noqa: BLE001 — the learner sees no code and makes a new offer; the page says so
        log.warning("Could not e-mail a wallet transaction code", exc_info=True)


def _locked(**lookup: Any) -> WalletOffer | None:
    return WalletOffer.objects.select_for_update().filter(**lookup).first()


def _check_open(offer: WalletOffer | None, now: datetime, *, code: str = "invalid_request") -> WalletOffer:
    if offer is None:
        raise WalletError(
            _("This wallet offer does not exist. Make a new one from your badge page."), code=code, status=404
        )
    if offer.used_at is not None:
        raise WalletError(
            _("This wallet offer has already been used. Make a new one from your badge page."), code=code, status=410
        )
    if offer.expires_at <= now:
        raise WalletError(
            _("This wallet offer has expired. Make a new one from your badge page."), code=code, status=410
        )
    return offer


def _status_not_checked(url: str) -> dict:
    raise LookupError("status is not part of self-verification")


@sensitive_variables()
def _sign_copy(award: Award, *, holder_did: str, fmt: str, now: datetime) -> tuple[dict[str, Any], str]:
    """The holder-bound copy, signed as awards are (issuing.sign): eddsa-rdfc-2022 with the issuer's Ed25519 key,
    and for jwt_vc_json that document as a VC-JWT with its RSA key; checked with the verifiers' code before use."""
    unsigned = holder_bound_copy(award.ob3_credential, holder_id=holder_did, copy_id=f"urn:uuid:{uuid.uuid4()}")
    keys = keys_for(award.issuer)
    credential = sign_credential(
        credential=unsigned,
        private_key=keys.ed25519_private,
        verification_method=key_verification_method(keys.ed25519),
        created=now,
    )
    result = verify_data_integrity(
        credential=credential, resolve_did=resolve_local_did, fetch_status_list=_status_not_checked
    )
    for name in ("format", "signature", "issuer_key"):
        check = result.check(name)
        if check is None or not check.ok:
            raise vcjwt.JwtError(f"Self-verification of the wallet copy failed ({name})")
    token = ""
    if fmt == WalletCopy.Format.JWT_VC_JSON:
        token = vcjwt.sign_jwt(
            credential=credential, private_key=keys.rsa_private, kid=key_verification_method(keys.rsa)
        )
        vcjwt.verify_jwt(token=token, public_key=keys.rsa_private.public_key())
    return credential, token


def _issue_copy(offer: WalletOffer, *, holder_did: str, fmt: str, kind: str, now: datetime) -> WalletCopy:
    """Inside the caller's transaction, with the offer locked and checked open."""
    award = Award.objects.select_for_update().select_related("issuer", "badge_class").get(pk=offer.award_id)
    if award.status != AwardStatus.ISSUED:
        raise WalletError(
            _("This badge has been revoked; it can no longer be added to a wallet."),
            code="credential_request_denied",
            status=410,
        )
    try:
        credential, token = _sign_copy(award, holder_did=holder_did, fmt=fmt, now=now)
    except PERMANENT as exc:
        log.error("Could not sign a wallet copy of award %s: %s", award.public_id, exc)
        raise WalletError(
            _("The badge could not be signed just now. Please try again later."), code="server_error", status=503
        ) from exc
    # The row is locked, so this is the only redemption; the conditional UPDATE and the one-to-one copy stand behind it.
    if WalletOffer.objects.filter(pk=offer.pk, used_at__isnull=True).update(used_at=now, kind=kind) != 1:
        raise WalletError(_("This wallet offer has already been used."), status=410)
    offer.used_at, offer.kind = now, kind
    copy = WalletCopy.objects.create(
        award=award, offer=offer, holder_did=holder_did, format=fmt, credential=credential, credential_jwt=token
    )
    audit_record(actor=None, action="award.wallet_copy", target=award, issuer=award.issuer, format=fmt, kind=kind)
    return copy


def wallet_offer_redeem_presentation(
    *, token: str, presentation: Any, kind: str, now: datetime | None = None
) -> WalletCopy:
    """Redeem an offer with a wallet's DID-Auth presentation (VC-API exchange, or the LCW's credential request,
    whose presentation carries the challenge but no domain). Returns the holder-bound copy (ldp_vc)."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _check_open(_locked(token_hash=token_hash(token)), now)
        domain = offer.domain if kind == WalletOffer.Kind.VCAPI else None
        try:
            holder = verify_did_auth(presentation, challenge=offer.challenge, domain=domain)
        except (PresentationError, ValueError, TypeError) as exc:  # PresentationError says what was wrong
            raise WalletError(str(exc) or _("The presentation could not be read."), status=400) from exc
        return _issue_copy(offer, holder_did=holder, fmt=WalletCopy.Format.LDP_VC, kind=kind, now=now)


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    c_nonce: str
    expires_in: int


@sensitive_variables("pre_authorized_code", "tx_code", "access_token")
def wallet_token_issue(*, pre_authorized_code: str, tx_code: str | None, now: datetime | None = None) -> TokenGrant:
    """OID4VCI token endpoint, pre-authorized code grant: one access token per offer, ever.

    A wrong transaction code counts against the offer (WALLET_TX_CODE_ATTEMPTS), and that count is kept even though
    the request is refused.
    """
    now = now or timezone.now()
    refusal: WalletError | None = None
    with transaction.atomic():
        offer = _check_open(
            _locked(pre_authorized_code_hash=token_hash(pre_authorized_code or "")), now, code="invalid_grant"
        )
        if offer.access_token_hash:
            raise WalletError(_("This pre-authorized code has already been exchanged."), code="invalid_grant")
        if offer.failed_attempts >= settings.WALLET_TX_CODE_ATTEMPTS:
            raise WalletError(_("Too many wrong transaction codes: make a new offer."), code="invalid_grant")
        if offer.tx_code_hash and not (tx_code and hmac.compare_digest(token_hash(str(tx_code)), offer.tx_code_hash)):
            offer.failed_attempts += 1
            offer.save(update_fields=["failed_attempts"])
            refusal = WalletError(_("The transaction code is wrong or missing."), code="invalid_grant")
        else:
            access_token, c_nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(16)
            offer.access_token_hash, offer.c_nonce = token_hash(access_token), c_nonce
            offer.save(update_fields=["access_token_hash", "c_nonce"])
    if refusal is not None:
        raise refusal  # after the commit, so the failed attempt stays counted
    return TokenGrant(access_token, c_nonce, max(1, int((offer.expires_at - now).total_seconds())))


def wallet_nonce_new() -> str:
    """A fresh c_nonce for the OID4VCI 1.0 nonce endpoint: signed and dated, so nothing needs storing; the offer's
    own single use is what stops a replay of the proof."""
    return signing.TimestampSigner(salt=_NONCE_SALT).sign(secrets.token_urlsafe(16))


def _nonce_valid(nonce: Any) -> bool:
    try:
        signing.TimestampSigner(salt=_NONCE_SALT).unsign(str(nonce), max_age=NONCE_SECONDS)
    except signing.BadSignature:
        return False
    return True


@sensitive_variables("access_token")
def wallet_credential_issue(*, access_token: str, proof_jwt: str, fmt: str, now: datetime | None = None) -> WalletCopy:
    """OID4VCI credential endpoint: the bearer of the offer's access token proves possession of a key; the copy is
    bound to that key's DID. The nonce must be the one of the token response or a fresh one of the nonce endpoint."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = _locked(access_token_hash=token_hash(access_token)) if access_token else None
        if offer is None:
            raise WalletError(_("The access token is not valid."), code="invalid_token", status=401)
        _check_open(offer, now, code="invalid_token")
        issued = offer.c_nonce

        def nonce_ok(nonce: str) -> bool:
            # The token response's c_nonce (draft 13) or a fresh one of the nonce endpoint (1.0).
            same = bool(issued) and hmac.compare_digest(str(nonce).encode(), issued.encode())
            return same or _nonce_valid(nonce)

        try:
            holder = verify_key_proof(proof_jwt, audience=links.credential_issuer(), nonce=nonce_ok, now=now)
        except Oid4vciError as exc:
            raise WalletError(exc.description, code=exc.error, status=exc.status) from exc
        return _issue_copy(offer, holder_did=holder.did, fmt=fmt, kind=WalletOffer.Kind.OID4VCI, now=now)
