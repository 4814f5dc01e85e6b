"""Admin for institutions, their members, their (public) keys and the audit trail. Thin: writes go to services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .admin_scoping import IssuerScopedAdmin
from .models import AuditEvent, Issuer, IssuerMembership, KeyAlgorithm, SigningKey
from .permissions import Capability
from .services import issuer_create, membership_remove, membership_set, signing_key_revoke, signing_key_rotate


class PublicKeyInline(admin.TabularInline):
    """Shows only the public half and state of each key; the encrypted private key is never a field here."""

    model = SigningKey
    fields = ("public_id", "algorithm", "state", "created_at", "retired_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Issuer)
class IssuerAdmin(IssuerScopedAdmin):
    issuer_path = ""
    edit_capability = Capability.MANAGE
    list_display = ("name", "slug", "url", "email")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("public_id", "created_at")
    fields = ("name", "slug", "url", "email", "description", "image", "awards_public_by_default", "public_id")
    inlines = [PublicKeyInline]
    actions = ["rotate_keys"]

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser  # institutions are created by the platform's operators

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # badges stay verifiable only while their issuer exists

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {f: form.cleaned_data[f] for f in ("name", "slug", "url", "email", "description")}
        created = issuer_create(
            actor=request.user,
            **data,
            image=form.cleaned_data.get("image") or "",
            awards_public_by_default=form.cleaned_data["awards_public_by_default"],
        )
        obj.pk, obj.public_id = created.pk, created.public_id

    @admin.action(description=_("Rotate signing keys (old keys stay published)"))
    def rotate_keys(self, request, queryset):
        self.require(request, Capability.MANAGE, queryset)
        for issuer in queryset:
            for algorithm in KeyAlgorithm.values:
                signing_key_rotate(actor=request.user, issuer=issuer, algorithm=algorithm)
        self.message_user(request, _("New keys sign from now on; earlier badges still verify."), messages.SUCCESS)


class MembershipForm(forms.ModelForm):
    email = forms.EmailField(label=_("E-mail of the person"), required=False)

    class Meta:
        model = IssuerMembership
        fields = ("issuer", "role")

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not data.get("email"):
            self.add_error("email", _("Give the e-mail address of the person to add."))
        return data


@admin.register(IssuerMembership)
class IssuerMembershipAdmin(IssuerScopedAdmin):
    edit_capability = Capability.MANAGE
    form = MembershipForm
    list_display = ("user", "issuer", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__username", "issuer__name")

    def get_fields(self, request, obj=None):
        return ("issuer", "role") if obj else ("issuer", "email", "role")

    def get_readonly_fields(self, request, obj=None):
        return ("issuer",) if obj else ()

    def save_model(self, request, obj, form, change) -> None:
        if not self.user_can(request, Capability.MANAGE, obj):
            raise PermissionDenied
        email = obj.user.email if change else form.cleaned_data["email"]
        saved = membership_set(actor=request.user, issuer=obj.issuer, email=email, role=obj.role)
        obj.pk, obj.user = saved.pk, saved.user

    def delete_model(self, request, obj) -> None:
        membership_remove(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            for membership in queryset:
                membership_remove(actor=request.user, membership=membership)


@admin.register(SigningKey)
class SigningKeyAdmin(IssuerScopedAdmin):
    """Public facts about keys. There is no field, column or export that reads the private key."""

    edit_capability = None
    fields = ("issuer", "public_id", "algorithm", "state", "public_key_pem", "created_at", "retired_at")
    readonly_fields = fields
    list_display = ("public_id", "issuer", "algorithm", "state", "created_at")
    list_filter = ("algorithm", "state")
    actions = ["revoke_compromised"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.user_can(request, Capability.MANAGE):
            actions.pop("revoke_compromised", None)
        return actions

    @admin.action(description=_("Revoke as compromised (its badges will stop verifying)"))
    def revoke_compromised(self, request, queryset):
        self.require(request, Capability.MANAGE, queryset)
        for key in queryset:
            signing_key_revoke(actor=request.user, key=key, reason="compromised (admin action)")
        self.message_user(request, _("Keys revoked; new keys were created where needed."), messages.WARNING)


@admin.register(AuditEvent)
class AuditEventAdmin(IssuerScopedAdmin):
    edit_capability = None
    list_display = ("created_at", "actor", "issuer", "action", "target_type", "target_id")
    list_filter = ("action",)
    search_fields = ("target_id", "action")
    readonly_fields = ("created_at", "actor", "issuer", "action", "target_type", "target_id", "details")
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "issuer")


from . import admin_api_keys  # noqa: E402, F401  (registers the API keys admin; see that module)
