"""Canonical N-Quads of a proof configuration from a per-shape template: only its ``created`` is filled in.

A proof configuration (vc-di-eddsa §3.3.5, https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022) is the proof's
``type``, ``cryptosuite``, ``created``, ``verificationMethod`` and ``proofPurpose`` with the document's
``@context``. A verifier sees a new ``created`` in nearly every proof, so a cache of whole configurations misses;
but everything else (the *shape*: the context, the key, the suite) recurs for every credential of an issuer.

For a shape, the template is made once by the fast path itself: the configuration with a sentinel ``created`` is
built (:func:`.dataset.build_statements`) and canonicalized (:func:`.rdfc.canonical_nquads`); the template is the
canonical lines other than the ``created`` line, plus that line's text before and after the value. Filling it in
for another value gives exactly what building and canonicalizing that configuration gives, because:

- the dataset depends on ``created`` only through the text of that one literal: the value is a plain or typed
  literal (not an IRI, not a node; the template is refused otherwise), a value made only of printable ASCII other
  than ``"`` and ``\\`` is written as it is (no escaping, nothing the builder or ``json_problems`` refuses), and
  no other statement has its predicate (so pyld's merging of equal values cannot drop or keep a line depending on
  the value) — anything else is computed the normal way;
- the configuration has at most one blank node, so its canonical label is ``_:c14n0`` whatever its first-degree
  hash (RDFC-1.0 §4.4 step 5 with a single node), or none at all;
- the lines are then sorted exactly as :func:`.rdfc.canonical_nquads` sorts them.

Only shapes of the five proof options and ``@context``, all strings, are templated. The guard
(:func:`.guard.canonicalize_proof_config`) samples template results against the full path like any fast result.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .dataset import build_statements
from .errors import FastPathRefusal
from .rdfc import canonical_nquads

__all__ = ["ConfigTemplate", "config_items", "proof_config_nquads", "template_for"]

_KEYS = frozenset({"@context", "type", "cryptosuite", "created", "verificationMethod", "proofPurpose"})
_CREATED = "created"
#: A well-formed ``created`` that no other option of a real configuration equals (checked, not assumed).
_SENTINEL = "1999-12-31T23:59:58Z"
#: Values written into a literal as they are: printable ASCII without ``"`` and ``\`` (pyld's ``escape`` leaves
#: them alone; the builder and ``json_problems`` refuse none of them).
_VERBATIM = re.compile(r"[ !#-\[\]-~]*\Z")
#: Shapes remembered (issuer key x context list x suite): a verifier is shown arbitrary keys, so bounded.
_TEMPLATES_CACHED = 128

Shape = tuple[tuple[str, str | tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class ConfigTemplate:
    """The canonical lines that do not depend on ``created``, and the ``created`` line around its value."""

    fixed: tuple[str, ...]
    before: str
    after: str

    def fill(self, created: str) -> str:
        lines = [*self.fixed, self.before + created + self.after]
        lines.sort()
        return "".join(lines)


def config_items(config: Mapping[str, Any], *, leave_out: str | None = None) -> Shape | None:
    """The options of a proof configuration as a hashable value it can be rebuilt from, without ``leave_out``;
    None unless every value is a string (or, for ``@context``, a list of strings). Also the key of
    ``proof._config_hash``'s memory of whole configurations."""
    items: list[tuple[str, str | tuple[str, ...]]] = []
    for key, value in config.items():
        if type(value) is str:
            if key != leave_out:
                items.append((key, value))
        elif key == "@context" and type(value) is list and all(type(entry) is str for entry in value):
            items.append((key, tuple(value)))
        else:
            return None
    return tuple(items)


def _shape(config: Mapping[str, Any]) -> Shape | None:
    """The configuration without its ``created``, as a hashable value it can be rebuilt from; None when it is not
    exactly the proof options and ``@context``, all strings (a list of strings for ``@context``)."""
    if type(config) is not dict or len(config) != len(_KEYS) or config.keys() != _KEYS:
        return None
    return config_items(config, leave_out=_CREATED)


@functools.lru_cache(maxsize=_TEMPLATES_CACHED)
def _template_of(shape: Shape, epoch: tuple[bool, int]) -> ConfigTemplate | None:
    # ``epoch`` (guard.fast_path_epoch) is only part of the key: templates are made again after the switch changes.
    probe: dict[str, Any] = {key: list(value) if type(value) is tuple else value for key, value in shape}
    probe[_CREATED] = _SENTINEL
    return template_for(probe)


def template_for(probe: dict[str, Any]) -> ConfigTemplate | None:
    """The template of a configuration whose ``created`` is the sentinel, or None when one cannot be proved to
    give the fast path's output (see the module docstring); :class:`~.errors.FastPathRefusal` gives None too."""
    if any(value == _SENTINEL for key, value in probe.items() if key != _CREATED) or probe.get(_CREATED) != _SENTINEL:
        return None
    try:
        statements = build_statements(probe)
    except FastPathRefusal:
        return None
    blank = {term for s, _p, o, _l in statements for term in (s, o) if term.startswith("_:")}
    created = [st for st in statements if st[3] is not None and st[3][0] == _SENTINEL]
    if len(blank) > 1 or len(created) != 1:
        return None
    subject, predicate, obj, _literal = created[0]
    if sum(1 for st in statements if st[1] == predicate) != 1 or not obj.startswith(f'"{_SENTINEL}"'):
        return None
    label = "_:c14n0" if subject.startswith("_:") else subject
    line = f"{label} {predicate} {obj} .\n"
    lines = canonical_nquads(statements).splitlines(keepends=True)
    if lines.count(line) != 1:
        return None
    lines.remove(line)
    return ConfigTemplate(tuple(lines), f'{label} {predicate} "', obj[len(_SENTINEL) + 1 :] + " .\n")


def proof_config_nquads(config: Mapping[str, Any], epoch: tuple[bool, int]) -> str | None:
    """The fast path's canonical N-Quads of ``config`` from its shape's template, or None when no template
    applies (another shape, a ``created`` that needs escaping or checking, a shape the fast path refuses)."""
    created = config.get(_CREATED) if type(config) is dict else None
    if type(created) is not str or _VERBATIM.match(created) is None:
        return None
    shape = _shape(config)
    if shape is None:
        return None
    template = _template_of(shape, epoch)
    return None if template is None else template.fill(created)
