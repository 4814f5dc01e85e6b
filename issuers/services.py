"""Writes about institutions: creating them with their keys, membership and roles, key rotation, audit."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .keys import encrypt_private_key, generate_private_key, public_pem, reencrypt
from .models import AuditEvent, Issuer, IssuerMembership, KeyAlgorithm, KeyState, Role, SigningKey
from .public_cache import invalidate_issuer_on_commit
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
    """Re-encrypt every private key under the first KEY_ENCRYPTION_KEYS entry. Returns how many."""
    count = 0
    with transaction.atomic():
        for key in SigningKey.objects.select_for_update().only("id", "private_key_encrypted"):
            key.private_key_encrypted = reencrypt(key.private_key_encrypted)
            key.save(update_fields=["private_key_encrypted"])
            count += 1
    return count


@transaction.atomic
def membership_set(*, actor, issuer: Issuer, email: str, role: str) -> IssuerMembership:
    """Give the user with this e-mail a role at the issuer, creating a staff account without a password if needed.

    A new account gets no usable password: the person sets one through the password-reset e-mail.
    """
    email = email.strip().lower()
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(username=email, email=email, password=None)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    membership, created = IssuerMembership.objects.get_or_create(issuer=issuer, user=user, defaults={"role": role})
    previous = None if created else membership.role
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    audit_record(actor=actor, action="membership.set", target=membership, issuer=issuer, role=role, previous=previous)
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: IssuerMembership) -> None:
    audit_record(
        actor=actor,
        action="membership.remove",
        target=membership,
        issuer=membership.issuer,
        user=membership.user.get_username(),
        role=membership.role,
    )
    membership.delete()
