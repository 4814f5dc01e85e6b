"""Check and clean uploaded badge artwork: PNG or SVG by content, size and pixel limits, SVG sanitised.

Plain Python (no Django), so forms, the API and the award pipeline share one rule. OB 2.0 requires badge
images to be PNG or SVG
(https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#BadgeClass); the same artwork is
later baked, so a PNG must also be a clean chunk stream that :mod:`badges.openbadges.baking.png` accepts.

PNG: the pixel size is read from IHDR *before* anything is decoded (a decompression bomb is refused unopened),
then the image is fully decoded by Pillow with its decompression-bomb guard turned into an error; text chunks
holding a baked badge are dropped. SVG: parsed with defusedxml (DOCTYPE, entities and external references
refused), then cleaned by an allowlist (badges/artwork_allowlist.py): elements, attributes and CSS not on it are
cut out of the original bytes, CSS after decoding its escapes and comments; Open Badges elements and namespace
declarations go too, so baking each award starts from clean artwork. The result is judged again and must need no
further cut. Clean artwork keeps every byte.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from badges import artwork_allowlist as allow
from badges.openbadges.baking.errors import BakingError
from badges.openbadges.baking.png import KEYWORD_OB2, KEYWORD_OB3, PNG_SIGNATURE, read_chunks
from badges.openbadges.baking.svg import NAMESPACES as OPENBADGES_SVG_NAMESPACES
from badges.openbadges.baking.svg import PREFIX as OPENBADGES_PREFIX
from badges.openbadges.baking.xmlscan import Attribute, Element, ScanResult, XmlScanError, scan

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

_OPENBADGES_NAMESPACES = frozenset(namespace for namespace, _local in OPENBADGES_SVG_NAMESPACES.values())
_OPENBADGES_KEYWORDS = frozenset({KEYWORD_OB2.lower(), KEYWORD_OB3.lower()})
_TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")
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
    clean = _without_baked_badges(data)
    removed = ("Open Badges data (a baked PNG text chunk)",) if clean != data else ()
    return CleanArtwork("png", clean, width, height, removed)


def _without_baked_badges(data: bytes) -> bytes:
    """The PNG without text chunks named like baked badges ('openbadges', 'openbadgecredential', any case):
    artwork is not a badge, and the pipeline bakes each award's own."""
    cut = []
    for chunk in read_chunks(data):
        if chunk.type in _TEXT_CHUNKS:
            keyword = data[chunk.data_start : min(chunk.data_end, chunk.data_start + 80)].partition(b"\x00")[0]
            if keyword.decode("latin-1").strip().lower() in _OPENBADGES_KEYWORDS:
                cut.append((chunk.start, chunk.end))
    if not cut:
        return data
    out, cursor = [], 0
    for start, end in cut:
        out.append(data[cursor:start])
        cursor = end
    out.append(data[cursor:])
    return b"".join(out)


def _attribute_verdict(element: Element, attr: Attribute) -> tuple[str | None, bytes | None]:
    """Why this attribute of a kept element must go (reason, None), or how it must be rewritten (None, bytes),
    or (None, None) to keep it as written."""
    name, value = attr.name, attr.value
    if name == "xmlns" or name.startswith("xmlns:"):
        prefix = name[6:]
        if value in (allow.SVG_NS, allow.XLINK_NS):
            if prefix == OPENBADGES_PREFIX:  # cutting it would unbind SVG names; baking needs the prefix
                raise ArtworkError(f"the SVG binds the prefix {OPENBADGES_PREFIX!r}, which badge baking reserves")
            return None, None
        if value in _OPENBADGES_NAMESPACES or prefix == OPENBADGES_PREFIX:
            return "Open Badges data (a namespace declaration)", None
        return f"namespace declaration {name} (not SVG)", None
    if attr.prefix:
        namespace = element.nsmap.get(attr.prefix)
        if namespace == allow.XLINK_NS and attr.local == "href":
            if allow.is_local_reference(value, allow_image_data=element.local == "image"):
                return None, None
            return f"non-local {name}", None
        if namespace == allow.XML_NS and attr.local in allow.XML_ATTRIBUTES:
            if allow.attribute_value_ok(f"xml:{attr.local}", value):
                return None, None
            return f"attribute {name} with a value outside the allowlist", None
        return f"attribute {name} (not on the allowlist)", None
    if name not in allow.ATTRIBUTES:
        return f"attribute {name} (not on the allowlist)", None
    if name == "href":
        if allow.is_local_reference(value, allow_image_data=element.local == "image"):
            return None, None
        return "non-local href", None
    if name == "style":
        declarations, changed = allow.css_declarations(value)
        if not changed:
            return None, None
        if not declarations:
            return "style attribute with CSS outside the allowlist", None
        return None, f' style="{_xml_escape(declarations)}"'.encode()
    if not allow.attribute_value_ok(name, value):
        return f"attribute {name} with a value outside the allowlist", None
    return None, None


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _svg_edits(data: bytes, result: ScanResult) -> tuple[list[tuple[int, int, bytes]], list[str]]:
    """The cuts and rewrites that leave only allowlisted content: (start, end, replacement) spans and reasons."""
    edits: list[tuple[int, int, bytes]] = []
    removed: list[str] = []
    dropped: set[int] = set()
    parents = {element.parent for element in result.elements}  # once: a file may hold thousands of elements
    for index, element in enumerate(result.elements):
        if element.parent in dropped:
            dropped.add(index)
            continue
        namespace = element.namespace
        reason = None
        if namespace in _OPENBADGES_NAMESPACES or element.name.startswith(OPENBADGES_PREFIX + ":"):
            reason = "Open Badges data (an element)"
        elif namespace not in (allow.SVG_NS, None):
            reason = f"<{element.name}> element (not SVG)"
        elif element.local not in allow.ELEMENTS:
            reason = f"<{element.name}> element (not on the allowlist)"
        elif element.local == "style" and index in parents:
            reason = "<style> with elements inside"
        if reason:
            dropped.add(index)
            edits.append((element.start, element.end, b""))
            removed.append(reason)
            continue
        for attr in element.attributes:
            reason, rewrite = _attribute_verdict(element, attr)
            if reason:
                edits.append((attr.start, attr.end, b""))
                removed.append(reason)
            elif rewrite is not None:
                edits.append((attr.start, attr.end, rewrite))
                removed.append("CSS outside the allowlist in a style attribute")
        if element.local == "style" and not element.self_closing:
            sheet, changed = allow.css_stylesheet(element.text)
            if changed and not sheet:
                dropped.add(index)
                edits.append((element.start, element.end, b""))
                removed.append("<style> with CSS outside the allowlist")
            elif changed:
                content_end = data.rindex(b"</", element.open_end, element.end)
                edits.append((element.open_end, content_end, _xml_escape(sheet).encode()))
                removed.append("CSS outside the allowlist in <style>")
    for start, end in result.processing_instructions:
        edits.append((start, end, b""))
        removed.append("processing instruction")
    return edits, removed


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


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    out: list[bytes] = []
    cursor = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], -edit[1])):
        if start < cursor:  # inside something already cut (an attribute of a removed element, say)
            continue
        out += (data[cursor:start], replacement)
        cursor = end
    out.append(data[cursor:])
    return b"".join(out)


def _validate_svg(data: bytes, *, strict: bool) -> CleanArtwork:
    try:
        result = scan(data)
    except XmlScanError as exc:
        raise ArtworkError(f"the SVG cannot be accepted: {exc}") from None
    root = result.root
    if root.local != "svg" or root.namespace not in (allow.SVG_NS, None):
        raise ArtworkError(f"the file is XML but not SVG (its root element is <{root.name}>)")
    edits, removed = _svg_edits(data, result)
    if removed and strict:
        raise ArtworkError("the SVG contains unsafe content: " + "; ".join(sorted(set(removed))))
    clean = _apply(data, edits)
    # What is left is judged again from scratch: it must need no edit at all (the allowlist holds on the output,
    # whatever the byte offsets or the rewriting did).
    try:
        rescanned = scan(clean)
        left_over = _svg_edits(clean, rescanned)[1]
    except XmlScanError as exc:
        raise ArtworkError(f"the SVG could not be cleaned safely: {exc}") from None
    if left_over:
        raise ArtworkError("the SVG could not be cleaned safely: " + "; ".join(sorted(set(left_over))))
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
