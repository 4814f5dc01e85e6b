"""Staff two-factor authenticators in the admin: who has which, and a way to remove a lost one — never the secret.

allauth's own admin shows the `data` column (the TOTP secret and the recovery codes' seed) in an editable form;
this one replaces it. The secrets are encrypted at rest too (issuers/mfa.py).
"""

from allauth.mfa.models import Authenticator
from django.contrib import admin

from .admin_scoping import NoSecretLookupsAdmin

if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(NoSecretLookupsAdmin):
    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__email",)
    fields = ("user", "type", "created_at", "last_used_at")  # not `data`
    readonly_fields = fields

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False  # set up by the person, with their own app, on the two-factor pages

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # An operator removes a lost phone's authenticator; the person then sets up a new one at next sign-in.
        return request.user.is_active and request.user.is_superuser
