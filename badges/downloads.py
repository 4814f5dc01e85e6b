"""Each award's downloads. The default PNG/SVG were baked and stored by the pipeline; other variants are baked
on request from the stored, signed documents (baking only inserts a chunk or an element, so it costs microseconds).
"""

from django.http import Http404, HttpResponse
from django.utils.text import slugify

from badges.openbadges.baking import png, svg

from .documents import json_text
from .issuing import OB2_KEYWORD, OB3_KEYWORD
from .models import Award


def _artwork(award: Award) -> bytes:
    with award.badge_class.image.open("rb") as handle:
        return handle.read()


def _stored(field) -> bytes:
    with field.open("rb") as handle:
        return handle.read()


def _png_hosted(award: Award) -> bytes:
    baked = png.bake_png(image=_artwork(award), keyword=OB2_KEYWORD, text=json_text(award.ob2_assertion))
    return png.bake_png(image=baked, keyword=OB3_KEYWORD, text=json_text(award.ob3_credential))


def _svg_hosted(award: Award) -> bytes:
    return svg.bake_svg_ob2_hosted(
        image=_artwork(award), assertion_url=award.ob2_assertion["id"], assertion_json=json_text(award.ob2_assertion)
    )


def _svg_ob3(award: Award) -> bytes:
    return svg.bake_svg_ob3_json(image=_artwork(award), credential_json=json_text(award.ob3_credential))


def _svg_ob3_jwt(award: Award) -> bytes:
    return svg.bake_svg_ob3_jwt(image=_artwork(award), jwt=award.ob3_jwt)


# filename -> (content type, producer, needs SVG artwork)
DOWNLOADS = {
    "badge.png": ("image/png", lambda a: _stored(a.baked_png), False),
    "badge-hosted.png": ("image/png", _png_hosted, False),
    "badge.svg": ("image/svg+xml", lambda a: _stored(a.baked_svg), True),
    "badge-hosted.svg": ("image/svg+xml", _svg_hosted, True),
    "badge-ob3.svg": ("image/svg+xml", _svg_ob3, True),
    "badge-ob3-jwt.svg": ("image/svg+xml", _svg_ob3_jwt, True),
    "credential.json": ("application/vc+ld+json", lambda a: json_text(a.ob3_credential).encode(), False),
    "credential.jwt": ("text/plain", lambda a: a.ob3_jwt.encode(), False),
    "assertion.jws": ("text/plain", lambda a: a.ob2_jws.encode(), False),
}


def render_download(award: Award, filename: str) -> HttpResponse:
    content_type, produce, needs_svg = DOWNLOADS[filename]
    has_svg = bool(award.baked_svg)
    if needs_svg != has_svg and filename.endswith((".png", ".svg")):
        raise Http404("This badge's artwork is not available in that format.")
    response = HttpResponse(produce(award), content_type=content_type)
    stem = slugify(award.badge_class.name) or "badge"
    response["Content-Disposition"] = f'attachment; filename="{stem}-{filename}"'
    if content_type == "image/svg+xml":
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return response
