"""The batch verification page: an employer uploads a CSV of badge URLs and gets a results table and a results CSV.

Thin: the form takes the file, badges.verification.batch_csv reads, verifies and writes. The upload is capped
before the body is read (VERIFY_BATCH_UPLOAD_MAX_BYTES, badges.verification.uploads); the page spends one
verification per URL row of the batch budget the API uses (badges.api.batch.BatchVerifyThrottle); the results CSV
is served from the cache by an unguessable token for 30 minutes (decision 0021). Nothing is stored.
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from badges.api.batch import BatchVerifyThrottle

from .batch_csv import (
    BatchCsvError,
    batch_csv_parse,
    batch_csv_verify,
    batch_results_csv,
    batch_results_get,
    batch_results_keep,
)
from .batch_forms import BatchVerifyForm
from .text import displayable
from .uploads import cap_uploads, upload_too_large

TEMPLATE = "verify/batch.html"
OUTCOMES = ("valid", "not_valid", "could_not_check", "not_checked")


def _page(request: HttpRequest, form: BatchVerifyForm, *, status: int = 200, **context) -> HttpResponse:
    context = {"form": form, "error": displayable(context.pop("error", "")), **context}
    response = render(request, TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _too_large() -> str:
    return _("The file is larger than the %(limit)s-byte limit.") % {
        "limit": f"{settings.VERIFY_BATCH_UPLOAD_MAX_BYTES:,}"
    }


@csrf_protect
def _post(request: HttpRequest) -> HttpResponse:
    post, files = request.POST, request.FILES  # parses the body, with the upload cap installed
    if upload_too_large(request):
        return _page(request, BatchVerifyForm(), error=_too_large(), status=413)
    form = BatchVerifyForm(post, files)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > settings.VERIFY_BATCH_UPLOAD_MAX_BYTES:
        return _page(request, form, error=_too_large(), status=413)
    try:
        rows = batch_csv_parse(content=upload.read())
    except BatchCsvError as exc:
        return _page(request, form, error=str(exc), status=400)
    throttle = BatchVerifyThrottle()
    checked = sum(1 for row in rows if not row.problem)
    if checked and not throttle.allow_items(request, count=checked):
        message = _(
            "Too many verifications from your address: %(count)d badges cannot be checked now. "
            "Please wait and try again, or send fewer rows."
        ) % {"count": checked}
        response = _page(request, BatchVerifyForm(), error=message, status=429)
        response["Retry-After"] = str(int(throttle.wait()) + 1)
        return response
    results = batch_csv_verify(rows=rows)
    token = batch_results_keep(results=results)
    counts = {key: sum(1 for r in results if r.outcome == key) for key in OUTCOMES}
    table = [asdict(r) for r in results]
    return _page(request, BatchVerifyForm(), results=table, counts=counts, token=token)


@csrf_exempt  # CSRF is checked in _post, after the upload cap is installed (it must precede reading the body)
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_batch_page(request: HttpRequest) -> HttpResponse:
    """GET shows the upload form; POST verifies the file's badge URLs and shows the results."""
    if request.method != "POST":
        return _page(request, BatchVerifyForm())
    cap_uploads(request, limit=settings.VERIFY_BATCH_UPLOAD_MAX_BYTES)
    try:
        return _post(request)
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        return _page(request, BatchVerifyForm(), error=_("What was sent is too large."), status=413)


@never_cache
@require_GET
def verify_batch_csv(request: HttpRequest, token: str) -> HttpResponse:
    """The results CSV of a batch verified in the last 30 minutes (UTF-8 with a BOM, for Excel)."""
    results = batch_results_get(token=token)
    if results is None:
        raise Http404(_("These results have expired or never existed. Upload the file again."))
    response = HttpResponse(
        "\ufeff" + batch_results_csv(results=results), content_type="text/csv; charset=utf-8", status=200
    )
    response["Content-Disposition"] = 'attachment; filename="badge-verification-results.csv"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
