"""Admin for badge classes and awards. Awards are never edited: they are revoked or retried through services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.validators import URLValidator
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from issuers.admin_scoping import IssuerScopedAdmin, NoSecretLookupsAdmin
from issuers.permissions import Capability

from .admin_dashboard import AwardConsoleMixin, EmailStateFilter
from .bulk_revoke import (
    MAX_BYTES,
    MAX_ROWS,
    BulkRevokeError,
    bulk_revoke_apply,
    bulk_revoke_plan,
    bulk_revoke_token,
)
from .forms import BadgeClassForm, artwork_url
from .models import Alignment, Award, AwardStatus, BadgeClass, SystemAlert
from .notifications import award_notify_again
from .selectors import with_recipient_name
from .services import (
    AwardError,
    award_correct,
    award_correction_effects,
    award_reissue,
    award_renew,
    award_retry,
    award_revoke,
)


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
            '<code class="public-id">{}</code><span class="public-id-hint">{}</span>',
            obj.public_id,
            _("The API names this badge by this id; its public page and artwork are under /badges/<id>."),
        )

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only, Django would link the stored file under MEDIA_URL, which nothing serves.
            fields = ["artwork" if name == "image" else name for name in fields]
        return fields

    @admin.display(description=_("artwork (PNG or SVG)"))
    def artwork(self, obj) -> str:
        if not obj.image:
            return "—"
        url = artwork_url(obj)
        return format_html(
            '<div class="artwork-input"><img class="artwork-preview" src="{}" alt="{}" data-artwork-saved>'
            '<a href="{}">{}</a></div>',
            url,
            _("Artwork"),
            url,
            obj.image.name.rsplit("/", 1)[-1],
        )

    class Media:
        css = {"all": ["css/admin-artwork.css", "css/admin-forms.css"]}


@admin.register(Award)
class AwardAdmin(AwardConsoleMixin, IssuerScopedAdmin):
    edit_capability = None  # awards change only through the actions below
    # The status second, so it is in view without scrolling at 1280 px; expiry, e-mail and counts are on the award
    # page and in the CSV export (badges/admin_dashboard.py).
    list_display = ("recipient", "status", "badge_class", "learner", "issued_on")
    list_filter = ("status", EmailStateFilter, "badge_class")
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
        "supersedes_link",
        "superseded_by_link",
        "wallet_copies",
    )
    fields = readonly_fields
    # Corrections (issue 13): an award is a public record, so it is corrected by re-issuing, keeping the history.
    actions = ["revoke", "retry", "notify_again", "reissue", "renew", "correct"]
    AWARD_ACTIONS = ("revoke", "retry", "notify_again", "reissue", "renew", "correct")

    def get_queryset(self, request):
        return with_recipient_name(super().get_queryset(request))

    @admin.display(description=_("name"), ordering="recipient_name")
    def recipient(self, obj) -> str:
        return obj.recipient_name

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.user_can(request, Capability.AWARD):
            for name in self.AWARD_ACTIONS:
                actions.pop(name, None)
        return actions

    # -- the chain of corrections ----------------------------------------------------------------------------
    def _award_link(self, award: Award) -> str:
        url = reverse("admin:badges_award_change", args=[award.pk])
        return format_html('<a href="{}">{}</a> ({})', url, award.public_id, award.get_status_display())

    @admin.display(description=_("supersedes"))
    def supersedes_link(self, obj) -> str:
        return self._award_link(obj.supersedes) if obj.supersedes_id else "—"

    @admin.display(description=_("superseded by"))
    def superseded_by_link(self, obj) -> str:
        later = list(obj.superseded_by.all())
        return format_html_join(", ", "{}", ((self._award_link(a),) for a in later)) if later else "—"

    @admin.display(description=_("wallet copies"))
    def wallet_copies(self, obj) -> str:
        # Each copy a wallet took (badges/wallets): format, holder DID, date. They share the award's status bit.
        copies = obj.wallet_copies.order_by("issued_at").values_list("format", "holder_did", "issued_at")
        rows = ((fmt, did if len(did) <= 60 else f"{did[:57]}…", f"{at:%Y-%m-%d %H:%M}") for fmt, did, at in copies)
        return format_html_join(mark_safe("<br>"), "{} · {} · {}", rows) or "—"

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
        issued = queryset.filter(status=AwardStatus.ISSUED)
        # The e-mail is never sent for an expired badge (badges.notifications): say so rather than "will retry".
        expired = issued.filter(expires_on__lte=timezone.now()).count()
        eligible = list(issued.exclude(expires_on__lte=timezone.now()))
        skipped = queryset.count() - len(eligible) - expired
        sent = unsent = 0
        for award in eligible:
            try:
                if award_notify_again(actor=request.user, award=award):
                    sent += 1
                else:
                    unsent += 1
            except Exception:  # noqa: BLE001 — a mail-server outage: the sweep sends what is left unsent
                unsent += 1
        self.message_user(
            request,
            _("%(count)d e-mail(s) sent again, each with a new link.") % {"count": sent},
            messages.SUCCESS if sent else messages.WARNING,
        )
        if unsent:
            self.message_user(
                request,
                _(
                    "%(count)d e-mail(s) could not be sent now (see each badge's e-mail failure); "
                    "the mail server is tried again automatically."
                )
                % {"count": unsent},
                messages.WARNING,
            )
        if expired:
            self.message_user(
                request,
                _("%(count)d expired badge(s) skipped: renew them, and the learner is e-mailed the renewed badge.")
                % {"count": expired},
                messages.WARNING,
            )
        if skipped:
            self.message_user(
                request,
                _("%(count)d badge(s) skipped: only issued badges that are not revoked are e-mailed.")
                % {"count": skipped},
                messages.WARNING,
            )

    def _each(self, request, queryset, service, done_message: str) -> None:
        """Call `service` on each selected award; say how many it changed and, per award, why not."""
        done = 0
        for award in queryset:
            try:
                service(actor=request.user, award=award)
                done += 1
            except AwardError as exc:
                self.message_user(request, f"{award.public_id}: {exc}", messages.ERROR)
        self.message_user(request, done_message % {"count": done}, messages.SUCCESS if done else messages.WARNING)

    @admin.action(description=_("Re-issue a revoked badge: a new badge, the revoked one stays in the history"))
    def reissue(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        self._each(request, queryset, award_reissue, gettext("%(count)d badge(s) re-issued; they are being signed."))

    @admin.action(description=_("Renew: a new validity period from today"))
    def renew(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        self._each(request, queryset, award_renew, gettext("%(count)d badge(s) renewed; they are being signed again."))

    @admin.action(description=_("Correct the name or evidence of a badge…"))
    def correct(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one badge to correct."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:badges_award_correct", args=[queryset.get().pk]))

    # -- pages of their own ----------------------------------------------------------------------------------
    def get_urls(self):
        return [
            path(
                "bulk-revoke/",
                self.admin_site.admin_view(self.bulk_revoke_view),
                name="badges_award_bulk_revoke",
            ),
            path(
                "<path:object_id>/correct/",
                self.admin_site.admin_view(self.correct_view),
                name="badges_award_correct",
            ),
            *super().get_urls(),
        ]

    def correct_view(self, request, object_id):
        """Correct the institution's name for the learner, the evidence or the narrative, after a review step that
        says what will happen (the name changes on our pages, or the badge is re-issued)."""
        award = self.get_object(request, unquote(object_id))  # scoped: another institution's award is absent
        if award is None:
            raise Http404("No such award.")
        if not self.user_can(request, Capability.AWARD, award):
            raise PermissionDenied
        current = {"name": award.recipient_name, "evidence_url": award.evidence_url, "narrative": award.narrative}
        form = CorrectionForm(request.POST if request.method == "POST" else None, initial=current)
        effects, reviewing = None, False
        if request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            kwargs = {"name": values["name"] or None, "evidence_url": values["evidence_url"]}
            kwargs["narrative"] = values["narrative"]
            if "apply" in request.POST:
                try:
                    live = award_correct(actor=request.user, award=award, **kwargs)
                except AwardError as exc:
                    form.add_error(None, str(exc))
                else:
                    if live.pk != award.pk:
                        text = _("The badge was re-issued as %(new)s; %(old)s is revoked as superseded.")
                        self.message_user(request, text % {"new": live.public_id, "old": award.public_id})
                    else:
                        self.message_user(request, _("The correction is saved."), messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:badges_award_change", args=[live.pk]))
            else:
                effects = award_correction_effects(award=award, current_name=award.recipient_name, **kwargs)
                reviewing = True
        return TemplateResponse(
            request,
            "admin/badges/award/correct.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Correct a badge"),
                "award": award,
                "form": form,
                "effects": effects,
                "reviewing": reviewing,
                "revoked": award.status == AwardStatus.REVOKED,
                "opts": self.model._meta,
                "original": award,
            },
        )

    def changelist_view(self, request, extra_context=None):
        if self.user_can(request, Capability.AWARD):  # the bulk revocation page, for staff who may award
            extra_context = {**(extra_context or {}), "can_bulk_revoke": True}
        return super().changelist_view(request, extra_context)

    def bulk_revoke_view(self, request):
        """Revoke badges listed in a CSV (award ids or e-mail addresses): a dry run first, then all at once with one
        reason (badges/bulk_revoke.py). Only for staff who may award, on their institutions' badges."""
        if not self.user_can(request, Capability.AWARD):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revoke badges listed in a CSV file"),
            "opts": self.model._meta,
            "plan": None,
            "token": "",
            "error": "",
            "max_rows": MAX_ROWS,
        }
        form = BulkRevokeForm()
        if request.method == "POST" and "apply" in request.POST:
            token = request.POST.get("token", "")
            try:
                count = bulk_revoke_apply(
                    actor=request.user,
                    token=token,
                    reason=request.POST.get("reason", ""),
                    notify_learner=request.POST.get("notify_learner") == "1",
                )
            except BulkRevokeError as exc:
                context["error"], context["token"] = str(exc), token
            else:
                self.message_user(request, _("%(count)d badge(s) revoked.") % {"count": count}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:badges_award_changelist"))
        elif request.method == "POST":
            form = BulkRevokeForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    plan = bulk_revoke_plan(user=request.user, content=form.cleaned_data["file"].read(MAX_BYTES + 1))
                except BulkRevokeError as exc:
                    form.add_error("file", str(exc))
                else:
                    context["plan"], context["counts"] = plan, plan.counts()
                    if plan.to_revoke and not plan.blocked:
                        context["token"] = bulk_revoke_token(user=request.user, plan=plan)
        context["form"] = form
        return TemplateResponse(request, "admin/badges/award/bulk_revoke.html", context)


class BulkRevokeForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One award id or learner e-mail address per row, separated by commas, semicolons or tabs."),
    )


class CorrectionForm(forms.Form):
    """The correction page's fields; an empty name keeps the current one (a learner always has a name)."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    evidence_url = forms.CharField(label=_("Evidence URL"), max_length=200, required=False)
    narrative = forms.CharField(label=_("Narrative"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def clean_name(self) -> str:
        from issuers.validators import single_line_problem

        name = self.cleaned_data["name"].strip()
        if single_line_problem(name):
            raise forms.ValidationError(single_line_problem(name))
        return name

    def clean_evidence_url(self) -> str:
        url = self.cleaned_data["evidence_url"].strip()
        if url:
            URLValidator(schemes=["http", "https"], message=_("Enter a web address (http or https)."))(url)
        return url


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
