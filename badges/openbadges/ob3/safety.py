"""Refuses JSON-LD documents whose signature other verifiers would compute differently ("safe mode" for pyld).

Verifiers such as the DCC verifier (jsonld.js) canonicalize in JSON-LD *safe mode*
(https://github.com/digitalbazaar/jsonld.js#safe-mode) and reject a document with a term no context defines.
pyld 3.3 has no safe mode: it silently drops such terms, turns an undefined ``type`` into a relative IRI
resolved against ``http://example.org/base/``, and signs what remains. A badge signed like that is rejected by
wallets, and a verifier that accepts it would display text the signature does not cover. This module detects
all of that:

- :func:`json_problems` — checks on the JSON itself: ``@context`` only as URL strings; no ``null`` values
  (JSON-LD drops them); no C0 control characters other than TAB/LF/CR and no DEL (RDFC-1.0 and N-Quads
  serializers escape them differently, https://www.w3.org/TR/rdf-canon/#canonical-quads); ``statusListIndex``
  a decimal string (Bitstring Status List §2.1 — an integer becomes an ``xsd:integer`` literal and changes the
  hash).
- :func:`expand_checked` — JSON-LD expansion (https://www.w3.org/TR/json-ld11-api/#expansion-algorithm) with a
  sentinel ``@vocab`` and a sentinel base IRI. A property or type that no context defines expands under the
  sentinel vocabulary instead of vanishing, and a relative IRI resolves under the sentinel base, so both are
  found by scanning the output. With neither present, the sentinels changed nothing and the expansion is the
  document's real one, ready to canonicalize.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from badges.openbadges.loader import known_context_urls
from badges.openbadges.ob3.processor import expand, stable_context

__all__ = ["UnsafeDocumentError", "assert_signable", "expand_checked", "json_problems"]

_SENTINEL_VOCAB = "urn:laurel:undefined-term:"
_SENTINEL_BASE = "https://relative-iri.laurel.invalid/"
_SENTINEL_CONTEXT = stable_context({"@vocab": _SENTINEL_VOCAB})
_FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DECIMAL = re.compile(r"(0|[1-9][0-9]*)\Z")
# In json.dumps output: an escaped forbidden control character (\b, \f, \u0000-\u0008, \u000b, \u000e-\u001f),
# a raw DEL, a null, or a non-finite number.
_SUSPECT = re.compile(r"\\u00(?:0[0-8bBeEfF]|1[0-9a-fA-F])|\\[bf]|\x7f|[:\[,] ?null\b|NaN|Infinity")
_STATUS_INDEX_KEY = re.compile(r'"statusListIndex":')
_STATUS_INDEX_OK = re.compile(r'"statusListIndex": "(?:0|[1-9][0-9]*)"')


class UnsafeDocumentError(ValueError):
    """The document would be signed or read differently by other JSON-LD processors; ``problems`` lists
    why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("Refusing unsafe JSON-LD document: " + "; ".join(self.problems))


def _walk(node: Any, path: str) -> Iterator[tuple[str, str | None, Any]]:
    """Yield (path, key, value) for every member of every object, depth first."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield f"{path}.{key}", key, value
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield f"{path}[{i}]", None, item
            yield from _walk(item, f"{path}[{i}]")


def _context_problems(path: str, value: Any) -> list[str]:
    entries = value if isinstance(value, list) else [value]
    if not entries or not all(isinstance(e, str) for e in entries):
        return [f"{path} must be a context URL or a list of context URLs (inline or null contexts are not accepted)"]
    known = known_context_urls()
    return [
        f"{path}: context {e!r} is not available offline (Laurel never fetches contexts)"
        for e in entries
        if e not in known
    ]


def _all_context_problems(document: Mapping[str, Any], text: str | None = None) -> list[str]:
    problems = [] if "@context" in document else ["document has no @context"]
    problems += _context_problems("$.@context", document.get("@context", []))
    if text is not None and text.count('"@context":') <= 1:
        return problems  # no nested @context anywhere: skip the walk
    for path, key, value in _walk({k: v for k, v in document.items() if k != "@context"}, "$"):
        if key == "@context":
            problems.extend(_context_problems(path, value))
    return problems


def _as_json(document: Any) -> str | None:
    try:
        return json.dumps(document, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        return None


def _looks_clean(text: str) -> bool:
    """Fast screen on the serialized JSON; False only means "look closer" (false alarms are fine, misses not)."""
    if _SUSPECT.search(text):
        return False
    return len(_STATUS_INDEX_KEY.findall(text)) == len(_STATUS_INDEX_OK.findall(text))


def json_problems(document: Mapping[str, Any]) -> list[str]:
    """Problems visible in the JSON alone (no JSON-LD processing); an empty list means none."""
    if not isinstance(document, Mapping):
        return ["document must be a JSON object"]
    text = _as_json(document)
    if text is None:
        return ["document is not plain JSON (only objects, arrays, strings, numbers and booleans)"]
    problems = _all_context_problems(document, text)
    if _looks_clean(text):
        return problems
    for path, key, value in _walk(document, "$"):
        if key is not None and _FORBIDDEN_CHARS.search(key):
            problems.append(f"{path}: property name contains a control character")
        if value is None:
            problems.append(f"{path} is null (JSON-LD would drop it; omit the property instead)")
        elif isinstance(value, str) and _FORBIDDEN_CHARS.search(value):
            char = _FORBIDDEN_CHARS.search(value).group()  # type: ignore[union-attr]
            problems.append(f"{path} contains control character U+{ord(char):04X}")
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{path} is not a finite number")
        if key == "statusListIndex" and not (isinstance(value, str) and _DECIMAL.match(value)):
            problems.append(f'{path} must be a decimal string such as "94567", not {value!r}')
    return problems


def _expanded_problems(expanded: Any) -> list[str]:
    text = json.dumps(expanded, ensure_ascii=False)
    if _SENTINEL_VOCAB not in text and _SENTINEL_BASE not in text:
        return []
    problems: list[str] = []
    for _path, key, value in _walk(expanded, "$"):
        if key is None:
            continue
        if key.startswith(_SENTINEL_VOCAB):
            problems.append(f"property {key[len(_SENTINEL_VOCAB) :]!r} is not defined by any @context")
        elif key == "@value":
            continue
        elif key in {"@type", "@id"}:
            for iri in value if isinstance(value, list) else [value]:
                if not isinstance(iri, str):
                    continue
                if iri.startswith(_SENTINEL_VOCAB):
                    problems.append(f"type {iri[len(_SENTINEL_VOCAB) :]!r} is not defined by any @context")
                elif iri.startswith(_SENTINEL_BASE):
                    problems.append(f"relative IRI {iri[len(_SENTINEL_BASE) :]!r} (use an absolute URL or URN)")
    return sorted(set(problems))


def expand_checked(document: Mapping[str, Any]) -> list[Any]:
    """Expand ``document`` offline and raise UnsafeDocumentError if anything was dropped or left relative.

    Returns the expanded form, identical to a plain expansion of the document when no problem was found.
    """
    context_problems = _all_context_problems(document, _as_json(document))
    if context_problems:
        raise UnsafeDocumentError(context_problems)
    context = document["@context"]
    probe = dict(document)
    probe["@context"] = [*(context if isinstance(context, list) else [context]), _SENTINEL_CONTEXT]
    expanded = expand(probe, base=_SENTINEL_BASE)
    problems = _expanded_problems(expanded)
    if problems:
        raise UnsafeDocumentError(problems)
    return expanded


def assert_signable(document: Mapping[str, Any]) -> None:
    """Raise UnsafeDocumentError unless ``document`` passes both the JSON checks and the expansion check."""
    problems = json_problems(document)
    if problems:
        raise UnsafeDocumentError(problems)
    expand_checked(document)
