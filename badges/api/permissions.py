"""Permissions of the badges API. Verification is public: anyone may check a badge without an account."""

from __future__ import annotations

from rest_framework.permissions import BasePermission


class VerificationIsPublic(BasePermission):
    """Anyone may verify (throttled by badges.api.throttling); there is no object-level restriction."""

    def has_permission(self, request, view) -> bool:
        return True
