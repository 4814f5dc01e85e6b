"""GET /verify/images/<sha256>: a foreign badge's image, checked and kept by badges.verification.images, served
from our origin with a fixed type, no sniffing, the badge-artwork CSP, and no use from other sites."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from badges.views import SVG_CSP

from .images import stored_image


@require_safe
def verify_image(request, digest: str) -> HttpResponse:
    stored = stored_image(digest=digest)
    if stored is None:
        raise Http404("No such image (images of verified badges are kept for a limited time).")
    content_type, data = stored
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SVG_CSP  # as uploaded artwork: an SVG opened directly runs nothing
    response["Cross-Origin-Resource-Policy"] = "same-origin"  # not an image proxy for other sites
    response["Cache-Control"] = f"private, max-age={int(settings.VERIFY_IMAGE_CACHE_SECONDS)}"
    return response
