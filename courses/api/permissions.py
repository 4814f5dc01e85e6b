"""Who may call the completions API: an API key of the course's institution whose scope allows it, or issuer
staff (admin session) whose role allows awarding, per course (like the admin)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from issuers.models import ApiKey, ApiKeyScope
from issuers.permissions import Capability
from issuers.selectors import user_can


def api_key_of(request) -> ApiKey | None:
    """The API key the request was authenticated with, if any."""
    return request.auth if isinstance(getattr(request, "auth", None), ApiKey) else None


class CanAwardForCourse(BasePermission):
    message = "Your role at this course's institution does not allow awarding badges."

    def has_permission(self, request, view) -> bool:
        key = api_key_of(request)
        if key is not None:
            if request.method in SAFE_METHODS or key.scope == ApiKeyScope.COMPLETE:
                return True
            self.message = (
                "This API key's scope is 'read': it cannot record completions. "
                "An owner of the institution can create a key with the 'Record completions' scope."
            )
            return False
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)

    def has_object_permission(self, request, view, obj) -> bool:
        key = api_key_of(request)
        if key is not None:
            return obj.issuer_id == key.issuer_id
        return user_can(user=request.user, issuer_id=obj.issuer_id, capability=Capability.AWARD)
