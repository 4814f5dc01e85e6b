"""Builds the RDF dataset of a composed OB 3.0 document directly, without JSON-LD expansion.

The result is what pyld's ``to_rdf`` (JSON-LD 1.1 Deserialize JSON-LD to RDF,
https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm, after Expansion and Node Map
Generation) makes of the same document: the same statements, blank nodes labelled ``_:b0``, ``_:b1``…, equal
values of a property merged the way pyld's node map merges them. :func:`build_statements` returns them as N-Quads
terms (what RDFC-1.0 hashes and sorts); :func:`build_dataset` returns the same statements in pyld's dataset form
(``{"@default": [{"subject", "predicate", "object"}, …]}``), which pyld's ``URDNA2015`` canonicalizes as is.

Which documents: those whose ``@context`` is one of :data:`.contexts.SUPPORTED_CONTEXT_LISTS` — the
OpenBadgeCredential, its proof configuration and the Bitstring status list credential the composers emit, and any
other document built only from the same terms. Anything outside the compiled subset raises a
:class:`~.errors.FastPathRefusal` (the caller then runs full JSON-LD processing):

- a key that is not a term of the active context, a ``type`` value that is not a term — so every property and
  type the builder accepts is defined, which is what :func:`..safety.expand_checked` checks on the full path;
- an identifier that is not a plain absolute IRI (relative, ``_:``, compact, whitespace or IRIREF-forbidden
  characters), so no IRI is ever resolved against a base;
- numbers, ``null``, nested arrays, keyword keys (``@id``, ``@value``…), nested ``@context``, ``@list``/``@graph``
  containers, ``@json``/``@none`` coercions, property-scoped contexts on node values, lone surrogates, containers
  that are not ``dict``/``list``, nesting deeper than :data:`MAX_DEPTH`;
- what :func:`..safety.json_problems` refuses before signing: C0 control characters other than TAB, LF and CR,
  and DEL, in any text; a ``statusListIndex`` that is not a decimal string. With the refusals above (contexts
  only from the supported lists, no nested ``@context``, no ``null``, no numbers, only dicts, lists, strings and
  booleans, keys that are context terms), a document the builder accepts has no JSON-level problem, so
  :func:`..proof.sign_credential` runs ``json_problems`` only when the fast path declines.

Why every node object starts from the document's top-level context: JSON-LD 1.1 Expansion step 7 reverts a
type-scoped context when descending into a nested node object, and the only other ways to change the context of a
nested node (an embedded ``@context``, a property-scoped context on the property that holds it) are refused. So a
node's active context is the top-level context plus the type-scoped contexts of its own (sorted) types, and its
type terms are looked up in the top-level context (step 11) — :meth:`.contexts.ActiveContext.for_types`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pyld.jsonld import RDF_TYPE, XSD_BOOLEAN, XSD_STRING
from pyld.nquads import escape

from .contexts import ActiveContext, context_for, is_plain_absolute_iri
from .errors import FastPathRefusal, UnknownTerm, UnknownType, UnsupportedIri, UnsupportedValue

__all__ = ["MAX_DEPTH", "Dataset", "Statement", "build_dataset", "build_statements", "to_pyld_dataset"]

#: Deepest node nesting accepted (the composed documents nest five deep); deeper input is refused, not recursed.
MAX_DEPTH = 24

#: (subject, predicate, object) as N-Quads terms — ``<iri>``, ``_:bN`` or a serialized literal — plus, for a
#: literal object, its (lexical value, datatype IRI).
Statement = tuple[str, str, str, tuple[str, str] | None]
Dataset = dict[str, list[dict[str, dict[str, str]]]]

_ALIASES = ("@id", "@type")
_RDF_TYPE = f"<{RDF_TYPE}>"
# Handler kinds and value coercions, compiled once per active context (see _handlers).
_TYPE, _ID, _PROPERTY, _UNDEFINED = range(4)
_PLAIN, _TYPED, _IRI, _VOCAB, _REFUSED = range(5)
_Handler = tuple[Any, ...]


def build_statements(document: Mapping[str, Any]) -> list[Statement]:
    """The RDF statements of ``document`` (default graph), or :class:`~.errors.FastPathRefusal`."""
    if type(document) is not dict or "@context" not in document:
        raise FastPathRefusal("not a JSON-LD document (a dict) with a top-level @context")
    builder = _Builder(context_for(document["@context"]))
    builder.node(document, "$", top_level=True)
    return builder.statements


def to_pyld_dataset(statements: list[Statement]) -> Dataset:
    """The statements in pyld's RDF dataset form (fresh objects: pyld's canonicalizer relabels in place)."""
    quads = []
    for subject, predicate, obj, literal in statements:
        quads.append({"subject": _component(subject), "predicate": {"type": "IRI", "value": predicate[1:-1]}})
        if literal is None:
            quads[-1]["object"] = _component(obj)
        else:
            quads[-1]["object"] = {"type": "literal", "value": literal[0], "datatype": literal[1]}
    return {"@default": quads}


def build_dataset(document: Mapping[str, Any]) -> Dataset:
    """The RDF dataset of ``document`` in pyld's form, or :class:`~.errors.FastPathRefusal`."""
    return to_pyld_dataset(build_statements(document))


def _component(term: str) -> dict[str, str]:
    if term.startswith("_:"):
        return {"type": "blank node", "value": term}
    return {"type": "IRI", "value": term[1:-1]}


def _checked_text(value: str, path: str) -> str:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UnsupportedValue("text with a lone surrogate is not valid UTF-8", path) from None
    return value


# Anything pyld's ``escape`` rewrites (backslash, TAB, LF, CR, double quote) or safety refuses (other C0, DEL).
_NEEDS_A_LOOK = re.compile(r'[\x00-\x1f\x7f\\"]')

# As in safety.json_problems: C0 controls other than TAB/LF/CR, and DEL; statusListIndex a decimal string.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DECIMAL = re.compile(r"(0|[1-9][0-9]*)\Z")
_STATUS_LIST_INDEX = "statusListIndex"


def _iri(value: Any, context: ActiveContext, path: str) -> str:
    """IRI Expansion of an identifier (document-relative, vocab=false), accepting plain absolute IRIs only."""
    if type(value) is not str or not is_plain_absolute_iri(value):
        raise UnsupportedIri(f"{value!r} is not a plain absolute IRI", path)
    if value.partition(":")[0] in context.terms:  # pyld could read it as a compact IRI
        raise UnsupportedIri(f"{value!r} starts with a term of the context", path)
    return _checked_text(value, path)


def _vocab_iri(value: str, context: ActiveContext, path: str) -> str:
    """IRI Expansion with vocab=true: a term's IRI, else a plain absolute IRI."""
    definition = context.terms.get(value)
    if definition is None:
        return _iri(value, context, path)
    if definition.iri is None or definition.iri in _ALIASES:
        raise UnsupportedIri(f"{value!r} does not name an IRI", path)
    return definition.iri


#: Identifiers already accepted in a context, as N-Quads terms. Issuer, achievement, image and list URLs recur in
#: every credential, so most identifiers skip the checks of :func:`_iri`; cleared when full (unique ids churn it).
_KNOWN_IRIS_MAX = 2048
#: Type combinations whose context and handlers a top-level context keeps (documents may name any types).
_READINGS_CACHED = 256


def _reading(context: ActiveContext) -> tuple[dict[str, _Handler], tuple[str, ...], dict[str, str]]:
    """What a node needs from its context, in one lookup: the handlers, the id keys, the accepted identifiers."""
    reading = context.memo.get("reading")
    if reading is None:
        handlers = _handlers(context)
        id_keys = tuple(key for key, handler in handlers.items() if handler[0] == _ID)
        reading = context.memo.setdefault("reading", (handlers, id_keys, {}))
    return reading


def _iri_term(value: Any, context: ActiveContext, known: dict[str, str], path: str, key: str) -> str:
    """``<iri>`` for an identifier :func:`_iri` accepts in ``context`` (remembered in ``known``), or a refusal."""
    term = f"<{_iri(value, context, f'{path}.{key}')}>"
    if len(known) >= _KNOWN_IRIS_MAX:
        known.clear()
    known[value] = term
    return term


def _handlers(context: ActiveContext) -> dict[str, _Handler]:
    """key -> how to read it in ``context``; derived from the term definitions once per context."""
    handlers = context.memo.get("handlers")
    if handlers is not None:
        return handlers
    handlers = {}
    for term, definition in context.terms.items():
        if definition.iri == "@type":
            handlers[term] = (_TYPE,)
        elif definition.iri == "@id":
            handlers[term] = (_ID,)
        elif definition.iri is None:
            handlers[term] = (_UNDEFINED,)
        else:
            coercion = definition.type_mapping
            code = {None: _PLAIN, "@id": _IRI, "@vocab": _VOCAB, "@json": _REFUSED, "@none": _REFUSED}.get(
                coercion, _TYPED
            )
            suffix = f'"^^<{coercion}>' if code == _TYPED else '"'
            if definition.container is None or definition.container == ("@set",):
                handlers[term] = (
                    _PROPERTY,
                    f"<{definition.iri}>",
                    code,
                    suffix,
                    coercion,
                    definition.has_scoped_context,
                )
            else:  # @list, @graph, @index… containers change the RDF; refused (the term is unusable here)
                handlers[term] = (_UNDEFINED, f"@container {definition.container!r} is not supported")
    return context.memo.setdefault("handlers", handlers)


def _type_object(top: ActiveContext, name: str, path: str, type_key: str | None) -> str:
    objects: dict[str, str] = top.memo.setdefault("type_objects", {})
    found = objects.get(name)
    if found is None:
        definition = top.terms.get(name)
        if definition is None or definition.iri is None or definition.iri in _ALIASES:
            raise UnknownType(f"type {name!r} is not defined by the active context", f"{path}.{type_key}")
        found = objects[name] = f"<{definition.iri}>"
    return found


class _Builder:
    """Walks one document, appending to ``statements``.

    pyld's node map keeps one of two equal values of a property (same ``@id``, or same ``@value`` — with its JSON
    type — and ``@type``); ``seen`` does the same with (subject, predicate, object term, tag), where the tag tells
    apart values that serialize alike but that pyld keeps apart (a string vs a boolean, an implicit vs an
    explicit datatype, a type vs a property value).
    """

    __slots__ = ("blank_nodes", "readings", "seen", "statements", "top", "type_keys", "type_objects")

    def __init__(self, top: ActiveContext) -> None:
        self.top = top
        self.type_keys: tuple[str, ...] = top.memo.get("type_keys") or top.memo.setdefault(
            "type_keys", tuple(k for k, h in _handlers(top).items() if h[0] == _TYPE)
        )
        self.type_objects: dict[str, str] = top.memo.setdefault("type_objects", {})
        # The types of a node -> its active context and what the builder reads from it: one lookup per node.
        self.readings: dict[tuple[str, ...], tuple[Any, ...]] = top.memo.setdefault("readings", {})
        self.statements: list[Statement] = []
        self.seen: set[tuple[str, str, str, str]] = set()
        self.blank_nodes = 0

    def _reading(
        self, types: tuple[str, ...]
    ) -> tuple[ActiveContext, dict[str, _Handler], tuple[str, ...], dict[str, str]]:
        context = self.top.for_types(types) if types else self.top
        reading = (context, *_reading(context))
        if len(self.readings) >= _READINGS_CACHED:  # types come from the document: start again rather than grow
            self.readings.clear()
        self.readings[types] = reading
        return reading

    def _types(self, node: dict[str, Any], path: str) -> tuple[str | None, tuple[str, ...]]:
        type_key = None
        for key in self.type_keys:
            if key in node:
                if type_key is not None:
                    raise UnknownTerm("more than one type key", path)
                type_key = key
        if type_key is None:
            return None, ()
        raw = node[type_key]
        if type(raw) is str:
            return type_key, (raw,)
        if type(raw) is list:
            for value in raw:
                if type(value) is not str:
                    break
            else:
                return type_key, tuple(sorted(raw)) if len(raw) > 1 else tuple(raw)
        raise UnsupportedValue("type values must be strings", f"{path}.{type_key}")

    def node(self, node: dict[str, Any], path: str, *, top_level: bool = False, depth: int = 0) -> str:
        """Emit the statements of one node object; returns its subject term."""
        if depth > MAX_DEPTH:
            raise UnsupportedValue(f"nodes nested more than {MAX_DEPTH} deep", path)
        type_key, types = self._types(node, path)
        context, handlers, id_keys, known = self.readings.get(types) or self._reading(types)
        subject = self._subject(node, id_keys, context, known, path)
        self._emit_types(subject, types, type_key, path)
        # One pass over the keys: the subject is already known, so each value is emitted as soon as its key is
        # read (a node's blank node label is still issued before its children's).
        for key, value in node.items():
            handler = handlers.get(key)
            if (handler is None or handler[0] != _PROPERTY or key == type_key) and self._skipped(
                key, handler, type_key, top_level, path
            ):
                continue
            self._property(subject, key, value, handler, context, known, path, depth)
        return subject

    def _subject(
        self, node: dict[str, Any], id_keys: tuple[str, ...], context: ActiveContext, known: dict[str, str], path: str
    ) -> str:
        """The node's IRI term, or the next blank node label when it has no id."""
        subject: str | None = None
        for key in id_keys:
            if key in node:
                if subject is not None:
                    raise UnknownTerm("more than one id key", path)
                value = node[key]
                subject = (known.get(value) if type(value) is str else None) or _iri_term(
                    value, context, known, path, key
                )
        if subject is None:
            subject = f"_:b{self.blank_nodes}"
            self.blank_nodes += 1
        return subject

    def _emit_types(self, subject: str, types: tuple[str, ...], type_key: str | None, path: str) -> None:
        seen, type_objects = self.seen, self.type_objects
        for name in types:
            obj = type_objects.get(name) or _type_object(self.top, name, path, type_key)
            marker = (subject, _RDF_TYPE, obj, "T")
            if marker not in seen:
                seen.add(marker)
                self.statements.append((subject, _RDF_TYPE, obj, None))

    @staticmethod
    def _skipped(key: str, handler: _Handler | None, type_key: str | None, top_level: bool, path: str) -> bool:
        """True for a key that emits nothing (an id, the type key, the top-level @context); refuses the others
        that are not plain properties."""
        if handler is None:
            if top_level and key == "@context":
                return True
            raise UnknownTerm(f"property {key!r} is not defined by the active context", path)
        kind = handler[0]
        if kind == _ID or (kind == _TYPE and key == type_key):
            return True
        if kind in (_TYPE, _PROPERTY):  # a type key in some of the node's contexts only
            raise UnknownTerm(f"{key!r} is not the type key in every context of the node", path)
        detail = handler[1] if len(handler) > 1 else "explicitly undefined (null) in the context"
        raise UnknownTerm(f"property {key!r}: {detail}", path)

    def _property(
        self,
        subject: str,
        key: str,
        value: Any,
        handler: _Handler,
        context: ActiveContext,
        known: dict[str, str],
        path: str,
        depth: int,
    ) -> None:
        """Emit the statements of one property's value (one or a list)."""
        predicate = handler[1]
        if key == _STATUS_LIST_INDEX and not (type(value) is str and _DECIMAL.match(value)):
            raise UnsupportedValue(f"statusListIndex must be a decimal string, not {value!r}", f"{path}.{key}")
        seen, append, scoped = self.seen, self.statements.append, handler[5]
        code = handler[2]
        for item in value if type(value) is list else (value,):
            if type(item) is str and not scoped:
                if code == _IRI:
                    obj, tag, literal = known.get(item) or _iri_term(item, context, known, path, key), "I", None
                elif (
                    code in (_PLAIN, _TYPED)
                    and item.isascii()
                    and item.isprintable()
                    and '"' not in item
                    and "\\" not in item
                ):
                    # Most values, with no call: printable ASCII without " and \ is written into the literal as it
                    # is (_NEEDS_A_LOOK finds nothing in it, and ASCII is valid UTF-8) — what _text would write.
                    if code == _PLAIN:
                        obj, tag, literal = f'"{item}"', "L", (item, XSD_STRING)
                    else:
                        obj, tag, literal = f'"{item}{handler[3]}', "LT", (item, handler[4])
                else:
                    obj, tag, literal = self._text(context, key, handler, item, known, path)
            else:
                obj, tag, literal = self._object(context, key, handler, item, known, path, depth)
            marker = (subject, predicate, obj, tag)
            if marker not in seen:
                seen.add(marker)
                append((subject, predicate, obj, literal))

    def _object(
        self,
        context: ActiveContext,
        key: str,
        handler: _Handler,
        item: Any,
        known: dict[str, str],
        path: str,
        depth: int,
    ) -> tuple[str, str, tuple[str, str] | None]:
        """A value that is not a plain string: a node, a boolean, a number, a value under a scoped term."""
        if type(item) is dict:
            if handler[5] or handler[2] == _REFUSED:
                raise UnsupportedValue("a node under a property-scoped, @json or @none term", f"{path}.{key}")
            return self.node(item, f"{path}.{key}", depth=depth + 1), "I", None
        return self.scalar(context, key, handler, item, path)

    def _text(
        self, context: ActiveContext, key: str, handler: _Handler, item: str, known: dict[str, str], path: str
    ) -> tuple[str, str, tuple[str, str] | None]:
        """A string value: a plain or typed literal, or an IRI, as the term's definition says."""
        code = handler[2]
        if code == _IRI:
            return known.get(item) or _iri_term(item, context, known, path, key), "I", None
        if code != _PLAIN and code != _TYPED:
            return self.scalar(context, key, handler, item, path)
        if not item.isascii():
            _check_utf8(item, path, key)
        text = item if _NEEDS_A_LOOK.search(item) is None else _escape(item, path, key)
        if code == _PLAIN:
            return f'"{text}"', "L", (item, XSD_STRING)
        return f'"{text}{handler[3]}', "LT", (item, handler[4])

    @staticmethod
    def scalar(
        context: ActiveContext, key: str, handler: _Handler, item: Any, path: str
    ) -> tuple[str, str, tuple[str, str] | None]:
        """The less common scalars: booleans, @vocab values, values under a property-scoped context."""
        _, predicate, code, suffix, coercion, scoped = handler
        kind = type(item)
        if kind is not str and kind is not bool:
            what = "nested array" if kind is list else kind.__name__
            raise UnsupportedValue(f"{what} values are not supported", f"{path}.{key}")
        if scoped:
            context, code, suffix, coercion = _scoped(context, key, predicate, path)
        if code == _REFUSED or (kind is bool and code in (_IRI, _VOCAB)):
            raise UnsupportedValue(f"a {kind.__name__} for a term coerced to {coercion}", f"{path}.{key}")
        if kind is bool:
            text = "true" if item else "false"
            datatype = XSD_BOOLEAN if code == _PLAIN else coercion
            return f'"{text}"^^<{datatype}>', "B" if code == _PLAIN else "BT", (text, datatype)
        if code == _IRI:
            return f"<{_iri(item, context, f'{path}.{key}')}>", "I", None
        if code == _VOCAB:
            return f"<{_vocab_iri(item, context, f'{path}.{key}')}>", "I", None
        _check_utf8(item, path, key)
        if code == _PLAIN:
            return f'"{_escape(item, path, key)}"', "L", (item, XSD_STRING)
        return f'"{_escape(item, path, key)}{suffix}', "LT", (item, coercion)


def _check_utf8(text: str, path: str, key: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsupportedValue("text with a lone surrogate is not valid UTF-8", f"{path}.{key}") from None


def _escape(text: str, path: str, key: str) -> str:
    """pyld's N-Quads literal escaping (skipped when there is nothing to escape); refuses control characters."""
    if _NEEDS_A_LOOK.search(text) is None:
        return text
    found = _FORBIDDEN.search(text)
    if found is not None:
        raise UnsupportedValue(f"text contains control character U+{ord(found.group()):04X}", f"{path}.{key}")
    return escape(text)


def _scoped(context: ActiveContext, key: str, predicate: str, path: str) -> tuple[ActiveContext, int, str, Any]:
    """A scalar under a term with a property-scoped context: read it with that context applied."""
    scoped_context = context.for_property(key)
    handler = _handlers(scoped_context).get(key)
    if handler is None or handler[0] != _PROPERTY or handler[1] != predicate:
        raise UnsupportedValue("a property-scoped context redefines its own term", f"{path}.{key}")
    return scoped_context, handler[2], handler[3], handler[4]
