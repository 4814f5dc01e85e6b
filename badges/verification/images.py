"""The badge's image on a verification result, always from our own origin, never hot-linked (decision 0025).

An image of one of our badge classes is shown by its path here, with no fetch. A foreign image is fetched by the
verification's Fetcher (the safe fetcher, its deadline, VERIFY_IMAGE_MAX_BYTES) or decoded from its data: URI,
passes the checks uploaded artwork passes (badges.artwork: PNG or SVG by content, pixel limits, SVG cleaned by the
allowlist), and is kept in the shared cache under the sha256 of the checked bytes for VERIFY_IMAGE_CACHE_SECONDS,
served at /verify/images/<sha256> (badges.verification.image_views). A visitor's browser so never tells a foreign
server that someone is verifying its badge. Whatever fails leaves the image out; the verdict never changes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from urllib.parse import unquote_to_bytes, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.urls import Resolver404, resolve, reverse

from badges.artwork import ArtworkError, validate_artwork
from badges.openbadges import fetch as safe

from .fetching import Fetcher
from .reports import BadgeReport

log = logging.getLogger(__name__)

CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
_IMAGE_KEY = "laurel:verify-image:"
_SOURCE_KEY = "laurel:verify-image-source:"
_REFUSED = "refused"
# A source that failed a check is not asked again for a minute; one that timed out or could not be reached may be
# asked by the next verification (the failure may have been the deadline of this one, not the server's fault).
_REFUSED_SECONDS = 60
_TRANSIENT = frozenset({"timeout", "connection", "dns"})
_ACCEPT = "image/png, image/svg+xml;q=0.9"
_DIGEST = re.compile(r"[0-9a-f]{64}")
# Only our own badge class images are shown by path: any other path of ours named by a foreign document would make
# the visitor's browser request it with their cookies.
_OWN_IMAGE_VIEWS = frozenset({"badge-class-image"})
_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")
# The checks that say the document is the issuer's own: an image named by an altered or unsigned document is the
# choice of whoever altered it, so it is not shown (a revoked or expired badge is still the issuer's: it is).
_AUTHENTICITY = frozenset({"format", "signature", "hosted", "issuer_key", "origin"})
_PROOFS = frozenset({"signature", "hosted"})


def badge_image(report: BadgeReport, fetcher: Fetcher) -> None:
    """Set ``report.badge["image"]`` to a same-origin path for the badge's image, or leave it out. Never raises."""
    report.badge.pop("image", None)
    source = report.image_source
    if not source or not report.badge or not _authentic(report):
        return
    try:
        shown = _own_image_path(source) if _is_ours(source) else _foreign_image(source, fetcher)
    except Exception:  # noqa: BLE001 — a picture must never turn a verification into an error
        log.warning("Could not show a verified badge's image", exc_info=True)
        shown = None
    if shown:
        report.badge["image"] = shown


def stored_image(*, digest: str) -> tuple[str, bytes] | None:
    """The checked image kept under ``digest`` as (content type, bytes), or None if unknown, malformed or gone."""
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        return None
    stored = cache.get(_IMAGE_KEY + digest)
    if not (isinstance(stored, tuple) and len(stored) == 2 and stored[0] in CONTENT_TYPES):
        return None
    kind, data = stored
    if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != digest:
        return None
    return CONTENT_TYPES[kind], data


def _authentic(report: BadgeReport) -> bool:
    relevant = [check for check in report.checks if check.name in _AUTHENTICITY]
    return all(check.ok for check in relevant) and any(check.name in _PROOFS for check in relevant)


def _is_ours(source: str) -> bool:
    base, parts = urlsplit(settings.PUBLIC_BASE_URL), urlsplit(source)
    return (parts.scheme.lower(), parts.netloc.lower()) == (base.scheme.lower(), base.netloc.lower())


def _own_image_path(url: str) -> str | None:
    """The path of one of our badge class images on this origin, or None for any other URL of ours."""
    parts = urlsplit(url)
    prefix = urlsplit(settings.PUBLIC_BASE_URL).path.rstrip("/")
    path = parts.path
    if not _PATH.fullmatch(path) or path.startswith("//") or not path.startswith(prefix + "/"):
        return None
    try:
        match = resolve(path[len(prefix) :])
    except Resolver404:
        return None
    return path if match.url_name in _OWN_IMAGE_VIEWS else None


def _foreign_image(source: str, fetcher: Fetcher) -> str | None:
    if source[:5].lower() == "data:":
        data = _data_uri_bytes(source)
        return _checked_and_kept(data) if data is not None else None
    source_key = _SOURCE_KEY + hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    known = cache.get(source_key)
    if known == _REFUSED:
        return None
    if isinstance(known, str) and stored_image(digest=known) is not None:
        return reverse("verify-image", args=[known])
    try:
        response = fetcher.get(source, accept=_ACCEPT, max_bytes=int(settings.VERIFY_IMAGE_MAX_BYTES))
    except safe.FetchError as exc:
        if exc.reason not in _TRANSIENT:
            cache.set(source_key, _REFUSED, _REFUSED_SECONDS)
        return None
    shown = _checked_and_kept(response.body) if response.status == 200 else None
    if shown is None:
        cache.set(source_key, _REFUSED, _REFUSED_SECONDS)
    else:
        cache.set(source_key, shown.rsplit("/", 1)[-1], int(settings.VERIFY_IMAGE_CACHE_SECONDS))
    return shown


def _data_uri_bytes(uri: str) -> bytes | None:
    """The bytes of a ``data:`` URI (RFC 2397), whatever media type it declares (the bytes decide), or None."""
    header, comma, payload = uri[5:].partition(",")
    limit = int(settings.VERIFY_IMAGE_MAX_BYTES)
    if not comma or len(payload) > limit * 4 // 3 + 1024:  # base64 grows by a third; refuse before decoding
        return None
    if header.lower().endswith(";base64"):
        try:
            return base64.b64decode("".join(payload.split()), validate=True)
        except (binascii.Error, ValueError):
            return None
    try:
        return unquote_to_bytes(payload)
    except UnicodeEncodeError:  # a lone surrogate, which no byte sequence spells
        return None


def _checked_and_kept(data: bytes) -> str | None:
    """Check ``data`` as uploaded artwork is checked, keep what passes, and return its same-origin path."""
    try:
        artwork = validate_artwork(data=data, max_bytes=int(settings.VERIFY_IMAGE_MAX_BYTES))
    except ArtworkError:
        return None
    digest = hashlib.sha256(artwork.data).hexdigest()
    cache.set(_IMAGE_KEY + digest, (artwork.kind, artwork.data), int(settings.VERIFY_IMAGE_CACHE_SECONDS))
    return reverse("verify-image", args=[digest])
