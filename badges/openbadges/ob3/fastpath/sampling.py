"""Which fast results the guard (:mod:`.guard`) recomputes through the full path: the first few of every shape of
document, then a fixed fraction of everything.

A fault in the compiled path shows on a *kind* of document — a property, a type, a literal form it renders
differently from pyld — not on one learner's credential among thousands of the same kind that it renders
correctly. A uniform 1% sample spends nearly all its recomputations on the kinds already checked many times over,
and may take a hundred documents to look at a new kind once. So every shape not seen before is sampled the first
:data:`NEW_SHAPE_SAMPLES` times, and a fraction (the guard's sample rate, default 0.25%) of all results on top, which
still reaches value-dependent faults the shape does not capture (decision 0005, "Sampling by shape").

A shape is read off the canonical N-Quads in three C-level scans (3 µs for a credential's 6 KB; counting typed
literals and blank nodes as well took 17 µs, as much as the sampling it saves): the number of statements, whether
the text is all ASCII, and whether it has escapes. Names, ids and dates do not enter it, so the credentials of one
badge class share one; an added or missing property, type, tag or alignment, a non-ASCII name or an escaped
character make another. Shapes are remembered up to
:data:`SHAPES_REMEMBERED`, then forgotten all at once: documents from strangers cannot grow memory, and a shape
forgotten is only sampled again.
"""

from __future__ import annotations

__all__ = ["NEW_SHAPE_SAMPLES", "SHAPES_REMEMBERED", "ShapeMemory", "shape_of"]

NEW_SHAPE_SAMPLES = 3
SHAPES_REMEMBERED = 4096

Shape = tuple[str, int, bool, bool]


def shape_of(kind: str, nquads: str) -> Shape:
    """The shape of canonical N-Quads: ``kind`` (a document or a proof configuration) and what does not depend on
    names, ids and dates."""
    return (kind, nquads.count("\n"), nquads.isascii(), "\\" in nquads)


class ShapeMemory:
    """How many times each recent shape has been sampled as new (approximate under threads: a race samples once
    more, never less)."""

    def __init__(self) -> None:
        self.seen: dict[Shape, int] = {}

    def is_new(self, shape: Shape) -> bool:
        """True for the first :data:`NEW_SHAPE_SAMPLES` times this shape is asked about, counting each."""
        times = self.seen.get(shape, 0)
        if times >= NEW_SHAPE_SAMPLES:
            return False
        if times == 0 and len(self.seen) >= SHAPES_REMEMBERED:
            self.seen.clear()
        self.seen[shape] = times + 1
        return True

    def clear(self) -> None:
        self.seen.clear()
