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


def canonical_nquads(statements: list[Statement]) -> str:
    """RDFC-1.0 canonical N-Quads of the statements of one default graph."""
    lines: list[str] = []
    # Per blank node, the lines of its first-degree hash (§4.6: itself as _:a, any other blank node as _:z), one
    # per occurrence as pyld's blank node to quads map has them; and the statements still to relabel, with the
    # text after their blank subject already joined (each statement is formatted once for both uses).
    hash_lines: dict[str, list[str]] = {}
    pending: list[tuple[str, str, str, str]] = []
    for subject, predicate, obj, _literal in statements:
        if subject[0] != "_":
            if obj[0] != "_":
                lines.append(f"{subject} {predicate} {obj} .\n")
                continue
            head = f"{subject} {predicate} "
            hash_lines.setdefault(obj, []).append(head + "_:a .\n")
            pending.append((subject, head, obj, " .\n"))
        elif obj[0] != "_":
            tail = f" {predicate} {obj} .\n"
            hash_lines.setdefault(subject, []).append("_:a" + tail)
            pending.append((subject, "", "", tail))
        elif obj == subject:
            line = f"_:a {predicate} _:a .\n"
            hash_lines.setdefault(subject, []).extend((line, line))
            pending.append((subject, f" {predicate} ", obj, " .\n"))
        else:
            hash_lines.setdefault(subject, []).append(f"_:a {predicate} _:z .\n")
            hash_lines.setdefault(obj, []).append(f"_:z {predicate} _:a .\n")
            pending.append((subject, f" {predicate} ", obj, " .\n"))
    sha256 = hashlib.sha256
    hashes = sorted(
        (sha256("".join(sorted(node_lines)).encode("utf-8")).hexdigest(), node)
        for node, node_lines in hash_lines.items()
    )
    if any(hashes[i][0] == hashes[i + 1][0] for i in range(len(hashes) - 1)):
        return canonical_nquads_pyld(statements)  # shared first-degree hashes: the N-degree search decides
    canonical = {node: f"_:c14n{i}" for i, (_hash, node) in enumerate(hashes)}
    # (subject, head, obj, tail): an IRI subject has its text in ``head``; a blank one is relabelled, then the
    # predicate (in ``head`` when the object is blank too, else all of ``tail``), the relabelled object, the end.
    for subject, head, obj, tail in pending:
        if subject[0] != "_":
            lines.append(head + canonical[obj] + tail)
        elif obj:
            lines.append(canonical[subject] + head + canonical[obj] + tail)
        else:
            lines.append(canonical[subject] + tail)
    lines.sort()
    return "".join(lines)
