"""pyld JSON-LD processing for OB 3.0 documents: offline, with the repeated context work cached across calls.

Why: OB 3.0 and VC 2.0 put most terms in *type-scoped* contexts (``Achievement``, ``AchievementSubject``,
``Profile``…; JSON-LD 1.1 §4.1.8, https://www.w3.org/TR/json-ld11/#type-scoped-contexts), and pyld 3.3 redoes
their processing for every node of every document, which was most of the time spent signing a badge:

1. For a type-scoped (non-propagating) context pyld first clones the active context *without* its ``_uuid``
   (``JsonLdProcessor._process_context``), so its processed-context cache, keyed by that ``_uuid``, never
   hits. :class:`CachingProcessor` gives the clone a stable identity derived from its parent's ``_uuid``.
2. pyld's ContextResolver keys each inline (scoped) context by its JCS serialization, recomputed on every use.
   :class:`_MemoResolver` remembers the result per context *object*, but only for the vendored context
   documents (whose objects live as long as the process and are never mutated) and the safety sentinel.
3. :func:`to_nquads` turns an already expanded document into RDF without expanding it a second time.

The output is identical to stock pyld (tests compare the two); only repeated work is skipped. These hooks use
pyld internals and are pinned to pyld 3.3; the equivalence tests catch a pyld upgrade that breaks them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from cachetools import LRUCache
from frozendict import frozendict
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from badges.openbadges.loader import document_loader, vendored_documents

__all__ = ["CachingProcessor", "expand", "stable_context", "to_nquads"]

# parent active-context _uuid -> its stable non-propagating child (the child keeps the parent alive).
_scoped_children: LRUCache = LRUCache(maxsize=1024)
# id(inline context object) -> (that object, its ResolvedContext)
_resolved_inline: dict[int, tuple[Any, Any]] = {}
_extra_stable: dict[int, Any] = {}
_RDF_OPTIONS = {"produceGeneralizedRdf": False, "processingMode": "json-ld-1.1", "rdfDirection": None}


def _dict_ids(node: Any, into: set[int]) -> None:
    if isinstance(node, (dict, frozendict)):
        into.add(id(node))
        for value in node.values():
            _dict_ids(value, into)
    elif isinstance(node, list):
        for item in node:
            _dict_ids(item, into)


@functools.cache
def _vendored_ids() -> frozenset[int]:
    ids: set[int] = set()
    for document in vendored_documents().values():
        _dict_ids(document, ids)
    return frozenset(ids)


def stable_context(context: dict[str, Any]) -> dict[str, Any]:
    """Register a module-level inline context object (never mutated, kept for the process) for memoization."""
    _extra_stable[id(context)] = context
    return context


class _MemoResolver(ContextResolver):
    """ContextResolver that skips re-serializing stable inline contexts to find them in pyld's cache."""

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> list[Any]:
        if isinstance(context, (dict, frozendict)) and "@context" in context:
            context = context["@context"]
        resolved: list[Any] = []
        for ctx in context if isinstance(context, list) else [context]:
            key = id(ctx)
            stable = isinstance(ctx, (dict, frozendict)) and (key in _vendored_ids() or key in _extra_stable)
            hit = _resolved_inline.get(key) if stable else None
            if hit is not None and hit[0] is ctx:
                resolved.append(hit[1])
                continue
            result = super().resolve(active_ctx, [ctx], base, cycles)
            if stable and len(result) == 1:
                _resolved_inline[key] = (ctx, result[0])
            resolved.extend(result)
        return resolved


class CachingProcessor(jsonld.JsonLdProcessor):
    """A JsonLdProcessor whose type-scoped context processing hits pyld's processed-context cache."""

    def _process_context(  # noqa: PLR0913 - mirrors pyld's signature
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        if not propagate and not active_ctx.get("previousContext") and "_uuid" in active_ctx:
            # The clone pyld would make (mappings + previousContext), but reused, with a stable _uuid.
            key = active_ctx["_uuid"]
            child = _scoped_children.get(key)
            if child is None or child["previousContext"] is not active_ctx:
                child = self._clone_active_context(active_ctx)
                child["previousContext"] = active_ctx
                child["_uuid"] = f"{key}:scoped-child"
                _scoped_children[key] = child
            active_ctx = child
        return super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )


def expand(
    document: Mapping[str, Any],
    *,
    base: str | None = None,
    loader: Callable[..., dict[str, Any]] = document_loader,
) -> list[Any]:
    """JSON-LD expansion of ``document`` with the offline loader and the caches above."""
    options: dict[str, Any] = {
        "documentLoader": loader,
        "contextResolver": _MemoResolver(jsonld._resolved_context_cache, loader),
    }
    if base is not None:
        options["base"] = base
    return CachingProcessor().expand(document, options)


def to_nquads(expanded: list[Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of an already expanded document (consumed: it is modified).

    The same steps as ``JsonLdProcessor.to_rdf`` + ``normalize`` minus the second expansion.
    """
    processor = CachingProcessor()
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    dataset = {
        name: processor._graph_to_rdf(graph, issuer, dict(_RDF_OPTIONS))
        for name, graph in sorted(node_map.items())
        if name == "@default" or jsonld._is_absolute_iri(name)
    }
    return URDNA2015().main(dataset, {"format": "application/n-quads"})
