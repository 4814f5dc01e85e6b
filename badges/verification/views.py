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
from .reports import BadgeReport, VerificationInputError, VerificationReport
from .services import verify_input
from .summary import BadgeSummary, parse_date
from .text import displayable
from .uploads import cap_uploads, upload_too_large

TEMPLATE = "verify/verify.html"
#: A foreign badge's criteria are shown in full up to this length (rendered from Markdown, sanitised).
CRITERIA_MAX_CHARS = 5000

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
    "issuer_domain": _("Issuer's domain"),
    "registry": _("Trust registry"),
}
GENERATIONS = {"ob2": _("Open Badges 2.0"), "ob3": _("Open Badges 3.0")}
FORMS = {
    "hosted": _("hosted"),
    "signed": _("signed (JWS)"),
    "data_integrity": _("signed (Data Integrity, eddsa-rdfc-2022)"),
    "jwt": _("signed (VC-JWT)"),
    "unknown": _("unknown form"),
}


def _same_origin_path(value: object) -> str | None:
    """An image address we serve ourselves ("/..."), else None: a foreign image is never hot-linked (it would tell
    a stranger who is verifying); badges.verification.images fetches, checks and serves those from our origin."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


def _date(value: str | None) -> dict | None:
    """An ISO date for the page: the parsed calendar date (shown in the reader's language) or the text as given."""
    if not value:
        return None
    parsed = parse_date(value)
    return {"iso": parsed.isoformat() if parsed else "", "date": parsed, "text": value}


def _lines(result: BadgeReport) -> list[dict]:
    return [
        {
            "name": c.name,
            "label": CHECK_LABELS.get(c.name, c.name),
            "ok": c.ok,
            "warning": not c.ok and c.severity == "warning",
            "message": c.message,
        }
        for c in result.checks
    ]


def _proof(result: BadgeReport) -> dict:
    return {
        "generation": GENERATIONS.get(result.generation, result.generation),
        "form": FORMS.get(result.form, result.form),
        "verdict": result.verdict,
        "proof": result.proof,
        "issuer_id": result.issuer.get("id"),
        "known_by": result.issuer.get("known_by"),
        "did_document": result.issuer.get("did_document"),
        "id": result.id,
        "lines": _lines(result),
    }


def _identity(proofs: list[BadgeReport]) -> dict:
    """The issuer lines another step may have added (domain linkage, trust registries), from the first proof that
    has them; anything not in the expected shape is left out rather than shown wrongly."""
    domain = next((p.issuer.get("domain") for p in proofs if isinstance(p.issuer.get("domain"), dict)), None)
    confirmed = domain.get("domain") if domain and domain.get("confirmed") is True else None
    registries = next((p.issuer.get("registries") for p in proofs if isinstance(p.issuer.get("registries"), list)), [])
    listed = [
        {"name": r["name"], "listed": r.get("listed") is True}
        for r in registries
        if isinstance(r, dict) and isinstance(r.get("name"), str) and r["name"]
    ]
    return {"domain": confirmed if isinstance(confirmed, str) and confirmed else None, "registries": listed}


def _recipient_check(proofs: list[BadgeReport]) -> bool | None:
    checks = [c for p in proofs for c in p.checks if c.name == "recipient"]
    return all(c.ok for c in checks) if checks else None


def _badge(summary: BadgeSummary, request: HttpRequest) -> dict:
    proofs, first = summary.proofs, summary.first
    issuer = next((p.issuer for p in proofs if p.issuer.get("name")), first.issuer)
    criteria = next((p.badge.get("criteria") for p in proofs if (p.badge.get("criteria") or {}).get("narrative")), None)
    criteria = criteria or next((p.badge.get("criteria") for p in proofs if p.badge.get("criteria")), None) or {}
    return {
        "outcome": summary.outcome,
        "headline": summary.headline(),
        "reason": summary.reason(),
        "name": summary.name,
        "description": next((p.badge.get("description") for p in proofs if p.badge.get("description")), None),
        "image": request.build_absolute_uri(path) if (path := _same_origin_path(summary.image)) else None,
        "issuer": {
            "name": issuer.get("name"),
            "url": next((p.issuer.get("url") for p in proofs if p.issuer.get("url")), None),
            **_identity(proofs),
        },
        "recipient_name": summary.recipient_name,
        "recipient_check": _recipient_check(proofs),
        "issued_on": _date(next((p.issued_on for p in proofs if p.issued_on), None)),
        "expires": _date(next((p.expires for p in proofs if p.expires), None)),
        "criteria": {"narrative": (criteria.get("narrative") or "")[:CRITERIA_MAX_CHARS], "id": criteria.get("id")},
        "proofs": [_proof(p) for p in proofs],
    }


def _presented(report: VerificationReport, request: HttpRequest) -> dict:
    return {"verdict": report.verdict, "badges": [_badge(s, request) for s in report.badges()]}


def _page(request: HttpRequest, form: VerifyForm, *, report=None, error: str = "", status: int = 200) -> HttpResponse:
    # Foreign text (names, ids, messages quoting them) may hold code points no page can encode: made displayable here.
    context = {
        "form": form,
        "report": displayable(_presented(report, request)) if report else None,
        "error": displayable(error),
    }
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
