"""Compiled JSON-LD active contexts for the context lists the platform emits, built from the vendored files.

Reads the pinned context documents through :func:`badges.openbadges.loader.vendored_documents` (so the sha256
pins in ``contexts/SHA256SUMS`` are checked) and implements the part of JSON-LD 1.1 Context Processing and
Create Term Definition (https://www.w3.org/TR/json-ld11-api/#context-processing-algorithms) that those files use:
simple and expanded term definitions, ``@id`` (IRIs, terms, compact IRIs, the ``@id``/``@type`` aliases),
``@type`` coercion, ``@container``, scoped ``@context`` and ``@protected`` — with pyld 3.3's semantics where the
specification leaves room (prefix flag, protected-term comparison). Anything else (``@vocab``, ``@base``,
``@language``, ``@direction``, ``@reverse``, ``@nest``, ``@import``, remote or list-valued scoped contexts…)
raises :class:`~.errors.UnsupportedContextFeature`, and the caller falls back to pyld.

Nothing here is typed in from memory: every IRI, datatype, container and scoped context comes from the files.
Compiled contexts are immutable and cached for the life of the process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from badges.openbadges.loader import vendored_documents
from badges.openbadges.ob3.compose import OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT, VC_V2_CONTEXT

from .errors import UnknownContext, UnsupportedContextFeature

__all__ = [
    "SUPPORTED_CONTEXT_LISTS",
    "ActiveContext",
    "TermDefinition",
    "context_for",
    "is_plain_absolute_iri",
]

#: The ``@context`` lists the composers emit (credential with and without the schema's extensions context; the
#: status list credential) — the only ones the fast path accepts.
SUPPORTED_CONTEXT_LISTS: frozenset[tuple[str, ...]] = frozenset(
    {
        (VC_V2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT),
        (VC_V2_CONTEXT, OB3_CONTEXT),
        (VC_V2_CONTEXT,),
    }
)

# pyld's ``_is_absolute_iri`` (scheme ":" no-whitespace), minus the blank-node form and minus every character an
# N-Quads IRIREF may not hold raw, so whatever passes is absolute for pyld and serialized the same by any stack.
_PLAIN_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\\x00-\x1f\x7f]*")
_GEN_DELIMS = frozenset(":/?#[]@")
_TERM_KEYS = frozenset({"@id", "@type", "@container", "@context", "@protected"})
_COERCION_KEYWORDS = frozenset({"@id", "@vocab", "@json", "@none"})
_ALIASES = frozenset({"@id", "@type"})
_ABSENT: Any = type("_Absent", (), {"__repr__": lambda self: "<absent>"})()
# Type combinations remembered per context: the platform's shapes use a dozen or so.
_TYPE_COMBINATIONS_CACHED = 256


def is_plain_absolute_iri(value: str) -> bool:
    """An absolute IRI with no whitespace, control or IRIREF-forbidden characters (and not ``_:``)."""
    return _PLAIN_IRI.fullmatch(value) is not None and not value.startswith("_:")


@dataclass(frozen=True, slots=True)
class TermDefinition:
    """One term of an active context. Equality mirrors pyld's comparison of protected term redefinitions."""

    iri: str | None  # an absolute IRI, "@id"/"@type" (keyword alias), or None (term explicitly undefined)
    type_mapping: str | None  # "@id", "@vocab", "@json", "@none", a datatype IRI, or None
    container: tuple[str, ...] | None
    scoped_context: Any  # the raw scoped context, None for "@context": null, _ABSENT when there is none
    protected: bool
    prefix: bool

    @property
    def has_scoped_context(self) -> bool:
        return self.scoped_context is not _ABSENT


class ActiveContext:
    """An immutable term map plus caches of the contexts derived from it (type-scoped, property-scoped)."""

    __slots__ = ("_by_property", "_by_types", "_lock", "memo", "terms")

    def __init__(self, terms: Mapping[str, TermDefinition]) -> None:
        self.terms: Mapping[str, TermDefinition] = dict(terms)
        self._by_types: dict[tuple[str, ...], ActiveContext] = {}
        self._by_property: dict[str, ActiveContext] = {}
        self._lock = threading.Lock()
        #: Free for users of the context to cache what they derive from ``terms`` (the dataset builder does).
        self.memo: dict[str, Any] = {}

    def for_types(self, types: tuple[str, ...]) -> ActiveContext:
        """This context with the type-scoped contexts of ``types`` applied, in order (``types`` sorted).

        JSON-LD 1.1 Expansion step 11: type terms are looked up in *this* context, and each scoped context is
        processed with propagate false and protected terms enforced.
        """
        cached = self._by_types.get(types)
        if cached is not None:
            return cached
        context: ActiveContext = self
        for name in types:
            definition = self.terms.get(name)
            # pyld skips a type-scoped "@context": null (ResolvedContext None/False) rather than resetting.
            if (
                definition is not None
                and definition.scoped_context is not _ABSENT
                and definition.scoped_context is not None
            ):
                context = context.apply(definition.scoped_context, override_protected=False)
        with self._lock:
            if len(self._by_types) >= _TYPE_COMBINATIONS_CACHED:
                # A verifier is shown any types at all: start again rather than grow (or stop remembering the
                # platform's own shapes, which come back at their next use).
                self._by_types.clear()
            return self._by_types.setdefault(types, context)

    def for_property(self, term: str) -> ActiveContext:
        """This context with ``term``'s property-scoped context applied (protected terms may be overridden)."""
        cached = self._by_property.get(term)
        if cached is not None:
            return cached
        context = self.apply(self.terms[term].scoped_context, override_protected=True)
        with self._lock:
            return self._by_property.setdefault(term, context)

    def apply(self, local: Any, *, override_protected: bool) -> ActiveContext:
        """Process one local context object (an inline map) onto this context."""
        if not isinstance(local, Mapping):
            raise UnsupportedContextFeature(f"scoped context {local!r} is not an inline map")
        return ActiveContext(_Definer(self.terms, local, override_protected).run())


class _Definer:
    """JSON-LD 1.1 Create Term Definition for every term of one local context (the supported subset)."""

    def __init__(self, terms: Mapping[str, TermDefinition], local: Mapping[str, Any], override: bool) -> None:
        self.terms = dict(terms)
        self.local = local
        self.override = override
        self.defined: dict[str, bool] = {}
        protected = local.get("@protected", False)
        if not isinstance(protected, bool):
            raise UnsupportedContextFeature("@protected must be a boolean")
        self.protected_default = protected

    def run(self) -> dict[str, TermDefinition]:
        for key in self.local:
            if key.startswith("@"):
                if key != "@protected":
                    raise UnsupportedContextFeature(f"context keyword {key!r} is not supported")
                continue
            self.define(key)
        return self.terms

    def define(self, term: str) -> None:  # noqa: C901 - one branch per rule of the algorithm
        state = self.defined.get(term)
        if state is True:
            return
        if state is False:
            raise UnsupportedContextFeature(f"cyclic IRI mapping for {term!r}")
        self.defined[term] = False
        if not term or term.startswith("@") or ":" in term or "/" in term:
            raise UnsupportedContextFeature(f"term {term!r} (keyword-like, empty or IRI-shaped) is not supported")
        value = self.local[term]
        simple = isinstance(value, str) or value is None
        if simple:
            value = {"@id": value}
        if not isinstance(value, Mapping) or any(key not in _TERM_KEYS for key in value):
            raise UnsupportedContextFeature(f"term definition of {term!r} uses unsupported keys")
        previous = self.terms.pop(term, None)
        if "@id" not in value:
            raise UnsupportedContextFeature(f"term {term!r} has no @id (no @vocab is supported)")
        iri = self._term_iri(term, value["@id"])
        definition = TermDefinition(
            iri=iri,
            type_mapping=self._type_mapping(term, value),
            container=self._container(term, value),
            scoped_context=value.get("@context", _ABSENT),
            protected=bool(value.get("@protected") or (self.protected_default and value.get("@protected", True))),
            prefix=simple and iri is not None and iri not in _ALIASES and iri[-1] in _GEN_DELIMS,
        )
        if previous is not None and previous.protected and not self.override:
            definition = replace(definition, protected=True)
            if definition != previous:
                # pyld raises "protected term redefinition" here; the full path reports it.
                raise UnsupportedContextFeature(f"redefinition of protected term {term!r}")
        self.terms[term] = definition
        self.defined[term] = True

    def _term_iri(self, term: str, raw: Any) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str) or raw == term:
            raise UnsupportedContextFeature(f"@id of {term!r} must be a string other than the term itself")
        if raw in _ALIASES:
            return raw
        iri = self.expand(raw)
        if iri is None or not is_plain_absolute_iri(iri):
            raise UnsupportedContextFeature(f"@id of {term!r} does not expand to a plain absolute IRI")
        return iri

    def _type_mapping(self, term: str, value: Mapping[str, Any]) -> str | None:
        if "@type" not in value:
            return None
        raw = value["@type"]
        if not isinstance(raw, str):
            raise UnsupportedContextFeature(f"@type of {term!r} must be a string")
        if raw in _COERCION_KEYWORDS:
            return raw
        datatype = self.expand(raw)
        if datatype is None or not is_plain_absolute_iri(datatype):
            raise UnsupportedContextFeature(f"@type of {term!r} does not expand to a plain absolute IRI")
        return datatype

    @staticmethod
    def _container(term: str, value: Mapping[str, Any]) -> tuple[str, ...] | None:
        if "@container" not in value:
            return None
        raw = value["@container"]
        container = tuple(raw) if isinstance(raw, list) else (raw,)
        # "@type" containers change the term's type mapping in pyld; nothing the platform emits uses them.
        if not all(isinstance(c, str) for c in container) or "@type" in container:
            raise UnsupportedContextFeature(f"@container of {term!r} is not supported")
        return container

    def expand(self, value: str) -> str | None:
        """IRI Expansion with vocab=true during context processing (no @vocab, no @base)."""
        if value.startswith("@"):
            raise UnsupportedContextFeature(f"keyword-like IRI {value!r} in a context")
        if value in self.local and self.defined.get(value) is not True:
            self.define(value)
        if value in self.terms:
            return self.terms[value].iri
        prefix, colon, suffix = value.partition(":")
        if colon and prefix:
            if prefix == "_":
                raise UnsupportedContextFeature(f"blank node identifier {value!r} in a context")
            if suffix.startswith("//"):
                return value
            if prefix in self.local and not self.defined.get(prefix):
                self.define(prefix)
            mapping = self.terms.get(prefix)
            if mapping is not None and mapping.prefix:
                return f"{mapping.iri}{suffix}"
            if is_plain_absolute_iri(value):
                return value
        raise UnsupportedContextFeature(f"{value!r} does not expand to an absolute IRI in a context")


_top_level: dict[tuple[str, ...], ActiveContext] = {}
_top_level_lock = threading.Lock()


def _context_list(value: Any) -> tuple[str, ...]:
    entries = tuple(value) if type(value) is list else (value,)
    if not all(type(entry) is str for entry in entries) or entries not in SUPPORTED_CONTEXT_LISTS:
        raise UnknownContext(f"@context {value!r} is not one the platform emits", "$.@context")
    return entries


def context_for(value: Any) -> ActiveContext:
    """The compiled top-level active context for a document's ``@context`` value (a supported list only)."""
    entries = _context_list(value)
    cached = _top_level.get(entries)
    if cached is not None:
        return cached
    documents = vendored_documents()
    context = ActiveContext({})
    for url in entries:
        document = documents[url]
        local = document.get("@context") if isinstance(document, Mapping) else None
        if not isinstance(local, Mapping):
            raise UnsupportedContextFeature(f"vendored context {url} is not a single inline context")
        context = context.apply(local, override_protected=False)
    with _top_level_lock:
        return _top_level.setdefault(entries, context)
