"""Safe, offset-preserving XML scanning for SVG baking and artwork sanitising.

The document is first parsed by ``defusedxml`` (DTDs, entity declarations and external references refused, so
billion-laughs and XXE never expand), then scanned once more with ``pyexpat`` to record each element's byte
span, start-tag span, attributes (raw names, decoded values, raw spans), namespace scope and direct text.
Callers edit the original bytes by spans, so everything they do not touch stays byte-for-byte as the author
wrote it.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

__all__ = ["SVG_NS", "Attribute", "Element", "ScanResult", "XmlScanError", "scan"]

SVG_NS = "http://www.w3.org/2000/svg"
XMLNS_XML = "http://www.w3.org/XML/1998/namespace"
_START_TAG = re.compile(rb"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")
_ATTRIBUTE = re.compile(rb"""\s+([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_ALLOWED_ENCODINGS = {None, "utf-8", "utf8", "us-ascii", "ascii"}


class XmlScanError(ValueError):
    """The bytes are not a well-formed, DTD-free, UTF-8 XML document."""


@dataclass(slots=True)
class Attribute:
    """An attribute: raw qname, decoded value, byte span of `` name="value"`` (leading space included)."""

    name: str
    value: str
    start: int
    end: int

    @property
    def local(self) -> str:
        return self.name.rpartition(":")[2]

    @property
    def prefix(self) -> str:
        return self.name.partition(":")[0] if ":" in self.name else ""


@dataclass(slots=True)
class Element:
    """An element: raw qname, depth (root = 0), byte spans, in-scope namespaces and its direct text."""

    name: str
    depth: int
    start: int
    open_end: int
    self_closing: bool
    nsmap: dict[str, str]
    attributes: list[Attribute]
    parent: int | None
    end: int = -1
    text_parts: list[str] = field(default_factory=list)

    @property
    def local(self) -> str:
        return self.name.rpartition(":")[2]

    @property
    def namespace(self) -> str | None:
        prefix = self.name.partition(":")[0] if ":" in self.name else ""
        return self.nsmap.get(prefix)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def attribute(self, local: str, namespace: str | None = None) -> Attribute | None:
        """The attribute with this local name (and, for a prefixed one, this namespace URI), if any."""
        for attr in self.attributes:
            if attr.local != local or attr.name.startswith("xmlns"):
                continue
            attr_ns = self.nsmap.get(attr.prefix) if attr.prefix else None
            if attr_ns == namespace:
                return attr
        return None


@dataclass(slots=True)
class ScanResult:
    """Every element in document order (``elements[0]`` is the root) and processing-instruction spans."""

    elements: list[Element]
    processing_instructions: list[tuple[int, int]]

    @property
    def root(self) -> Element:
        return self.elements[0]


def _gate(data: bytes) -> None:
    """Parse with defusedxml only to refuse DTDs, entities and external references before anything else."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4]:
        raise XmlScanError("XML must be UTF-8 encoded (UTF-16 is not accepted)")
    try:
        safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise XmlScanError(
            f"XML with a DOCTYPE, entity declarations or external references is refused ({exc})"
        ) from None
    except ParseError as exc:
        raise XmlScanError(f"not well-formed XML: {exc}") from None
    except (ValueError, UnicodeError, LookupError) as exc:
        raise XmlScanError(f"unreadable XML: {exc}") from None


def scan(data: bytes) -> ScanResult:
    """Scan ``data`` (after the defusedxml gate) and return its elements with byte offsets.

    Raises :class:`XmlScanError` for malformed XML, a DTD or entity, or an encoding other than UTF-8/ASCII.
    """
    _gate(data)
    elements: list[Element] = []
    stack: list[int] = []
    pis: list[tuple[int, int]] = []
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    parser.buffer_text = False

    def refuse(*_args: object) -> None:
        raise XmlScanError("XML with a DOCTYPE or entity declarations is refused")

    def on_decl(_version: str | None, encoding: str | None, _standalone: int) -> None:
        if (encoding.lower() if encoding else None) not in _ALLOWED_ENCODINGS:
            raise XmlScanError(f"XML must be UTF-8 encoded, this one declares {encoding!r}")

    def on_start(name: str, flat: list[str]) -> None:
        start = parser.CurrentByteIndex
        match = _START_TAG.match(data, start)
        if match is None:  # pragma: no cover - expat accepted it, so the regex must too
            raise XmlScanError(f"could not locate the start tag of <{name}> at byte {start}")
        open_end = match.end()
        raw_spans = {
            m.group(1).decode("utf-8"): (m.start(), m.end()) for m in _ATTRIBUTE.finditer(data, start, open_end)
        }
        attributes = []
        for index in range(0, len(flat), 2):
            attr_name, value = flat[index], flat[index + 1]
            span = raw_spans.get(attr_name, (open_end, open_end))
            attributes.append(Attribute(attr_name, value, span[0], span[1]))
        parent = stack[-1] if stack else None
        nsmap = dict(elements[parent].nsmap) if parent is not None else {"xml": XMLNS_XML}
        for attr in attributes:
            if attr.name == "xmlns":
                nsmap[""] = attr.value
            elif attr.name.startswith("xmlns:"):
                nsmap[attr.name[6:]] = attr.value
        self_closing = data[open_end - 2 : open_end - 1] == b"/"
        elements.append(Element(name, len(stack), start, open_end, self_closing, nsmap, attributes, parent))
        stack.append(len(elements) - 1)

    def on_end(_name: str) -> None:
        element = elements[stack.pop()]
        if element.self_closing:
            element.end = element.open_end
        else:
            element.end = data.index(b">", parser.CurrentByteIndex) + 1

    def on_text(text: str) -> None:
        if stack:
            elements[stack[-1]].text_parts.append(text)

    def on_pi(_target: str, _data: str) -> None:
        start = parser.CurrentByteIndex
        pis.append((start, data.index(b"?>", start) + 2))

    parser.XmlDeclHandler = on_decl
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    parser.CharacterDataHandler = on_text
    parser.ProcessingInstructionHandler = on_pi
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlScanError(f"not well-formed XML: {exc}") from None
    except (ValueError, UnicodeError, LookupError) as exc:
        if isinstance(exc, XmlScanError):
            raise
        raise XmlScanError(f"unreadable XML: {exc}") from None
    if not elements:
        raise XmlScanError("XML document has no root element")
    return ScanResult(elements, pis)
