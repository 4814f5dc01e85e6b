"""Why the compiled canonicalization path declined a document; the caller then uses full JSON-LD processing.

A refusal is never an error for the caller: :func:`badges.openbadges.ob3.proof.canonicalize` catches
:class:`FastPathRefusal` and canonicalizes through pyld instead, which signs, refuses or fails exactly as before.
"""

from __future__ import annotations

__all__ = [
    "FastPathRefusal",
    "UnknownContext",
    "UnknownTerm",
    "UnknownType",
    "UnsupportedContextFeature",
    "UnsupportedIri",
    "UnsupportedValue",
]


class FastPathRefusal(ValueError):
    """The fast path does not handle this document; ``path`` is where in the JSON it stopped (``$.a.b[0]``)."""

    def __init__(self, message: str, path: str = "$") -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


class UnknownContext(FastPathRefusal):
    """The ``@context`` is not one of the context lists the platform emits (or is nested, inline or null)."""


class UnsupportedContextFeature(FastPathRefusal):
    """A context uses a JSON-LD feature this compiler does not implement (``@vocab``, ``@language``, lists…)."""


class UnknownTerm(FastPathRefusal):
    """A property (or a keyword key) that the active context does not define as a plain property term."""


class UnknownType(FastPathRefusal):
    """A ``type`` value that is not a term of the active context."""


class UnsupportedIri(FastPathRefusal):
    """An identifier that is not a plain absolute IRI (relative, blank node, compact, or with unsafe characters)."""


class UnsupportedValue(FastPathRefusal):
    """A value kind outside the compiled subset: numbers, null, nested arrays, value objects, lone surrogates…"""
