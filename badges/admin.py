"""Admin for badge classes and awards. Awards are never edited: they are revoked or retried through services."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from issuers.admin_scoping import IssuerScopedAdmin, NoSecretLookupsAdmin
from issuers.permissions import Capability

from .forms import BadgeClassForm
from .models import Alignment, Award, AwardStatus, BadgeClass, SystemAlert
from .notifications import award_notify_again
from .selectors import with_recipient_name
from .services import AwardError, award_retry, award_revoke


class AlignmentInline(admin.TabularInline):
    model = Alignment
    extra = 0
    fields = ("target_name", "target_url", "target_framework", "target_code")

    # Inlines follow the parent's permission, which IssuerScopedAdmin already scopes.
    def has_add_permission(self, request, obj=None):
        return obj is None or self.admin_site._registry[BadgeClass].has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return obj is None or self.admin_site._registry[BadgeClass].has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is None or self.admin_site._registry[BadgeClass].has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return self.admin_site._registry[BadgeClass].has_view_permission(request, obj)


@admin.register(BadgeClass)
class BadgeClassAdmin(IssuerScopedAdmin):
    form = BadgeClassForm
    edit_capability = Capability.EDIT
    list_display = ("name", "issuer", "achievement_type", "validity_days", "created_at")
    list_filter = ("achievement_type",)
    search_fields = ("name", "description", "issuer__name")
    inlines = [AlignmentInline]

    def get_readonly_fields(self, request, obj=None):
        # The public id exists once saved: an add form showing the model default showed an id the row never got.
        return () if obj is None else ("public_id_to_copy",)

    @admin.display(description=_("public ID"))
    def public_id_to_copy(self, obj) -> str:
        return format_html(
            '<code class="public-id">{}</code><div class="help">{}</div>',
            obj.public_id,
            _("The API names this badge by this id; its public page and artwork are under /badges/<id>."),
        )


@admin.register(Award)
class AwardAdmin(IssuerScopedAdmin):
    edit_capability = None  # awards change only through the actions below
    list_display = ("public_id", "badge_class", "learner", "recipient", "status", "issued_on", "expires_on")
    list_filter = ("status", "badge_class")
    # recipient_name is this institution's own name for the learner (annotated below), never another's.
    search_fields = ("public_id", "learner__email", "recipient_name", "badge_class__name")
    list_select_related = ("badge_class", "learner")
    autocomplete_fields = ()
    readonly_fields = (
        "public_id",
        "issuer",
        "badge_class",
        "learner",
        "recipient",
        "enrolment",
        "status",
        "issued_on",
        "expires_on",
        "evidence_url",
        "narrative",
        "failure_reason",
        "revocation_reason",
        "revoked_at",
        "public",
        "created_at",
    )
    fields = readonly_fields
    actions = ["revoke", "retry", "notify_again"]

    def get_queryset(self, request):
        return with_recipient_name(super().get_queryset(request))

    @admin.display(description=_("name"), ordering="recipient_name")
    def recipient(self, obj) -> str:
        return obj.recipient_name

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.user_can(request, Capability.AWARD):
            actions.pop("revoke", None)
            actions.pop("retry", None)
            actions.pop("notify_again", None)
        return actions

    @admin.action(description=_("Revoke selected badges…"))
    def revoke(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        reason = request.POST.get("reason", "").strip()
        if "apply" not in request.POST or not reason:
            if "apply" in request.POST:
                self.message_user(
                    request, _("Give a reason: it is shown to anyone who checks the badge."), messages.ERROR
                )
            return TemplateResponse(
                request,
                "admin/badges/revoke_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Revoke badges"),
                    "awards": queryset.select_related("learner", "badge_class"),
                    "opts": self.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        count = 0
        notify = request.POST.get("notify_learner") == "1"
        for award in queryset:
            award_revoke(actor=request.user, award=award, reason=reason, notify_learner=notify)
            count += 1
        self.message_user(request, _("%(count)d badge(s) revoked.") % {"count": count}, messages.SUCCESS)
        return None

    @admin.action(description=_("Retry issuing failed badges"))
    def retry(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        retried = 0
        for award in queryset.filter(status=AwardStatus.FAILED):
            try:
                award_retry(actor=request.user, award=award)
                retried += 1
            except AwardError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        self.message_user(request, _("%(count)d badge(s) queued again.") % {"count": retried}, messages.SUCCESS)

    @admin.action(description=_("Send the award e-mail again, with a new link"))
    def notify_again(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        sent = sum(award_notify_again(actor=request.user, award=award) for award in queryset)
        self.message_user(
            request,
            _("%(count)d e-mail(s) sent again; revoked or unissued badges were skipped.") % {"count": sent},
            messages.SUCCESS,
        )


@admin.register(SystemAlert)
class SystemAlertAdmin(NoSecretLookupsAdmin):
    """Platform alerts for operators (superusers)."""

    list_display = ("created_at", "kind", "message", "resolved")
    list_filter = ("kind", "resolved")
    readonly_fields = ("created_at", "kind", "message")
    fields = ("created_at", "kind", "message", "resolved")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False
