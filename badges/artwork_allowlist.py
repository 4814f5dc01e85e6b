"""What uploaded SVG artwork may contain: the allowlisted SVG elements, attributes and CSS, and the CSS sanitiser.

Plain Python (no Django), used by :mod:`badges.artwork`. The subset is the static part of SVG 1.1 / SVG Tiny that
badge artwork needs: shapes, text, paint servers, clipping and masking, local ``<use>``, filters, embedded PNG/JPEG.
Nothing that runs (script, handlers, animation), fetches (foreign ``href``, ``url()``, ``@import``) or leaves SVG
(``foreignObject``, other namespaces) is on it. CSS is judged after its escapes and comments are decoded, as the
browser decodes them: ``@\\69mport`` is ``@import`` and ``u\\72l(`` is ``url(``. Decision 0008.
"""

from __future__ import annotations

import re

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

#: SVG elements, by exact (case-sensitive) local name in the SVG namespace.
ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "title", "desc", "symbol", "use", "image", "a", "style", "switch",
        "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "textPath",
        "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker",
        "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
        "feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA",
        "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology", "feOffset",
        "fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence",
    }
)  # fmt: skip

#: CSS properties allowed in ``style`` attributes and ``<style>``; the same names are presentation attributes.
CSS_PROPERTIES = frozenset(
    {
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
        "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "opacity", "color",
        "stop-color", "stop-opacity", "flood-color", "flood-opacity", "lighting-color", "paint-order",
        "clip-path", "clip-rule", "mask", "filter", "marker", "marker-start", "marker-mid", "marker-end",
        "font", "font-family", "font-size", "font-size-adjust", "font-stretch", "font-style", "font-variant",
        "font-weight", "letter-spacing", "word-spacing", "text-anchor", "text-decoration", "text-rendering",
        "dominant-baseline", "alignment-baseline", "baseline-shift", "writing-mode", "direction",
        "unicode-bidi", "line-height", "white-space", "display", "visibility", "overflow", "transform",
        "transform-origin", "transform-box", "shape-rendering", "image-rendering", "color-interpolation",
        "color-interpolation-filters", "color-rendering", "vector-effect", "mix-blend-mode", "isolation",
        "enable-background",
    }
)  # fmt: skip

#: Unprefixed attributes (besides the presentation attributes above).
ATTRIBUTES = frozenset(
    {
        "id", "class", "style", "lang", "version", "baseProfile", "viewBox", "preserveAspectRatio", "x", "y",
        "width", "height", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr", "d", "points",
        "pathLength", "offset", "href", "gradientUnits", "gradientTransform", "spreadMethod", "patternUnits",
        "patternContentUnits", "patternTransform", "clipPathUnits", "maskUnits", "maskContentUnits",
        "markerUnits", "markerWidth", "markerHeight", "refX", "refY", "orient", "dx", "dy", "rotate",
        "textLength", "lengthAdjust", "startOffset", "method", "spacing", "side", "type", "role",
        "aria-label", "aria-labelledby", "aria-describedby", "aria-hidden", "focusable",
        "filterUnits", "primitiveUnits", "in", "in2", "result", "stdDeviation", "mode", "operator", "k1", "k2",
        "k3", "k4", "values", "tableValues", "slope", "intercept", "amplitude", "exponent", "scale",
        "xChannelSelector", "yChannelSelector", "baseFrequency", "numOctaves", "seed", "stitchTiles",
        "radius", "order", "kernelMatrix", "divisor", "bias", "targetX", "targetY", "edgeMode",
        "preserveAlpha", "surfaceScale", "diffuseConstant", "specularConstant", "specularExponent",
        "kernelUnitLength", "azimuth", "elevation", "z", "pointsAtX", "pointsAtY", "pointsAtZ",
        "limitingConeAngle", "requiredFeatures", "systemLanguage",
    }
) | CSS_PROPERTIES  # fmt: skip

#: Free text, never parsed as a URL or CSS.
TEXT_ATTRIBUTES = frozenset({"aria-label", "systemLanguage", "lang"})
#: Attributes in the xml: namespace that may stay (``xml:base`` may not: it re-roots every relative reference).
XML_ATTRIBUTES = frozenset({"space", "lang"})
#: CSS functions a value may call; ``url()`` only with a local ``#id``.
CSS_FUNCTIONS = frozenset(
    {"url", "rgb", "rgba", "hsl", "hsla", "translate", "translatex", "translatey", "scale", "scalex", "scaley",
     "rotate", "skewx", "skewy", "matrix"}
)  # fmt: skip

_ID = re.compile(r"^[A-Za-z_][\w.-]*$")
_CLASS = re.compile(r"^[\w\s-]*$")
_LANGUAGE = re.compile(r"^[A-Za-z0-9-]*$")
_LOCAL_REFERENCE = re.compile(r"^#[A-Za-z_][\w.-]*$")
_SAFE_DATA_URI = re.compile(r"^data:image/(?:png|jpeg);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
# What a CSS value or presentation attribute may be made of: no backslash, @, <, >, braces, semicolon or colon
# (so no scheme, no escape, no rule), no "//" (no network-path reference), and only the functions above.
_VALUE_CHARACTERS = re.compile(r"^[\w\s#%.,()+\-/'\"!]*$")
_FUNCTION = re.compile(r"([A-Za-z_-][\w-]*)\s*\(")
_URL = re.compile(r"url\(\s*(['\"]?)([^'\")]*)\1\s*\)", re.IGNORECASE)
_SELECTOR = re.compile(r"^[\w\s.#,>+~*:()-]+$")
_HEX = frozenset("0123456789abcdefABCDEF")


def is_local_reference(value: str, *, allow_image_data: bool = False) -> bool:
    """``#id`` (a fragment of this document), or, for ``<image>``, a base64 PNG or JPEG data URI."""
    value = value.strip()
    return bool(_LOCAL_REFERENCE.match(value)) or (allow_image_data and bool(_SAFE_DATA_URI.match(value)))


def css_decode(text: str) -> str:
    """CSS text as the browser's tokenizer reads it: comments removed, escapes decoded (CSS Syntax 3, 4.3)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "/" and text.startswith("*", i + 1):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if char == "\\":
            i += 1
            if i >= n:
                out.append("\ufffd")
                break
            if text[i] in "\n\r\f":  # an escaped newline (a continuation in strings): nothing
                i += 2 if text.startswith("\r\n", i) else 1
                continue
            if text[i] in _HEX:
                j = i
                while j < n and j - i < 6 and text[j] in _HEX:
                    j += 1
                code = int(text[i:j], 16)
                out.append(chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd")
                i = j
                if text.startswith("\r\n", i):
                    i += 2
                elif i < n and text[i] in " \t\n\r\f":
                    i += 1
                continue
            out.append(text[i])
            i += 1
            continue
        out.append("\ufffd" if char == "\x00" else char)
        i += 1
    return "".join(out)


def css_value_ok(value: str) -> bool:
    """A decoded CSS value (or presentation attribute) that can neither fetch nor run anything."""
    if not _VALUE_CHARACTERS.match(value) or "//" in value or value.count("'") % 2 or value.count('"') % 2:
        return False
    if any(name.lower() not in CSS_FUNCTIONS for name in _FUNCTION.findall(value)):
        return False
    urls = list(_URL.finditer(value))
    if len(urls) != value.lower().count("url("):
        return False  # a url( the pattern did not parse
    return all(_LOCAL_REFERENCE.match(url.group(2).strip()) for url in urls)


def attribute_value_ok(name: str, value: str) -> bool:
    """The value of an allowlisted, unprefixed attribute other than ``href`` and ``style``."""
    if name in TEXT_ATTRIBUTES:
        return True
    if name == "xml:space":
        return value in ("default", "preserve")
    if name == "xml:lang":
        return bool(_LANGUAGE.match(value))
    if name == "id":
        return bool(_ID.match(value))
    if name == "class":
        return bool(_CLASS.match(value))
    return css_value_ok(value)  # raw: a backslash or comment is refused outright, so nothing is left to decode


def css_declarations(text: str) -> tuple[str, bool]:
    """Sanitise a declaration list (a ``style`` attribute or a rule's body). Returns the kept declarations as
    ``prop:value;…`` and whether anything was dropped or decoded (if not, the original text may stay)."""
    decoded = css_decode(text)
    changed = decoded != text
    kept: list[str] = []
    for declaration in decoded.split(";"):
        if not declaration.strip():
            continue
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        bare = value[: -len("!important")].rstrip() if value.lower().endswith("!important") else value
        if colon and name in CSS_PROPERTIES and bare and "!" not in bare and css_value_ok(bare):
            kept.append(f"{name}:{value}")
        else:
            changed = True
    return ";".join(kept), changed


def _block_end(text: str, start: int) -> int:
    """Index just past the ``}`` closing the block opened at ``start`` (balanced), or ``len(text)``."""
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def css_stylesheet(text: str) -> tuple[str, bool]:
    """Sanitise a ``<style>`` sheet: no @-rule at all (@import, @font-face, @namespace...), plain selectors, and
    allowlisted declarations. Returns the rebuilt sheet and whether it differs from the original."""
    decoded = css_decode(text)
    changed = decoded != text
    rules: list[str] = []
    i, n = 0, len(decoded)
    while i < n:
        if decoded[i].isspace():
            i += 1
            continue
        if decoded[i] == "@":  # the whole at-rule, statement or block
            changed = True
            semicolon = decoded.find(";", i)
            brace = decoded.find("{", i, n if semicolon < 0 else semicolon)  # bounded: linear on "@;@;@;..."
            statement_end = n if semicolon < 0 else semicolon + 1
            i = _block_end(decoded, brace) if brace >= 0 else statement_end
            continue
        brace = decoded.find("{", i)
        if brace < 0:
            changed = True
            break
        end = _block_end(decoded, brace)
        selector, body = decoded[i:brace].strip(), decoded[brace + 1 : end - 1]
        i = end
        if not _SELECTOR.match(selector) or "{" in body or decoded[end - 1 : end] != "}":
            changed = True
            continue
        declarations, dropped = css_declarations(body)
        changed = changed or dropped
        if declarations:
            rules.append(f"{selector}{{{declarations}}}")
        else:
            changed = True
    return "\n".join(rules), changed
