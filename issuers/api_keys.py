"""Institution API keys: create (the secret is returned once), revoke, and authenticate a presented secret.

A secret is ``lk_<12 hex>.<43 url-safe chars>`` (256 random bits after the dot). The part before the dot is the
row's ``prefix`` — shown in the admin, used to find the row; only the SHA-256 digest of the whole secret is stored,
and it is compared in constant time. Why a plain digest and not a slow password hash: the secret is random, not
chosen by a person, so there is nothing to guess (docs/decisions/0011-institution-api-keys.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .models import ApiKey, ApiKeyScope, Issuer
from .permissions import Capability
from .selectors import user_can
from .services import audit_record

PREFIX_TAG = "lk_"
SECRET_PATTERN = re.compile(r"^(lk_[0-9a-f]{12})\.[A-Za-z0-9_-]{43}$")
# last_used_at is a hint for owners ("is this key still in use?"), not an audit trail: write it at most once per
# interval so a busy integration does not turn every API call into an UPDATE of the same row.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Compared against when the prefix is unknown, so a miss costs the same digest and comparison as a hit.
_DUMMY_DIGEST = hashlib.sha256(b"laurel: no such key").hexdigest()


class ApiKeyRefused(Exception):
    """A presented key that does not authenticate; the message says why, without revealing other institutions'."""


@dataclass(frozen=True)
class CreatedApiKey:
    """The new key and its secret. The secret exists only here: show it once, never store or log it."""

    key: ApiKey
    secret: str = field(repr=False)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name that says what uses it.")})
    if any(c in name for c in "\r\n\x00") or not name.isprintable():
        raise ValidationError({"name": _("The name must be one line of printable text.")})
    return name


@sensitive_variables("secret")
@transaction.atomic
def api_key_create(
    *, actor, issuer: Issuer, name: str, scope: str, expires_at: datetime | None = None
) -> CreatedApiKey:
    """Create a key for `issuer` (its owners only). Returns the secret once; only its digest is kept."""
    if actor is None or not user_can(user=actor, issuer_id=issuer.pk, capability=Capability.MANAGE):
        raise PermissionDenied(_("Only the institution's owners can create API keys."))
    name = _clean_name(name)
    if scope not in ApiKeyScope.values:
        raise ValidationError({"scope": _("Choose what the key may do.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    while True:
        prefix = PREFIX_TAG + secrets.token_hex(6)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            break
    secret = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        issuer=issuer,
        name=name,
        prefix=prefix,
        secret_hash=_digest(secret),
        scope=scope,
        expires_at=expires_at,
        created_by=actor if actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action="api_key.create",
        target=key,
        issuer=issuer,
        name=name,
        prefix=prefix,
        scope=scope,
        expires_at=expires_at.isoformat() if expires_at else None,
    )
    return CreatedApiKey(key=key, secret=secret)


@transaction.atomic
def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
    """Revoke a key now (its institution's owners only). Idempotent; the row stays, for the audit trail."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if actor is None or not user_can(user=actor, issuer_id=key.issuer_id, capability=Capability.MANAGE):
        raise PermissionDenied(_("Only the institution's owners can revoke its API keys."))
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="api_key.revoke", target=key, issuer=key.issuer, prefix=key.prefix)
    return key


@sensitive_variables("secret")
def api_key_authenticate(*, secret: str) -> ApiKey:
    """The live key whose secret this is, with its issuer; raises ApiKeyRefused (with the reason) otherwise."""
    match = SECRET_PATTERN.match(secret) if isinstance(secret, str) and len(secret) < 100 else None
    if match is None:
        raise ApiKeyRefused(_("This is not an API key of this platform."))
    key = ApiKey.objects.select_related("issuer").filter(prefix=match.group(1)).first()
    stored = key.secret_hash if key is not None else _DUMMY_DIGEST
    if not hmac.compare_digest(stored, _digest(secret)) or key is None:
        raise ApiKeyRefused(_("This API key is not valid."))
    now = timezone.now()
    if key.revoked_at is not None:
        raise ApiKeyRefused(_("This API key was revoked. Ask an owner of the institution for a new one."))
    if key.expires_at is not None and key.expires_at <= now:
        raise ApiKeyRefused(_("This API key has expired. Ask an owner of the institution for a new one."))
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        key.last_used_at = now
    return key
