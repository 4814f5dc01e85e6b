"""The public verification page: paste a URL, upload a baked image, or paste JSON/JWT; get a plain-language answer.

Thin: the form validates, badges.verification.services verifies. The page is throttled like the API (per account,
else per client address: badges.api.throttling), never stores what it was given, and answers 400/413/429 with a
message for input it cannot use.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from badges.api.throttling import VerifyThrottle

from .forms import VerifyForm
from .reports import VerificationInputError, VerificationReport
from .services import verify_input
from .text import displayable
from .uploads import cap_uploads, upload_too_large

TEMPLATE = "verify/verify.html"

CHECK_LABELS = {
    "format": _("Format"),
    "issuer": _("Issuer"),
    "issuer_key": _("Signing key"),
    "origin": _("Where it is hosted"),
    "signature": _("Signature"),
    "hosted": _("Hosted verification"),
    "status": _("Not revoked"),
    "valid_from": _("Issue date"),
    "expiration": _("Not expired"),
    "badge_class": _("Badge and criteria"),
    "recipient": _("Recipient"),
}
GENERATIONS = {"ob2": _("Open Badges 2.0"), "ob3": _("Open Badges 3.0")}
FORMS = {
    "hosted": _("hosted"),
    "signed": _("signed (JWS)"),
    "data_integrity": _("signed (Data Integrity, eddsa-rdfc-2022)"),
    "jwt": _("signed (VC-JWT)"),
    "unknown": _("unknown form"),
}


def _presented(report: VerificationReport) -> dict:
    results = []
    for result in report.results:
        lines = [
            {
                "name": c.name,
                "label": CHECK_LABELS.get(c.name, c.name),
                "ok": c.ok,
                "warning": not c.ok and c.severity == "warning",
                "message": c.message,
            }
            for c in result.checks
        ]
        results.append(
            {
                "generation": GENERATIONS.get(result.generation, result.generation),
                "form": FORMS.get(result.form, result.form),
                "verdict": result.verdict,
                "badge": result.badge,
                "issuer": result.issuer,
                "issued_on": result.issued_on,
                "expires": result.expires,
                "lines": lines,
            }
        )
    return {"verdict": report.verdict, "reasons": report.reasons, "results": results}


def _page(request: HttpRequest, form: VerifyForm, *, report=None, error: str = "", status: int = 200) -> HttpResponse:
    # Foreign text (names, ids, messages quoting them) may hold code points no page can encode: made displayable here.
    context = {"form": form, "report": displayable(_presented(report)) if report else None, "error": displayable(error)}
    response = render(request, TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _throttled(request: HttpRequest) -> HttpResponse | None:
    throttle = VerifyThrottle()
    if throttle.allow_request(request, None):
        return None
    wait = throttle.wait()
    response = _page(
        request,
        VerifyForm(),
        error=_("Too many verifications from your address. Please wait a minute and try again."),
        status=429,
    )
    if wait:
        response["Retry-After"] = str(int(wait) + 1)
    return response


def _run(request: HttpRequest, form: VerifyForm, **given) -> HttpResponse:
    try:
        report = verify_input(**given)
    except VerificationInputError as exc:
        return _page(request, form, error=exc.message, status=exc.status)
    return _page(request, form, report=report)


@csrf_protect
def _post(request: HttpRequest) -> HttpResponse:
    post, files = request.POST, request.FILES  # parses the body, with the upload cap installed
    if upload_too_large(request):
        limit = settings.VERIFY_UPLOAD_MAX_BYTES
        message = _("The file is larger than the %(limit)s-byte limit.") % {"limit": f"{limit:,}"}
        return _page(request, VerifyForm(), error=message, status=413)
    form = VerifyForm(post, files)
    if not form.is_valid():
        return _page(request, form, status=400)
    throttled = _throttled(request)
    if throttled:
        return throttled
    upload = form.cleaned_data.get("file")
    data = None
    if upload:
        if upload.size > settings.VERIFY_UPLOAD_MAX_BYTES:
            message = _("The file is larger than the %(limit)s-byte limit.") % {
                "limit": f"{settings.VERIFY_UPLOAD_MAX_BYTES:,}"
            }
            return _page(request, form, error=message, status=413)
        data = upload.read()
    return _run(
        request,
        form,
        url=form.cleaned_data.get("url") or "",
        text=form.cleaned_data.get("text") or "",
        upload=data,
        email=form.cleaned_data.get("email") or "",
    )


@csrf_exempt  # CSRF is checked in _post, after the upload cap is installed (it must precede reading the body)
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """GET shows the form (with ?url=… it verifies that URL at once, for "verify" links); POST verifies."""
    if request.method == "POST":
        cap_uploads(request, limit=settings.VERIFY_UPLOAD_MAX_BYTES)
        try:
            return _post(request)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            message = _("What was sent is too large to verify.")
            return _page(request, VerifyForm(), error=message, status=413)
    url = request.GET.get("url", "").strip()
    if not url:
        return _page(request, VerifyForm())
    form = VerifyForm({"url": url})
    if not form.is_valid():
        return _page(request, form, status=400)
    throttled = _throttled(request)
    if throttled:
        return throttled
    return _run(request, form, url=url)
