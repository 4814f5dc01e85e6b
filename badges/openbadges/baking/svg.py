"""Bake and unbake Open Badges in SVG artwork: one namespaced element as the root's first child.

OB 2.0 SVG baking: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html#svg
  ``xmlns:openbadges="http://openbadges.org"``, ``<openbadges:assertion verify="...">``: hosted -> ``verify``
  is the Assertion URL and the body is the Assertion JSON in CDATA; signed -> ``verify`` is the JWS,
  self-closing.
OB 3.0 SVG baking: https://www.imsglobal.org/spec/ob/v3p0/#svg
  ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"``, ``<openbadges:credential>``: VC-JWT -> ``verify``
  attribute and empty body; Data Integrity JSON -> no ``verify``, JSON in CDATA.

The artwork is edited as bytes at offsets found by :mod:`.xmlscan` (defusedxml first), so the rest of the file
is kept exactly; an existing badge element of the same kind is replaced, never duplicated.
"""

from __future__ import annotations

import re
from typing import Literal

from badges.openbadges.baking.errors import BakingError
from badges.openbadges.baking.xmlscan import SVG_NS, Element, ScanResult, XmlScanError, scan

__all__ = [
    "NAMESPACES",
    "BakingError",
    "bake_svg",
    "bake_svg_ob2_hosted",
    "bake_svg_ob2_signed",
    "bake_svg_ob3_json",
    "bake_svg_ob3_jwt",
    "unbake_svg",
]

Version = Literal["ob2", "ob3"]
#: Namespace URI and element local name per spec version.
NAMESPACES: dict[str, tuple[str, str]] = {
    "ob2": ("http://openbadges.org", "assertion"),
    "ob3": ("https://purl.imsglobal.org/ob/v3p0", "credential"),
}
PREFIX = "openbadges"
# Characters XML 1.0 cannot carry at all; "\r" is refused in bodies because parsers turn it into "\n".
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _scan_svg(image: bytes) -> ScanResult:
    if not isinstance(image, (bytes, bytearray, memoryview)):
        raise BakingError(f"expected the SVG as bytes, got {type(image).__name__}")
    try:
        result = scan(bytes(image))
    except XmlScanError as exc:
        raise BakingError(f"unusable SVG: {exc}") from None
    root = result.root
    if root.local != "svg" or root.namespace not in (SVG_NS, None):
        raise BakingError(f"not an SVG document: the root element is <{root.name}>")
    return result


def _badge_elements(result: ScanResult, version: Version) -> list[Element]:
    namespace, local = NAMESPACES[version]
    return [el for el in result.elements if el.depth == 1 and el.local == local and el.namespace == namespace]


def _escape_attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def _cdata(text: str) -> str:
    """Wrap ``text`` in CDATA; a ``]]>`` inside is split across two sections so it round-trips exactly."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _check_text(value: str, *, what: str, allow_cr: bool) -> str:
    if not isinstance(value, str):
        raise BakingError(f"{what} must be a str, got {type(value).__name__}")
    if _XML_ILLEGAL.search(value) or (not allow_cr and "\r" in value):
        raise BakingError(f"{what} contains characters that XML cannot carry unchanged")
    return value


def bake_svg(*, image: bytes, version: Version, verify: str | None = None, body: str | None = None) -> bytes:
    """Return ``image`` with one badge element (``version`` ``"ob2"`` or ``"ob3"``) as the root's first child.

    ``verify`` becomes the ``verify`` attribute, ``body`` the CDATA content. OB 2.0 always needs ``verify``;
    OB 3.0 takes exactly one of the two. Prefer the four ``bake_svg_ob*`` wrappers, which name the spec cases.
    """
    if version not in NAMESPACES:
        raise BakingError(f"unknown baking version {version!r}")
    if version == "ob2" and not verify:
        raise BakingError("OB 2.0 SVG baking needs a verify value (the Assertion URL or the JWS)")
    if version == "ob3" and (verify is None) == (body is None):
        raise BakingError("OB 3.0 SVG baking takes either a JWT (verify) or a JSON credential (body), not both")
    namespace, local = NAMESPACES[version]
    result = _scan_svg(image)
    data = bytes(image)
    root = result.root
    bound = root.nsmap.get(PREFIX)
    if bound is not None and bound != namespace:
        raise BakingError(
            f"the SVG already binds the prefix {PREFIX!r} to {bound!r}; cannot bake a {version} badge into it"
        )

    tag = f"{PREFIX}:{local}"
    parts = [f"<{tag}"]
    if verify is not None:
        parts.append(f' verify="{_escape_attribute(_check_text(verify, what="verify", allow_cr=True))}"')
    if body is not None:
        parts.append(">" + _cdata(_check_text(body, what="baked text", allow_cr=False)) + f"</{tag}>")
    elif version == "ob3":
        parts.append(f"></{tag}>")  # the OB 3.0 examples use an explicit, empty element
    else:
        parts.append("/>")
    new_element = "".join(parts).encode("utf-8")

    name_end = root.start + 1 + len(root.name.encode("utf-8"))
    declaration = b"" if bound == namespace else f' xmlns:{PREFIX}="{namespace}"'.encode("ascii")
    if root.self_closing:
        slash = data.rindex(b"/", root.start, root.open_end)
        head = data[:name_end] + declaration + data[name_end:slash].rstrip() + b">"
        return head + new_element + f"</{root.name}>".encode() + data[root.open_end :]

    out = [data[:name_end], declaration, data[name_end : root.open_end], new_element]
    cursor = root.open_end
    for element in _badge_elements(result, version):
        out.append(data[cursor : element.start])
        cursor = element.end
    out.append(data[cursor:])
    return b"".join(out)


def bake_svg_ob2_hosted(*, image: bytes, assertion_url: str, assertion_json: str) -> bytes:
    """OB 2.0 hosted: ``<openbadges:assertion verify="URL"><![CDATA[JSON]]></openbadges:assertion>``."""
    return bake_svg(image=image, version="ob2", verify=assertion_url, body=assertion_json)


def bake_svg_ob2_signed(*, image: bytes, jws: str) -> bytes:
    """OB 2.0 signed: ``<openbadges:assertion verify="JWS"/>``."""
    return bake_svg(image=image, version="ob2", verify=jws)


def bake_svg_ob3_jwt(*, image: bytes, jwt: str) -> bytes:
    """OB 3.0 VC-JWT: ``<openbadges:credential verify="JWS"></openbadges:credential>``."""
    return bake_svg(image=image, version="ob3", verify=jwt)


def bake_svg_ob3_json(*, image: bytes, credential_json: str) -> bytes:
    """OB 3.0 Data Integrity: ``<openbadges:credential><![CDATA[JSON]]></openbadges:credential>``."""
    return bake_svg(image=image, version="ob3", body=credential_json)


def unbake_svg(*, image: bytes, version: Version) -> str | None:
    """Return the baked text (JSON body if present, else the ``verify`` JWS or URL), or ``None`` if none.

    Only a badge element directly under the root counts. Two of them are refused as ambiguous.
    """
    if version not in NAMESPACES:
        raise BakingError(f"unknown baking version {version!r}")
    found = _badge_elements(_scan_svg(image), version)
    if not found:
        return None
    if len(found) > 1:
        raise BakingError(f"SVG holds {len(found)} baked {version} badges: refusing to guess which one is meant")
    element = found[0]
    body = element.text
    if body.strip():
        return body
    verify = element.attribute("verify")
    if verify is None or not verify.value.strip():
        raise BakingError("the baked SVG element has neither a verify attribute nor a body")
    return verify.value
