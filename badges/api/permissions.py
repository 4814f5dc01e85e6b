"""Permissions of the badges API. Verification is public: anyone may check a badge without an account; changing
one (renewal) needs its institution's API key or staff role."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from issuers.models import ApiKey, ApiKeyScope
from issuers.permissions import Capability
from issuers.selectors import user_can


class VerificationIsPublic(BasePermission):
    """Anyone may verify (throttled by badges.api.throttling); there is no object-level restriction."""

    def has_permission(self, request, view) -> bool:
        return True


def api_key_of(request) -> ApiKey | None:
    """The institution API key the request was authenticated with, if any (courses.api.authentication)."""
    return request.auth if isinstance(getattr(request, "auth", None), ApiKey) else None


class CanAwardThisAward(BasePermission):
    """Changing an award (renewing it): an API key of its institution with the 'complete' scope, or staff whose role
    at its institution allows awarding (issuers.permissions.Capability.AWARD), like the admin's award actions.

    The object may be anything with an ``issuer_id`` (the completions API reuses this for courses)."""

    message = "Your role at this badge's institution does not allow changing its badges."
    #: What a 'read' key is refused, in the refusal message.
    read_key_refusal = "it cannot change badges"
    #: Whether a 'read' key may call the safe methods (GET, HEAD, OPTIONS) of the view.
    read_key_may_read = False

    def has_permission(self, request, view) -> bool:
        key = api_key_of(request)
        if key is not None:
            if key.scope == ApiKeyScope.COMPLETE or (self.read_key_may_read and request.method in SAFE_METHODS):
                return True
            self.message = (
                f"This API key's scope is 'read': {self.read_key_refusal}. "
                "An owner of the institution can create a key with the 'Record completions' scope."
            )
            return False
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)

    def has_object_permission(self, request, view, obj) -> bool:
        key = api_key_of(request)
        if key is not None:
            return obj.issuer_id == key.issuer_id
        return user_can(user=request.user, issuer_id=obj.issuer_id, capability=Capability.AWARD)
