"""Check and clean uploaded badge artwork: PNG or SVG by content, size and pixel limits, SVG sanitised.

Plain Python (no Django), so forms, the API and the award pipeline share one rule. OB 2.0 requires badge
images to be PNG or SVG
(https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#BadgeClass); the same artwork is
later baked, so a PNG must also be a clean chunk stream that :mod:`badges.openbadges.baking.png` accepts.

PNG: the pixel size is read from IHDR *before* anything is decoded (a decompression bomb is refused unopened),
then the image is fully decoded by Pillow with its decompression-bomb guard turned into an error. SVG: parsed
with defusedxml (DOCTYPE, entities and external references refused); scripts, ``foreignObject``, event
handlers, non-local links and styles, and processing instructions are cut out of the original bytes;
everything else is kept.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from badges.openbadges.baking.errors import BakingError
from badges.openbadges.baking.png import PNG_SIGNATURE, read_chunks
from badges.openbadges.baking.xmlscan import SVG_NS, Element, ScanResult, XmlScanError, scan

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_HEIGHT",
    "DEFAULT_MAX_WIDTH",
    "ArtworkError",
    "CleanArtwork",
    "validate_artwork",
]

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_WIDTH = 4096
DEFAULT_MAX_HEIGHT = 4096

_DANGEROUS_ELEMENTS = {"script", "foreignobject", "handler", "listener", "iframe", "embed", "object", "frame"}
_ANIMATIONS = {"set", "animate", "animatemotion", "animatetransform", "animatecolor"}
_SAFE_DATA_URI = re.compile(r"^data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
_URL_FUNCTION = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_SCRIPTY = re.compile(r"javascript:|vbscript:|expression\s*\(|@import|behavior\s*:", re.IGNORECASE)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")
_SIGNATURES = {
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"RIFF": "a RIFF (WebP?) file",
    b"BM": "a BMP image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive",
}


class ArtworkError(ValueError):
    """Artwork that cannot be used as a badge image; the message is meant for the person who uploaded it."""


@dataclass(frozen=True, slots=True)
class CleanArtwork:
    """Accepted artwork: the original PNG or the sanitised SVG; an SVG's size may be unknown (None)."""

    kind: Literal["png", "svg"]
    data: bytes
    width: int | None
    height: int | None
    removed: tuple[str, ...] = ()


def _name(filename: str | None) -> str:
    return f" ({filename})" if filename else ""


def _validate_png(data: bytes, *, max_width: int, max_height: int) -> CleanArtwork:
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise ArtworkError("the PNG is damaged: it does not start with an IHDR header")
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    if width == 0 or height == 0:
        raise ArtworkError("the PNG declares a zero width or height")
    if width > max_width or height > max_height:
        raise ArtworkError(f"the PNG is {width}x{height} pixels; the largest accepted is {max_width}x{max_height}")
    try:
        read_chunks(data)
    except BakingError as exc:
        raise ArtworkError(f"the PNG is damaged: {exc}") from None
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and width * height > limit:
        raise ArtworkError(f"the PNG has {width * height} pixels, more than the decoder allows ({limit})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as img:
                if img.size != (width, height):
                    raise ArtworkError("the PNG's decoded size differs from its header")
                img.load()
    except ArtworkError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ArtworkError(f"the PNG is a decompression bomb: {exc}") from None
    except Exception as exc:  # Pillow raises many types (OSError, SyntaxError, ValueError, zlib.error...)
        raise ArtworkError(f"the PNG cannot be decoded: {exc}") from None
    return CleanArtwork("png", data, width, height)


def _is_local_reference(value: str) -> bool:
    value = value.strip()
    return value.startswith("#") or bool(_SAFE_DATA_URI.match(value))


def _has_foreign_url(value: str) -> bool:
    return any(not match.group(2).strip().startswith("#") for match in _URL_FUNCTION.finditer(value))


def _element_is_dangerous(element: Element) -> str | None:
    local = element.local.lower()
    if local in _DANGEROUS_ELEMENTS:
        return f"<{element.local}> element"
    if local in _ANIMATIONS:
        target = element.attribute("attributeName")
        name = target.value.strip().rpartition(":")[2].lower() if target else ""
        if name == "href" or name.startswith("on"):
            return f"<{element.local}> animating {name}"
    if local == "style" and (_SCRIPTY.search(element.text) or _has_foreign_url(element.text)):
        return "<style> with @import, scripting or non-local url()"
    return None


def _attribute_is_dangerous(name: str, local: str, value: str) -> str | None:
    lowered = local.lower()
    if name.startswith("xmlns"):
        return None
    if lowered.startswith("on"):
        return f"event handler attribute {name}"
    if lowered == "href" and not _is_local_reference(value):
        return f"non-local {name}"
    if name == "xml:base":
        return "xml:base attribute"
    if _SCRIPTY.search(value) or _has_foreign_url(value):
        return f"attribute {name} with scripting or a non-local url()"
    return None


def _svg_size(root: Element) -> tuple[int | None, int | None]:
    def length(attr_name: str) -> float | None:
        attr = root.attribute(attr_name)
        match = _LENGTH.match(attr.value) if attr else None
        return float(match.group(1)) if match else None

    width, height = length("width"), length("height")
    view_box = root.attribute("viewBox")
    if (width is None or height is None) and view_box is not None:
        parts = view_box.value.replace(",", " ").split()
        if len(parts) == 4:
            try:
                width = width if width is not None else float(parts[2])
                height = height if height is not None else float(parts[3])
            except ValueError:
                pass
    return (round(width) if width else None, round(height) if height else None)


def _sanitize_svg(data: bytes, result: ScanResult) -> tuple[bytes, list[str]]:
    spans: list[tuple[int, int]] = []
    removed: list[str] = []
    for element in result.elements:
        reason = _element_is_dangerous(element)
        if reason:
            spans.append((element.start, element.end))
            removed.append(reason)
            continue
        for attr in element.attributes:
            reason = _attribute_is_dangerous(attr.name, attr.local, attr.value)
            if reason:
                spans.append((attr.start, attr.end))
                removed.append(reason)
    for start, end in result.processing_instructions:
        spans.append((start, end))
        removed.append("processing instruction")
    if not spans:
        return data, removed
    out: list[bytes] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor:  # inside something already cut (an attribute of a removed element, say)
            cursor = max(cursor, end)
            continue
        out.append(data[cursor:start])
        cursor = end
    out.append(data[cursor:])
    return b"".join(out), removed


def _validate_svg(data: bytes, *, strict: bool) -> CleanArtwork:
    try:
        result = scan(data)
    except XmlScanError as exc:
        raise ArtworkError(f"the SVG cannot be accepted: {exc}") from None
    root = result.root
    if root.local != "svg" or root.namespace not in (SVG_NS, None):
        raise ArtworkError(f"the file is XML but not SVG (its root element is <{root.name}>)")
    clean, removed = _sanitize_svg(data, result)
    if removed and strict:
        raise ArtworkError("the SVG contains unsafe content: " + "; ".join(sorted(set(removed))))
    try:
        rescanned = scan(clean)
    except XmlScanError as exc:  # pragma: no cover - cutting whole elements/attributes keeps XML well-formed
        raise ArtworkError(f"the SVG could not be cleaned safely: {exc}") from None
    width, height = _svg_size(rescanned.root)
    return CleanArtwork("svg", clean, width, height, tuple(removed))


def _looks_like_xml(data: bytes) -> bool:
    head = data[:512].removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"<")


def validate_artwork(
    *,
    data: bytes,
    filename: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_width: int = DEFAULT_MAX_WIDTH,
    max_height: int = DEFAULT_MAX_HEIGHT,
    strict: bool = False,
) -> CleanArtwork:
    """Return :class:`CleanArtwork` for PNG or SVG ``data``, or raise :class:`ArtworkError` saying why not.

    The kind is decided by content only; ``filename`` appears in messages. With ``strict=True`` an SVG that
    would need cleaning is refused instead of cleaned (``CleanArtwork.removed`` lists what cleaning cut).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ArtworkError(f"artwork must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise ArtworkError(f"the file{_name(filename)} is empty")
    if len(data) > max_bytes:
        raise ArtworkError(f"the file{_name(filename)} is {len(data)} bytes; the limit is {max_bytes} bytes")
    if data.startswith(PNG_SIGNATURE):
        return _validate_png(data, max_width=max_width, max_height=max_height)
    for signature, description in _SIGNATURES.items():
        if data.startswith(signature):
            raise ArtworkError(f"the file{_name(filename)} is {description}; badge artwork must be PNG or SVG")
    if _looks_like_xml(data):
        return _validate_svg(data, strict=strict)
    raise ArtworkError(f"the file{_name(filename)} is neither a PNG nor an SVG image")
