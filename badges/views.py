"""Public badge documents and pages, one URL per object: JSON-LD for machines, HTML for people.

Issuer profile, badge class and image, hosted assertion (410 when revoked), OB 2.0 revocation list, OB 3.0
status list, and each award's downloads (baked PNG/SVG in hosted and signed variants, OB 3.0 JSON and JWT).
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from issuers.models import Issuer
from issuers.negotiation import (
    IMMUTABLE,
    body_response,
    cacheable,
    exact_vary,
    if_none_match,
    json_body,
    json_response,
    name_etag,
    not_modified,
    representation_etag,
    wants_html,
)
from issuers.public_cache import award_key, cached
from issuers.views import issuer_document_response

from . import documents, sharing
from .counters import award_view_count
from .downloads import DOWNLOADS, render_download
from .models import Award, AwardStatus, BadgeClass
from .public_urls import assertion_url
from .selectors import award_recipient_name
from .status_lists import status_list_credential
from .storage import file_version

SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Downloads stored by the issuing pipeline, by the Award field that names them.
STORED_DOWNLOADS = {"badge.png": "baked_png", "badge.svg": "baked_svg"}


@require_GET
def issuer_profile(request, public_id: str):
    if wants_html(request):
        issuer = get_object_or_404(Issuer, public_id=public_id)
        badge_classes = issuer.badge_classes.order_by("name")
        return render(
            request,
            "public/issuer.html",
            {"issuer": issuer, "badge_classes": badge_classes, "site": settings.PUBLIC_BASE_URL},
        )
    return issuer_document_response(request, public_id, "profile", documents.ob2_issuer_profile)


@require_GET
def revocation_list(request, public_id: str):
    return issuer_document_response(request, public_id, "revocations", documents.ob2_revocation_list)


@require_GET
def status_list(request, public_id: str, purpose: str):
    if purpose != "revocation":
        raise Http404("No such status list.")
    return issuer_document_response(
        request,
        public_id,
        f"status:{purpose}",
        lambda issuer: _published_status_list(issuer, purpose),
        content_type="application/vc+ld+json",
    )


def _published_status_list(issuer: Issuer, purpose: str) -> dict:
    # Read-only: a list is created by issuing or revoking, never by someone asking for it.
    credential = status_list_credential(issuer=issuer, purpose=purpose)
    if credential is None:
        raise Http404("No such status list.")
    return credential


def _badge_class(public_id: str) -> BadgeClass:
    return get_object_or_404(BadgeClass.objects.select_related("issuer"), public_id=public_id)


@require_GET
def badge_class(request, public_id: str):
    badge = _badge_class(public_id)
    if wants_html(request):
        return render(
            request,
            "public/badge_class.html",
            {
                "badge": badge,
                "issuer": badge.issuer,
                "alignments": badge.alignments.all(),
                "site": settings.PUBLIC_BASE_URL,
            },
        )
    return json_response(documents.ob2_badge_class(badge), request=request, cache="document")


# The artwork's stable URL (in every credential) may show a new upload within the hour; its versioned URL
# (?v=<version>, badges.forms.artwork_url) names one upload's bytes and is kept for ever.
ARTWORK_CACHE_CONTROL = "public, max-age=3600"


@require_GET
def badge_class_image(request, public_id: str):
    badge = _badge_class(public_id)
    version = file_version(badge.image.name)
    cache_control = f"public, {IMMUTABLE}" if request.GET.get("v") == version else ARTWORK_CACHE_CONTROL
    etag = name_etag(badge.image.name)  # a new upload is a new name: no read of the store to revalidate
    if if_none_match(request.headers.get("If-None-Match"), etag):
        headers = {"ETag": etag, "Cache-Control": cache_control, "Access-Control-Allow-Origin": "*"}
        return exact_vary(not_modified(headers), "")
    with badge.image.open("rb") as handle:
        data = handle.read()
    is_png = data.startswith(b"\x89PNG")
    response = HttpResponse(data, content_type="image/png" if is_png else "image/svg+xml")
    if not is_png:
        response["Content-Security-Policy"] = SVG_CSP
    response["Access-Control-Allow-Origin"] = "*"
    return exact_vary(cacheable(request, response, etag=etag, cache_control=cache_control), "")


def _award(public_id: str) -> Award:
    award = (
        Award.objects.select_related("badge_class__issuer", "learner", "issuer")
        .filter(public_id=public_id, status__in=[AwardStatus.ISSUED, AwardStatus.REVOKED])
        .first()
    )
    if award is None:
        raise Http404("No such badge.")
    return award


def holder_may_see(request, award: Award) -> bool:
    """Whether this request may see the learner's data: the badge is public, or the request is its holder's."""
    if award.public:
        return True
    if sharing.claim_link(request, award) is sharing.ClaimLink.VALID:  # the award e-mail's link, unused, in date
        return True
    user = request.user
    return user.is_authenticated and award.learner.user_id == user.id


def _is_holder(request, award: Award) -> bool:
    """The learner themselves: signed in to the account holding the badge, or following their e-mail's link."""
    user = request.user
    if user.is_authenticated and award.learner.user_id == user.id:
        return True
    return sharing.claim_link(request, award) is sharing.ClaimLink.VALID


@require_GET
def assertion(request, public_id: str):
    if not wants_html(request):
        return assertion_json(request, public_id)
    award = _award(public_id)
    if award.status == AwardStatus.REVOKED:
        return render(request, "public/award_revoked.html", {"award": award, "badge": award.badge_class}, status=410)
    link = sharing.claim_link(request, award)
    if link in (sharing.ClaimLink.EXPIRED, sharing.ClaimLink.USED):
        # An old or already-used e-mail link says why it no longer works and what to do instead (decision 0013).
        context = sharing.claim_link_problem_context(award, link)
        return render(request, "public/award_claim_link.html", context, status=410)
    if not holder_may_see(request, award):
        # What a stranger may know of a private badge, as its hosted assertion says it (decision 0010): issued
        # here, which badge, by whom, when, and whether it still verifies. Nothing about who holds it.
        context = {"award": award, "badge": award.badge_class, "issuer": award.issuer}
        context["verification"] = sharing.verification_panel(award)
        response = render(request, "public/award_private.html", context)
        response["Cache-Control"] = "no-store"  # the same URL shows the holder their own data
        return response
    if not _is_holder(request, award):
        award_view_count(award_id=award.pk)  # for the institution's dashboard; the holder's own visits do not count
    response = render(
        request,
        "public/award.html",
        {
            "award": award,
            "badge": award.badge_class,
            "issuer": award.issuer,
            "recipient_name": award_recipient_name(award=award),  # the awarding institution's name for them
            "site": settings.PUBLIC_BASE_URL,
            **sharing.award_page_context(award),
            **sharing.viewer_context(request, award),
        },
    )
    # The learner's page: never in a shared cache (decision 0004), whatever its visibility is at this moment.
    response["Cache-Control"] = "private, no-cache"
    return response


def _assertion_document(public_id: str) -> tuple[int, bytes, str] | None:
    award = (
        Award.objects.filter(public_id=public_id, status__in=[AwardStatus.ISSUED, AwardStatus.REVOKED])
        .only("public_id", "status", "public", "ob2_assertion", "revocation_reason")
        .first()
    )
    if award is None:
        return None
    if award.status == AwardStatus.REVOKED:
        body = {
            "@context": "https://w3id.org/openbadges/v2",
            "id": assertion_url(award),
            "type": "Assertion",
            "revoked": True,
            "revocationReason": award.revocation_reason,
        }
        return 410, json_body(body), ""
    return 200, json_body(documents.ob2_hosted_assertion_published(award)), ""


def assertion_json(request, public_id: str):
    """The hosted assertion (or its 410), from the public cache: the hot path of hosted verification."""
    hit = cached(award_key(public_id), lambda: _assertion_document(public_id))
    if hit is None:
        raise Http404("No such badge.")
    status, body, _type = hit
    return body_response(body, request=request, status=status, cache="assertion")


@require_GET
def award_download(request, public_id: str, filename: str):
    if filename not in DOWNLOADS:
        raise Http404("No such download.")
    award = _award(public_id)
    if award.status == AwardStatus.REVOKED:
        return assertion_json(request, public_id)
    if not holder_may_see(request, award):
        raise Http404("No such badge.")
    # Downloads carry the learner's data: browsers may keep them, shared caches never (decision 0026). A stored bake
    # never changes (a name of its own), so it is immutable and revalidated by its name, without reading the store.
    stored = getattr(award, STORED_DOWNLOADS[filename]) if filename in STORED_DOWNLOADS else None
    if stored:
        etag, cache_control = name_etag(stored.name), f"private, {IMMUTABLE}"
        if if_none_match(request.headers.get("If-None-Match"), etag):
            return not_modified({"ETag": etag, "Cache-Control": cache_control})
        return cacheable(request, render_download(award, filename), etag=etag, cache_control=cache_control)
    response = render_download(award, filename)
    etag = representation_etag(response.content, response["Content-Type"])
    return cacheable(request, response, etag=etag, cache_control="private, no-cache")
