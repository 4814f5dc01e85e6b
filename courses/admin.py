"""Admin for courses, enrolments and CSV imports. Completions go through courses.services, never around it."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from badges.admin_dashboard import EnrolmentExportMixin
from badges.openbadges.hashing import normalize_email
from badges.recipient_names import with_learner_name
from issuers.admin_scoping import IssuerScopedAdmin
from issuers.permissions import Capability
from issuers.selectors import issuers_for_user, user_can
from issuers.spreadsheets import SpreadsheetDictWriter

from .forms import CompletionImportForm, EnrolmentAddForm
from .imports import (
    ImportNotApplicable,
    RowKind,
    completion_import_confirm,
    completion_import_preview,
    completion_import_retry,
    completion_import_template,
    parse_completions_csv,
)
from .models import CompletionImport, Course, Enrolment, EnrolmentStatus, ImportStatus
from .selectors import import_failures, import_progress
from .services import (
    Completion,
    CompletionReport,
    enrolment_enrol,
    enrolment_reenrol,
    enrolment_withdraw,
    enrolments_complete_report,
)


def completion_messages(report: CompletionReport, *, withdrawn: int = 0) -> list[tuple[int, str]]:
    """One message per outcome of "Mark completed", each saying what really happened and, where nothing could
    happen, which award action does it (a revoked badge is never issued again by completing once more)."""
    awards = reverse("admin:badges_award_changelist")
    said: list[tuple[int, str]] = []
    if report.queued:
        said.append(
            (
                messages.SUCCESS,
                ngettext(
                    "%(count)d enrolment completed; its badge is queued for issuing.",
                    "%(count)d enrolments completed; their badges are queued for issuing.",
                    report.queued,
                )
                % {"count": report.queued},
            )
        )
    if report.pending:
        said.append(
            (
                messages.INFO,
                ngettext(
                    "%(count)d badge was already queued for issuing; nothing changed.",
                    "%(count)d badges were already queued for issuing; nothing changed.",
                    report.pending,
                )
                % {"count": report.pending},
            )
        )
    if report.issued:
        said.append(
            (
                messages.INFO,
                ngettext(
                    "%(count)d badge was already issued; nothing changed.",
                    "%(count)d badges were already issued; nothing changed.",
                    report.issued,
                )
                % {"count": report.issued},
            )
        )
    if report.revoked:
        text = ngettext(
            "%(count)d badge is revoked: nothing was issued. To issue a new one, select its award and use “Re-issue”.",
            "%(count)d badges are revoked: nothing was issued. To issue new ones, select their awards and use "
            "“Re-issue”.",
            report.revoked,
        ) % {"count": report.revoked}
        link = format_html('<a href="{}?status__exact=revoked">{}</a>', awards, gettext("Revoked awards"))
        said.append((messages.WARNING, format_html("{} {}", text, link)))
    if report.failed:
        text = ngettext(
            "%(count)d badge failed to issue earlier: nothing was queued. Select its award and use “Retry”.",
            "%(count)d badges failed to issue earlier: nothing was queued. Select their awards and use “Retry”.",
            report.failed,
        ) % {"count": report.failed}
        link = format_html('<a href="{}?status__exact=failed">{}</a>', awards, gettext("Failed awards"))
        said.append((messages.WARNING, format_html("{} {}", text, link)))
    if withdrawn:
        said.append(
            (
                messages.WARNING,
                ngettext(
                    "%(count)d withdrawn enrolment was skipped.",
                    "%(count)d withdrawn enrolments were skipped.",
                    withdrawn,
                )
                % {"count": withdrawn},
            )
        )
    return said


@admin.register(Course)
class CourseAdmin(IssuerScopedAdmin):
    edit_capability = Capability.EDIT
    # Both names of a course that imports and the API accept, where staff can copy them.
    list_display = ("title", "code", "public_id", "issuer", "badge_class", "starts_on", "ends_on", "hours")
    search_fields = ("title", "code")
    autocomplete_fields = ("badge_class",)

    def get_readonly_fields(self, request, obj=None):
        # The public id exists once saved: an add form showing the model default showed an id the row never got.
        return () if obj is None else ("public_id_to_copy",)

    @admin.display(description=_("public ID"))
    def public_id_to_copy(self, obj) -> str:
        return format_html(
            '<code class="public-id">{}</code><span class="public-id-hint">{}</span>',
            obj.public_id,
            _("The API and CSV imports accept this id or the course code."),
        )

    class Media:
        css = {"all": ["css/admin-forms.css"]}


@admin.register(Enrolment)
class EnrolmentAdmin(EnrolmentExportMixin, IssuerScopedAdmin):
    issuer_path = "course__issuer"
    edit_capability = Capability.AWARD
    list_display = ("learner", "recipient", "course", "status", "completed_at")
    list_filter = ("status", "course")
    # recipient_name is this institution's own name for the learner (annotated below), never another's.
    search_fields = ("learner__email", "recipient_name", "course__title", "course__code")
    list_select_related = ("learner", "course")
    readonly_fields = ("learner", "completed_at", "created_at")
    fields = (
        "course",
        "learner",
        "recipient",
        "status",
        "completed_at",
        "evidence_url",
        "evidence_narrative",
        "created_at",
    )
    actions = ["mark_completed", "withdraw", "reenrol"]
    change_list_template = "admin/courses/enrolment/change_list.html"

    class Media:
        css = {"all": ["css/admin-forms.css"]}

    def get_queryset(self, request):
        return with_learner_name(super().get_queryset(request), issuer="course__issuer")

    @admin.display(description=_("name"), ordering="recipient_name")
    def recipient(self, obj) -> str:
        return obj.recipient_name

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = EnrolmentAddForm
            kwargs["fields"] = ("course", "email", "name")
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("course", "email", "name")
        return (*self.fields, "badge") if obj.status == EnrolmentStatus.COMPLETED else self.fields

    def get_readonly_fields(self, request, obj=None):
        # Status changes go through the actions, so completion always creates its award.
        if obj is None:
            return ()
        fixed = ("course", "learner", "recipient", "status", "completed_at", "created_at")
        if obj.status == EnrolmentStatus.COMPLETED:
            # The badge was issued with this evidence; editing it here would change nothing the badge says.
            return (*fixed, "evidence_url", "evidence_narrative", "badge")
        return fixed

    @admin.display(description=_("badge"))
    def badge(self, obj) -> str:
        hint = _("The badge keeps the evidence it was issued with; a correction re-issues it.")
        award = obj.awards.order_by("-created_at", "-id").first()
        if award is None:
            return hint
        return format_html(
            '<a href="{}">{}</a> ({}) · <a href="{}">{}</a><span class="public-id-hint">{}</span>',
            reverse("admin:badges_award_change", args=[award.pk]),
            award.public_id,
            award.get_status_display(),
            reverse("admin:badges_award_correct", args=[award.pk]),
            _("Correct the name or evidence"),
            hint,
        )

    def add_view(self, request, form_url="", extra_context=None):
        if request.method == "GET" and self.has_add_permission(request):
            ids = [i.id for i in issuers_for_user(user=request.user, capability=Capability.AWARD)]
            if not Course.objects.filter(issuer__in=ids).exists():
                self.message_user(
                    request,
                    _(
                        "There is no course to enrol learners on yet. A course is added first (Courses › Add), by "
                        "staff with the editor or owner role."
                    ),
                    messages.WARNING,
                )
        return super().add_view(request, form_url, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            ids = [i.id for i in issuers_for_user(user=request.user, capability=Capability.AWARD)]
            kwargs["queryset"] = Course.objects.filter(issuer__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # enrolments are records; withdraw instead

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        if not user_can(user=request.user, issuer_id=obj.course.issuer_id, capability=Capability.AWARD):
            raise PermissionDenied
        email, name = normalize_email(form.cleaned_data["email"]), form.cleaned_data["name"].strip()
        existing = Enrolment.objects.filter(course=obj.course, learner__email=email).values_list("status", flat=True)
        existed = existing.first()
        saved = enrolment_enrol(actor=request.user, course=obj.course, email=email, name=name)
        # The admin logs and redirects with this object: make it the saved row (it has no learner of its own).
        obj.pk, obj.learner, obj.status, obj.created_at = saved.pk, saved.learner, saved.status, saved.created_at
        # What response_add says: enrolling again changes nothing, and an institution keeps its first name for a
        # learner (learners.services.learner_get_or_create), so a different name typed here is not used.
        obj.already_enrolled = existed
        kept = with_learner_name(Enrolment.objects.filter(pk=saved.pk), issuer="course__issuer")
        obj.kept_name = kept.values_list("recipient_name", flat=True).get()
        obj.typed_name = name

    def response_add(self, request, obj, post_url_continue=None):
        kept, typed = getattr(obj, "kept_name", None), getattr(obj, "typed_name", None)
        if kept is not None and kept != typed:
            self.message_user(
                request,
                _(
                    "%(email)s is already known to your institution as “%(name)s”: their badges carry that name, "
                    "not the one typed."
                )
                % {"email": obj.learner.email, "name": kept},
                messages.WARNING,
            )
        existed = getattr(obj, "already_enrolled", None)
        if not existed:
            return super().response_add(request, obj, post_url_continue)
        if existed == EnrolmentStatus.WITHDRAWN:
            text = _(
                "%(email)s had withdrawn from this course; nothing changed. To enrol them again, select the "
                "enrolment and use “Re-enrol”."
            )
            self.message_user(request, text % {"email": obj.learner.email}, messages.WARNING)
        else:
            self.message_user(
                request,
                _("%(email)s was already enrolled on this course; nothing changed.") % {"email": obj.learner.email},
                messages.INFO,
            )
        if "_continue" in request.POST:
            return redirect("admin:courses_enrolment_change", obj.pk)
        if "_addanother" in request.POST:
            return redirect("admin:courses_enrolment_add")
        return redirect("admin:courses_enrolment_changelist")

    @admin.action(description=_("Mark selected enrolments completed (awards their badge)"))
    def mark_completed(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        withdrawn = queryset.filter(status=EnrolmentStatus.WITHDRAWN).count()
        completions = [Completion(e) for e in queryset.exclude(status=EnrolmentStatus.WITHDRAWN)]
        try:
            report = enrolments_complete_report(actor=request.user, completions=completions)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return
        for level, text in completion_messages(report, withdrawn=withdrawn):
            self.message_user(request, text, level)

    @admin.action(description=_("Withdraw selected enrolments (a live badge must be revoked first)"))
    def withdraw(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        done = already = 0
        for enrolment in queryset.select_related("learner", "course"):
            if enrolment.status == EnrolmentStatus.WITHDRAWN:
                already += 1  # the service would accept it again and change nothing: not counted as withdrawn
                continue
            try:
                enrolment_withdraw(actor=request.user, enrolment=enrolment)
                done += 1
            except ValidationError as exc:
                label = f"{enrolment.learner.email} — {enrolment.course.code}"
                self.message_user(request, f"{label}: {'; '.join(exc.messages)}", messages.ERROR)
        if done:
            text = ngettext("%(count)d enrolment withdrawn.", "%(count)d enrolments withdrawn.", done)
            self.message_user(request, text % {"count": done}, messages.SUCCESS)
        if already:
            text = ngettext(
                "%(count)d enrolment was already withdrawn; nothing changed.",
                "%(count)d enrolments were already withdrawn; nothing changed.",
                already,
            )
            self.message_user(request, text % {"count": already}, messages.INFO)

    @admin.action(description=_("Re-enrol selected withdrawn enrolments"))
    def reenrol(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        done = sum(enrolment_reenrol(actor=request.user, enrolment=e) for e in queryset)
        if done:
            text = ngettext("%(count)d enrolment enrolled again.", "%(count)d enrolments enrolled again.", done)
            self.message_user(request, text % {"count": done}, messages.SUCCESS)
        if skipped := queryset.count() - done:
            text = ngettext(
                "%(count)d enrolment was not withdrawn; nothing changed.",
                "%(count)d enrolments were not withdrawn; nothing changed.",
                skipped,
            )
            self.message_user(request, text % {"count": skipped}, messages.INFO)

    # -- CSV import ------------------------------------------------------------------------------------------
    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="courses_enrolment_import"),
            path(
                "import/template.csv",
                self.admin_site.admin_view(self.import_template_view),
                name="courses_enrolment_import_template",
            ),
            path(
                "import/<str:public_id>/",
                self.admin_site.admin_view(self.import_confirm_view),
                name="courses_enrolment_import_confirm",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        issuers = issuers_for_user(user=request.user, capability=Capability.AWARD)
        if not issuers.exists():
            raise PermissionDenied
        form = CompletionImportForm(request.POST or None, request.FILES or None, issuers=issuers)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            record, _parsed = completion_import_preview(
                actor=request.user,
                issuer=form.cleaned_data["issuer"],
                filename=upload.name,
                content=upload.read(),
            )
            return redirect("admin:courses_enrolment_import_confirm", public_id=record.public_id)
        context = {**self.admin_site.each_context(request), "title": _("Import enrolments and completions")}
        return TemplateResponse(request, "admin/courses/import_upload.html", {**context, "form": form})

    def import_template_view(self, request):
        """The import template (header and an example row naming one of the staff member's courses)."""
        issuers = issuers_for_user(user=request.user, capability=Capability.AWARD)
        if not issuers.exists():
            raise PermissionDenied
        course = Course.objects.filter(issuer__in=issuers).order_by("code").first()
        language = get_language() or "en"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = "modele-import.csv" if language.startswith("fr") else "import-template.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        completion_import_template(stream=response, language=language, course_code=course.code if course else "py101")
        return response

    def import_confirm_view(self, request, public_id):
        allowed = issuers_for_user(user=request.user, capability=Capability.AWARD)
        record = get_object_or_404(CompletionImport, public_id=public_id, issuer__in=allowed)
        if request.method == "POST":
            try:
                applied_now = completion_import_confirm(actor=request.user, completion_import=record)
            except ImportNotApplicable as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return redirect("admin:courses_enrolment_import_confirm", public_id=public_id)
            record.refresh_from_db()
            if applied_now:
                counts = record.applied_counts
                self.message_user(
                    request,
                    _("Imported: %(new)d new, %(enrol)d enrolled only, %(correct)d corrected, %(unchanged)d unchanged.")
                    % {kind: counts.get(kind, 0) for kind in ("new", "enrol", "correct", "unchanged")},
                    messages.SUCCESS,
                )
            else:
                self.message_user(request, _("The import is running; this page follows its progress."))
            return redirect("admin:courses_completionimport_progress", public_id=public_id)
        parsed = parse_completions_csv(issuer=record.issuer, content=bytes(record.content))
        lines = [(line, kind, RowKind.LABELS[kind], row, detail) for line, kind, row, detail in parsed.lines()]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Check the import"),
            "record": record,
            "parsed": parsed,
            "file_errors": [e for e in parsed.errors if e.line <= 1],
            "summary": RowKind.summary(parsed.counts()),
            "applied": record.status == ImportStatus.APPLIED,
            "started": record.status in (ImportStatus.APPLYING, ImportStatus.FAILED),
            "preview_lines": lines[:PREVIEW_MAX_LINES],
            "hidden_lines": max(0, len(lines) - PREVIEW_MAX_LINES),
        }
        return TemplateResponse(request, "admin/courses/import_preview.html", context)


PREVIEW_MAX_LINES = 500  # rows listed in file order by the preview; its summary counts them all


@admin.register(CompletionImport)
class CompletionImportAdmin(IssuerScopedAdmin):
    edit_capability = None
    list_display = ("filename", "issuer", "status", "row_count", "error_count", "completed_count", "created_at")
    list_filter = ("status",)
    fields = (
        "filename",
        "issuer",
        "uploaded_by",
        "status",
        "row_count",
        "error_count",
        "enrolled_count",
        "completed_count",
        "created_at",
        "applied_at",
        "failed_at",
        "failure_reason",
    )
    readonly_fields = fields
    actions = ["retry"]

    @admin.action(description=_("Retry the selected failed imports"))
    def retry(self, request, queryset):
        self.require(request, Capability.AWARD, queryset)
        done = 0
        for record in queryset.filter(status=ImportStatus.FAILED):
            try:
                completion_import_retry(actor=request.user, completion_import=record)
            except ImportNotApplicable as exc:
                self.message_user(request, f"{record.filename}: {exc}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(count)d failed import(s) retried.") % {"count": done})

    def get_urls(self):
        return [
            path(
                "<str:public_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="courses_completionimport_progress",
            ),
            path(
                "<str:public_id>/progress.json",
                self.admin_site.admin_view(self.progress_json),
                name="courses_completionimport_progress_json",
            ),
            path(
                "<str:public_id>/retry/",
                self.admin_site.admin_view(self.retry_view),
                name="courses_completionimport_retry",
            ),
            path(
                "<str:public_id>/failures.csv",
                self.admin_site.admin_view(self.failures_csv),
                name="courses_completionimport_failures",
            ),
            *super().get_urls(),
        ]

    def _record(self, request, public_id) -> CompletionImport:
        return get_object_or_404(self.get_queryset(request), public_id=public_id)

    def progress_view(self, request, public_id):
        record = self._record(request, public_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import progress"),
            "record": record,
            "progress": import_progress(completion_import=record),
            "opts": self.model._meta,
            "failed": record.status == ImportStatus.FAILED,
            "can_retry": user_can(user=request.user, issuer_id=record.issuer_id, capability=Capability.AWARD),
            "report": RowKind.summary(record.applied_counts) if record.status == ImportStatus.APPLIED else None,
            "planned": RowKind.summary(record.preview_counts) if record.preview_counts else None,
        }
        return TemplateResponse(request, "admin/courses/import_progress.html", context)

    def retry_view(self, request, public_id):
        record = self._record(request, public_id)
        if request.method != "POST":
            return redirect("admin:courses_completionimport_progress", public_id=public_id)
        if not user_can(user=request.user, issuer_id=record.issuer_id, capability=Capability.AWARD):
            raise PermissionDenied
        try:
            applied_now = completion_import_retry(actor=request.user, completion_import=record)
        except ImportNotApplicable as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Imported.") if applied_now else _("The import is running again; this page follows its progress."),
                messages.SUCCESS,
            )
        return redirect("admin:courses_completionimport_progress", public_id=public_id)

    def progress_json(self, request, public_id):
        record = self._record(request, public_id)
        return JsonResponse(import_progress(completion_import=record).as_dict())

    def failures_csv(self, request, public_id):
        record = self._record(request, public_id)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{record.public_id}-failures.csv"'
        # Names and reasons may start with = + - @: escaped so the report cannot run formulas (OWASP).
        writer = SpreadsheetDictWriter(response, fieldnames=["email", "name", "badge", "reason"])
        writer.writeheader()
        writer.writerows(import_failures(completion_import=record))
        return response
