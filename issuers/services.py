"""Writes about institutions: creating them with their keys, invitations, membership and roles, key rotation,
audit."""

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from badges.openbadges.ob3 import domain_linkage

from .invitations import InvitationState, invitation_max_age, invitation_state, invitation_token
from .keys import encrypt_private_key, generate_private_key, public_pem, reencrypt
from .models import AuditEvent, Invitation, Issuer, IssuerMembership, KeyAlgorithm, KeyState, Role, SigningKey
from .public_cache import invalidate_issuer_on_commit
from .public_urls import issuer_did, key_verification_method
from .selectors import signing_key_active, signing_key_private
from .signals import signing_key_revoked


def audit_record(*, actor, action: str, target, issuer: Issuer | None = None, **details) -> AuditEvent:
    """Record an event. Call inside the transaction of the change it describes."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        issuer=issuer,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(getattr(target, "public_id", None) or target.pk),
        details=details,
    )


def audit_record_many(*, actor, action: str, issuer: Issuer, targets: list, details=None) -> None:
    """Record one event per target in a single INSERT (bulk completions)."""
    actor = actor if actor is not None and actor.is_authenticated else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            issuer=issuer,
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(getattr(target, "public_id", None) or target.pk),
            details=details(target) if details else {},
        )
        for target in targets
    )


def _signing_key_create(*, issuer: Issuer, algorithm: str) -> SigningKey:
    private_key = generate_private_key(algorithm)
    return SigningKey.objects.create(
        issuer=issuer,
        algorithm=algorithm,
        public_key_pem=public_pem(private_key),
        private_key_encrypted=encrypt_private_key(private_key),
    )


@transaction.atomic
def issuer_create(*, actor, name: str, slug: str, url: str, email: str, description: str = "", **extra) -> Issuer:
    """Create an institution with one active key per algorithm; the creator (if staff) becomes its owner."""
    issuer = Issuer.objects.create(name=name, slug=slug, url=url, email=email, description=description, **extra)
    issuer_keys_ensure(issuer=issuer)
    if actor is not None and actor.is_authenticated and not actor.is_superuser:
        IssuerMembership.objects.create(issuer=issuer, user=actor, role=Role.OWNER)
    audit_record(actor=actor, action="issuer.create", target=issuer, issuer=issuer)
    return issuer


def issuer_keys_ensure(*, issuer: Issuer) -> None:
    """Give the issuer an active key of each algorithm it lacks (idempotent)."""
    for algorithm in KeyAlgorithm.values:
        if not SigningKey.objects.filter(issuer=issuer, algorithm=algorithm, state=KeyState.ACTIVE).exists():
            key = _signing_key_create(issuer=issuer, algorithm=algorithm)
            audit_record(actor=None, action="key.create", target=key, issuer=issuer, algorithm=algorithm)


@transaction.atomic
def signing_key_rotate(*, actor, issuer: Issuer, algorithm: str) -> SigningKey:
    """Retire the active key (it stays published, so earlier badges verify) and make a new one sign."""
    now = timezone.now()
    old = (
        SigningKey.objects.select_for_update().filter(issuer=issuer, algorithm=algorithm, state=KeyState.ACTIVE).first()
    )
    if old is not None:
        old.state, old.retired_at = KeyState.RETIRED, now
        old.save(update_fields=["state", "retired_at"])
    new = _signing_key_create(issuer=issuer, algorithm=algorithm)
    invalidate_issuer_on_commit(issuer.public_id)
    audit_record(
        actor=actor,
        action="key.rotate",
        target=new,
        issuer=issuer,
        algorithm=algorithm,
        retired=old.public_id if old else None,
    )
    return new


@transaction.atomic
def signing_key_revoke(*, actor, key: SigningKey, reason: str) -> SigningKey:
    """Withdraw a compromised key from publication. Badges it signed stop verifying; a new key is made."""
    key = SigningKey.objects.select_for_update().get(pk=key.pk)
    if key.state == KeyState.REVOKED:
        return key
    was_active = key.state == KeyState.ACTIVE
    key.state, key.revoked_at = KeyState.REVOKED, timezone.now()
    key.save(update_fields=["state", "revoked_at"])
    audit_record(actor=actor, action="key.revoke", target=key, issuer=key.issuer, reason=reason)
    invalidate_issuer_on_commit(key.issuer.public_id)
    if was_active:
        # The replacement must exist before the signal: receivers re-sign (status lists) with the active key.
        replacement = _signing_key_create(issuer=key.issuer, algorithm=key.algorithm)
        audit_record(actor=actor, action="key.create", target=replacement, issuer=key.issuer)
    signing_key_revoked.send(sender=SigningKey, key=key)
    return key


def key_encryption_key_rotate() -> int:
    """Re-encrypt every private key, and every staff two-factor secret (issuers/mfa.py), under the first
    KEY_ENCRYPTION_KEYS entry. Returns how many signing keys."""
    from allauth.mfa.models import Authenticator

    from .mfa import authenticator_data_reencrypt

    count = 0
    with transaction.atomic():
        for key in SigningKey.objects.select_for_update().only("id", "private_key_encrypted"):
            key.private_key_encrypted = reencrypt(key.private_key_encrypted)
            key.save(update_fields=["private_key_encrypted"])
            count += 1
        for authenticator in Authenticator.objects.select_for_update().only("id", "data"):
            authenticator.data = authenticator_data_reencrypt(authenticator.data)
            authenticator.save(update_fields=["data"])
    return count


@transaction.atomic
def membership_remove(*, actor, membership: IssuerMembership) -> None:
    """Take a member's role away; an account left with no institution loses the admin too (unless superuser)."""
    audit_record(
        actor=actor,
        action="membership.remove",
        target=membership,
        issuer=membership.issuer,
        user=membership.user.get_username(),
        role=membership.role,
    )
    membership.delete()
    user = membership.user
    if user.is_staff and not user.is_superuser and not IssuerMembership.objects.filter(user=user).exists():
        user.is_staff = False
        user.save(update_fields=["is_staff"])


@transaction.atomic
def membership_role_set(*, actor, membership: IssuerMembership, role: str) -> IssuerMembership:
    """Change an existing member's role. Adding a member is only by invitation (invitation_create)."""
    membership = IssuerMembership.objects.select_for_update().get(pk=membership.pk)
    previous = membership.role
    if previous != role:
        membership.role = role
        membership.save(update_fields=["role"])
    audit_record(
        actor=actor, action="membership.set", target=membership, issuer=membership.issuer, role=role, previous=previous
    )
    return membership


# -- invitations ----------------------------------------------------------------------------------------------------
# A role attaches only to an account that proved the address: one whose address is verified, or one created from the
# e-mailed link (holding the link proves the address). Decision 0009.


class InvitationError(Exception):
    """An invitation cannot be created, sent or accepted; the message says why and what to do."""


def _verified_owner(email: str):
    """The account that holds `email` verified, if any (allauth keeps verified addresses unique)."""
    address = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
    return address.user if address else None


def invitation_problem(*, issuer: Issuer, email: str) -> str | None:
    """Why `email` cannot be invited to `issuer` now, or None. Forms show it; invitation_create enforces it."""
    email = email.strip()
    holder = _verified_owner(email)
    if holder is not None and IssuerMembership.objects.filter(issuer=issuer, user=holder).exists():
        return _("This person is already a member; change their role in the list of members.")
    pending = Invitation.objects.filter(issuer=issuer, email__iexact=email, accepted_at=None, cancelled_at=None)
    if pending.filter(expires_at__gt=timezone.now()).exists():
        return _("An invitation to this address is already waiting; resend it from the list of invitations.")
    return None


def _invitation_send_on_commit(invitation: Invitation) -> None:
    invitation_id = invitation.pk
    # robust: the invitation is saved either way; a mail failure is logged and the owner can resend it.
    transaction.on_commit(lambda: invitation_send(invitation_id=invitation_id), robust=True)


def invitation_send(*, invitation_id: int) -> bool:
    """E-mail the link of a pending invitation. Returns whether a message went out."""
    invitation = Invitation.objects.select_related("issuer", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation_state(invitation) != InvitationState.PENDING:
        return False
    link = settings.PUBLIC_BASE_URL + reverse("invitation-accept", args=[invitation_token(invitation)])
    context = {"invitation": invitation, "issuer": invitation.issuer, "link": link}
    subject = render_to_string("issuers/email/invitation_subject.txt", context).strip()
    body = render_to_string("issuers/email/invitation.txt", context)
    send_mail(" ".join(subject.split()), body, None, [invitation.email])
    return True


@transaction.atomic
def invitation_create(*, actor, issuer: Issuer, email: str, role: str, notify: bool = True) -> Invitation:
    """Offer `role` at `issuer` to whoever proves `email`; the link is e-mailed once the transaction commits."""
    email = email.strip()
    problem = invitation_problem(issuer=issuer, email=email)
    if problem:
        raise InvitationError(problem)
    invitation = Invitation.objects.create(
        issuer=issuer,
        email=email,
        role=Role(role),
        invited_by=actor if actor is not None and actor.is_authenticated else None,
        expires_at=timezone.now() + invitation_max_age(),
    )
    audit_record(actor=actor, action="invitation.create", target=invitation, issuer=issuer, email=email, role=role)
    if notify:
        _invitation_send_on_commit(invitation)
    return invitation


def _locked(invitation: Invitation) -> Invitation:
    return Invitation.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=invitation.pk)


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation) -> Invitation:
    """Send the link again with a fresh expiry. A used or cancelled invitation is not revived."""
    invitation = _locked(invitation)
    if invitation_state(invitation) not in (InvitationState.PENDING, InvitationState.EXPIRED):
        raise InvitationError(_("Only a waiting or expired invitation can be sent again."))
    invitation.expires_at = timezone.now() + invitation_max_age()
    invitation.save(update_fields=["expires_at"])
    audit_record(actor=actor, action="invitation.resend", target=invitation, issuer=invitation.issuer)
    _invitation_send_on_commit(invitation)
    return invitation


@transaction.atomic
def invitation_cancel(*, actor, invitation: Invitation) -> Invitation:
    """Withdraw an invitation: its links stop working. Cancelling a used or cancelled one changes nothing."""
    invitation = _locked(invitation)
    if invitation_state(invitation) in (InvitationState.PENDING, InvitationState.EXPIRED):
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        audit_record(actor=actor, action="invitation.cancel", target=invitation, issuer=invitation.issuer)
    return invitation


def _accept(invitation: Invitation, user) -> IssuerMembership:
    membership, created = IssuerMembership.objects.get_or_create(
        issuer=invitation.issuer, user=user, defaults={"role": invitation.role}
    )
    previous = None if created else membership.role
    if not created and membership.role != invitation.role:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=user,
        action="invitation.accept",
        target=invitation,
        issuer=invitation.issuer,
        role=invitation.role,
        previous=previous,
    )
    audit_record(actor=user, action="membership.set", target=membership, issuer=invitation.issuer, role=membership.role)
    return membership


def _require_pending(invitation: Invitation) -> None:
    if invitation_state(invitation) != InvitationState.PENDING:
        raise InvitationError(_("This invitation can no longer be used; ask the institution for a new one."))


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> IssuerMembership:
    """`user` takes the offered role. Only if the invited address is one of the account's verified addresses."""
    invitation = _locked(invitation)
    _require_pending(invitation)
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise InvitationError(
            _("Verify the address %(email)s on your account first, then open the link again.")
            % {"email": invitation.email}
        )
    return _accept(invitation, user)


def _free_username(email: str) -> str:
    User = get_user_model()
    username = email[:150]
    while User.objects.filter(username__iexact=username).exists():
        username = f"{email[:130]}-{secrets.token_hex(4)}"
    return username


@transaction.atomic
def invitation_accept_with_new_account(*, invitation: Invitation, password: str):
    """Create the invited person's account from the e-mailed link: the link proves the address, so it is verified.

    Refused when an account already holds the address verified (that account signs in and accepts). Other accounts'
    unverified claims on the address are dropped: whoever registered it without proving it keeps nothing of it.
    """
    invitation = _locked(invitation)
    _require_pending(invitation)
    if _verified_owner(invitation.email) is not None:
        raise InvitationError(_("An account already uses this address: sign in to it, then open the link again."))
    EmailAddress.objects.filter(email__iexact=invitation.email, verified=False).delete()
    email = invitation.email
    user = get_user_model().objects.create_user(username=_free_username(email), email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    audit_record(actor=user, action="account.create", target=user, issuer=invitation.issuer, via="invitation")
    _accept(invitation, user)
    return user


@transaction.atomic
def staff_email_verify(*, user, email: str) -> None:
    """Mark `email` a verified primary address of `user`, for operators' tools (seed_demo), never for a request."""
    EmailAddress.objects.filter(email__iexact=email, verified=False).exclude(user=user).delete()
    address, _created = EmailAddress.objects.get_or_create(user=user, email__iexact=email, defaults={"email": email})
    EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk).update(primary=False)
    address.primary = address.verified = True
    address.save(update_fields=["primary", "verified"])


#: How long a generated DID configuration is valid; the owner downloads a fresh one before then (decision 0022).
DID_CONFIGURATION_VALIDITY = timedelta(days=365)


class DidConfigurationError(ValueError):
    """The institution's DID configuration cannot be made (its website address is unusable); says why."""


def issuer_website_origin(*, issuer: Issuer) -> str:
    """The https origin of the institution's website (Issuer.url), where its DID configuration is published."""
    parts = urlsplit(issuer.url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DidConfigurationError(_("The institution's website address is not an http(s) address."))
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        return domain_linkage.normalize_origin(f"https://{host}" + (f":{parts.port}" if parts.port else ""))
    except (domain_linkage.DomainLinkageError, ValueError):
        raise DidConfigurationError(_("The institution's website address is not an http(s) address.")) from None


@sensitive_variables("private_key")
@transaction.atomic
def issuer_did_configuration_create(*, actor, issuer: Issuer) -> dict:
    """The DID Configuration resource linking the institution's website to its DID, signed now (EdDSA) with its
    active Ed25519 key, valid DID_CONFIGURATION_VALIDITY. The private key stays inside this function."""
    origin = issuer_website_origin(issuer=issuer)
    key = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.ED25519)
    private_key = signing_key_private(key=key)
    issued = timezone.now().replace(microsecond=0)
    expires = issued + DID_CONFIGURATION_VALIDITY
    token = domain_linkage.sign_domain_linkage_jwt(
        did=issuer_did(issuer),
        origin=origin,
        private_key=private_key,
        kid=key_verification_method(key),
        issued=issued,
        expires=expires,
    )
    del private_key
    audit_record(
        actor=actor,
        action="issuer.did_configuration",
        target=issuer,
        issuer=issuer,
        origin=origin,
        key=key.public_id,
        expires=expires.isoformat(),
    )
    return domain_linkage.did_configuration(linked_dids=[token])
