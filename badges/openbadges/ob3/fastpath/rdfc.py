"""RDFC-1.0 canonical N-Quads of built statements: the common case inline, everything else through pyld.

RDF Dataset Canonicalization, https://www.w3.org/TR/rdf-canon/ §4.4: blank nodes whose first-degree hash
(§4.6, Hash First Degree Quads) is unique get canonical labels in hash order (step 5); only blank nodes that share
a first-degree hash need the Hash N-Degree Quads search (step 6). :func:`canonical_nquads` does step 5 itself on
statements already serialized as N-Quads terms (by :mod:`.dataset`, with pyld's ``escape`` for literals) and, if
any two blank nodes share a hash, hands the whole dataset to pyld's ``URDNA2015`` instead. pyld's step 5 loop issues
exactly these labels when all first-degree hashes differ (a later pass can issue nothing new: the hashes are
cached and do not depend on issued labels), so the output is byte-for-byte pyld's: the same quad serialization,
the same sort, the same hash input. In the composed credentials every blank node (criteria, alignment, identity
object, evidence…) usually has distinct content, so the inline case is the normal one.
"""

from __future__ import annotations

import hashlib

from pyld.canon import URDNA2015

from .dataset import Statement, to_pyld_dataset

__all__ = ["canonical_nquads", "canonical_nquads_pyld"]


def canonical_nquads_pyld(statements: list[Statement]) -> str:
    """The same canonicalization done entirely by pyld's ``URDNA2015`` on the dataset form."""
    return URDNA2015().main(to_pyld_dataset(statements), {"format": "application/n-quads"})


def _first_degree_hash(node: str, statements: list[Statement]) -> str:
    lines = []
    for subject, predicate, obj, _literal in statements:
        if subject[0] == "_":
            subject = "_:a" if subject == node else "_:z"
        if obj[0] == "_":
            obj = "_:a" if obj == node else "_:z"
        lines.append(f"{subject} {predicate} {obj} .\n")
    lines.sort()
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def canonical_nquads(statements: list[Statement]) -> str:
    """RDFC-1.0 canonical N-Quads of the statements of one default graph."""
    lines: list[str] = []
    by_node: dict[str, list[Statement]] = {}
    pending: list[Statement] = []
    for statement in statements:
        subject, predicate, obj, _literal = statement
        s_blank, o_blank = subject[0] == "_", obj[0] == "_"
        if not s_blank and not o_blank:
            lines.append(f"{subject} {predicate} {obj} .\n")
            continue
        pending.append(statement)
        # As pyld does (and the spec's blank node to quads map): one reference per occurrence.
        if s_blank:
            by_node.setdefault(subject, []).append(statement)
        if o_blank:
            by_node.setdefault(obj, []).append(statement)
    hashes = sorted((_first_degree_hash(node, refs), node) for node, refs in by_node.items())
    if any(hashes[i][0] == hashes[i + 1][0] for i in range(len(hashes) - 1)):
        return canonical_nquads_pyld(statements)  # shared first-degree hashes: the N-degree search decides
    canonical = {node: f"_:c14n{i}" for i, (_hash, node) in enumerate(hashes)}
    for subject, predicate, obj, _literal in pending:
        lines.append(f"{canonical.get(subject, subject)} {predicate} {canonical.get(obj, obj)} .\n")
    lines.sort()
    return "".join(lines)
