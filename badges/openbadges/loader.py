"""Offline JSON-LD document loader: serves the vendored, sha256-pinned contexts in ``contexts/`` and nothing
else.

A verifier or signer must never fetch a context from the network (Open Badges 3.0 implementation guide,
https://www.imsglobal.org/spec/ob/v3p0/impl/ "Linked Data Proofs"; VC Data Integrity 1.0 §4.6
https://www.w3.org/TR/vc-data-integrity/#contexts-and-vocabularies). Any URL that is not vendored raises
:class:`ContextNotAvailableError`; a vendored file whose sha256 differs from ``contexts/SHA256SUMS`` raises
:class:`ContextIntegrityError` the first time the contexts are read.

Speed: pyld keeps a process-wide cache of resolved remote contexts, but only stores a document whose
remote-document dict carries a ``tag`` (``pyld.context_resolver.ContextResolver._resolve_remote_context``).
This loader always tags its documents ``"static"``, so each context is parsed and processed once per process,
not once per signature.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "CONTEXTS_DIR",
    "ContextIntegrityError",
    "ContextNotAvailableError",
    "context_document",
    "document_loader",
    "known_context_urls",
    "vendored_documents",
]

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
_INDEX_FILE = "index.json"
_PIN_FILE = "SHA256SUMS"


class ContextNotAvailableError(LookupError):
    """A JSON-LD context or document was requested that is not vendored; nothing is ever fetched."""


class ContextIntegrityError(RuntimeError):
    """A vendored context file is missing from, or does not match, its sha256 pin."""


def _read_pins(directory: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (directory / _PIN_FILE).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        digest, _, name = line.strip().partition("  ")
        pins[name.strip()] = digest.strip().lower()
    return pins


def _read_pinned(directory: Path, name: str, pins: Mapping[str, str]) -> bytes:
    if name not in pins:
        raise ContextIntegrityError(f"Vendored file {name!r} has no sha256 pin in {_PIN_FILE}.")
    data = (directory / name).read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != pins[name]:
        raise ContextIntegrityError(
            f"Vendored file {name!r} has sha256 {actual}, but {_PIN_FILE} pins {pins[name]}; refusing to use it."
        )
    return data


@functools.cache
def _contexts() -> Mapping[str, Any]:
    """URL -> parsed context document, read once and checked against the pins."""
    pins = _read_pins(CONTEXTS_DIR)
    index = json.loads(_read_pinned(CONTEXTS_DIR, _INDEX_FILE, pins))
    return {url: json.loads(_read_pinned(CONTEXTS_DIR, name, pins)) for url, name in index.items()}


def known_context_urls() -> frozenset[str]:
    """The context URLs this loader can serve."""
    return frozenset(_contexts())


def context_document(url: str) -> dict[str, Any]:
    """A private copy of the vendored context document for ``url``."""
    try:
        return copy.deepcopy(_contexts()[url])
    except KeyError:
        raise ContextNotAvailableError(_refusal(url)) from None


def _refusal(url: str) -> str:
    return (
        f"JSON-LD document {url!r} is not one of the vendored contexts and will not be fetched "
        f"(offline loader; known: {', '.join(sorted(_contexts()))})."
    )


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld ``documentLoader``: answer ``url`` from the vendored contexts, or raise ContextNotAvailableError.

    The returned remote document is tagged ``"static"`` so pyld caches the resolved context for the process,
    and its ``document`` is the same object on every call.
    """
    if url not in _contexts():
        raise ContextNotAvailableError(_refusal(url))
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        # The shared parsed document, always the same object (see vendored_documents); the vendored contexts
        # have no relative @context URLs, the only thing pyld would rewrite in place.
        "document": _contexts()[url],
        "tag": "static",
    }


def vendored_documents() -> Mapping[str, Any]:
    """URL -> the shared, parsed vendored context documents: the very objects the loader hands to pyld.

    Read-only by contract (use :func:`context_document` for a private copy). Their identity is stable for the
    life of the process, which lets :mod:`badges.openbadges.ob3.processor` memoize work keyed on it.
    """
    return _contexts()
