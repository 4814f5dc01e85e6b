"""The institution console's overview in the admin: the dashboard page, the CSV export of a list as it is
filtered, staff downloads of an award, and the award list's e-mail filter. Thin: numbers come from
badges.dashboard, files from badges.exports."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issuers.models import Issuer
from issuers.permissions import Capability
from issuers.selectors import issuers_for_user

from .dashboard import CHART_BAR_WIDTH, METRICS, dashboard_for
from .downloads import DOWNLOADS, render_download
from .models import AwardStatus

METRIC_LABELS = {
    "issued": _("Issued"),
    "pending": _("Pending"),
    "failed": _("Failed"),
    "emailed": _("E-mailed"),
    "claimed": _("Claimed"),
    "public": _("Public"),
    "verified": _("Verified by employers"),
    "verifications": _("Verifications"),
    "views": _("Page views"),
    "expiring": _("Expiring within 30 days"),
    "revoked": _("Revoked"),
}
# The award list's filter for each metric a badge officer may want to open from its total.
METRIC_FILTERS = {
    "issued": "status__exact=issued",
    "pending": "status__exact=pending",
    "failed": "status__exact=failed",
    "revoked": "status__exact=revoked",
}


def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's institutions (all of them, or the one chosen with ?issuer=<public id>)."""
    issuers = issuers_for_user(user=request.user, capability=Capability.VIEW).order_by("name")
    chosen: Issuer | None = None
    wanted = request.GET.get("issuer", "")
    if wanted:
        chosen = issuers.filter(public_id=wanted[:32]).first()
        if chosen is None:
            raise Http404("No such institution.")  # another institution's looks absent
        ids = [chosen.id]
    else:
        ids = list(issuers.values_list("id", flat=True))
    board = dashboard_for(issuer_ids=ids)
    context = {
        **admin.site.each_context(request),
        "title": _("Dashboard") + (f" — {chosen.name}" if chosen else ""),
        "issuers": issuers if len(ids) > 1 or chosen else [],
        "chosen": chosen,
        "board": board,
        "columns": [(m, METRIC_LABELS[m]) for m in METRICS],
        "totals": [(m, board.totals[m], METRIC_FILTERS.get(m, "")) for m in METRICS],
        "rows": [{**row, "cells": [(m, row[m] or 0) for m in METRICS]} for row in board.rows],
        "alerts": board.alerts,
        "bar_width": CHART_BAR_WIDTH,
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


class EmailStateFilter(admin.SimpleListFilter):
    """Awards by their e-mail to the learner: sent, failed (with the reason on the award page), not sent yet."""

    title = _("e-mail")
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("sent", _("Sent")), ("failed", _("Failed")), ("none", _("Not sent"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "sent":
            return queryset.filter(notified_at__isnull=False, email_failed_at__isnull=True)
        if value == "failed":
            return queryset.filter(email_failed_at__isnull=False).exclude(status=AwardStatus.REVOKED)
        if value == "none":
            return queryset.filter(notified_at__isnull=True)
        return queryset


class CsvExportMixin:
    """Adds <list>/export.csv to a model admin: the rows its change list shows for the same query string (its
    scope, filters and search), written by `export_rows(queryset)`."""

    export_name = "export"

    def export_rows(self, queryset):  # pragma: no cover — each admin names its writer
        raise NotImplementedError

    def get_urls(self):
        info = (self.model._meta.app_label, self.model._meta.model_name)
        view = self.admin_site.admin_view(self.export_view)
        return [path("export.csv", view, name="{}_{}_export".format(*info)), *super().get_urls()]

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            info = (self.model._meta.app_label, self.model._meta.model_name)
            return redirect(reverse("admin:{}_{}_changelist".format(*info)) + "?e=1")
        response = StreamingHttpResponse(self.export_rows(changelist.queryset), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="{self.export_name}-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response

    def changelist_view(self, request, extra_context=None):
        # The export link keeps the list's query string (the template prefixes the export's reversed URL).
        query = request.GET.urlencode()
        return super().changelist_view(request, {**(extra_context or {}), "export_query": f"?{query}" if query else ""})


class AwardConsoleMixin(CsvExportMixin):
    """The award admin's console parts: the CSV export and the downloads of one award for its institution's staff
    (the public download URLs answer only the holder while the badge is private)."""

    export_name = "awards"

    def export_rows(self, queryset):
        from .exports import awards_export_rows

        return awards_export_rows(awards=queryset)

    def get_urls(self):
        view = self.admin_site.admin_view(self.download_view)
        return [
            path("<int:object_id>/download/<str:filename>", view, name="badges_award_download"),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id: int, filename: str):
        award = self.get_queryset(request).filter(pk=object_id).select_related("badge_class").first()
        if award is None or filename not in DOWNLOADS or not self.has_view_permission(request, award):
            raise Http404("No such download.")
        if award.status != AwardStatus.ISSUED:
            raise Http404("Only an issued badge has downloads.")
        return render_download(award, filename)


class EnrolmentExportMixin(CsvExportMixin):
    """The enrolment admin's CSV export: each enrolment with its current award."""

    export_name = "enrolments"

    def export_rows(self, queryset):
        from .exports import enrolments_export_rows

        return enrolments_export_rows(enrolments=queryset)
