"""Who may call the completions API: issuer staff whose role allows awarding, per course (like the admin)."""

from rest_framework.permissions import BasePermission

from issuers.permissions import Capability
from issuers.selectors import user_can


class CanAwardForCourse(BasePermission):
    message = "Your role at this course's institution does not allow awarding badges."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)

    def has_object_permission(self, request, view, obj) -> bool:
        return user_can(user=request.user, issuer_id=obj.issuer_id, capability=Capability.AWARD)
