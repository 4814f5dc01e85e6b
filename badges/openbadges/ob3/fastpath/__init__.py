"""Compiled canonicalization for the documents Laurel composes: RDF built directly, canonicalized with RDFC-1.0.

Signing an OB 3.0 credential with eddsa-rdfc-2022 (https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022) needs the
RDFC-1.0 canonical N-Quads (https://www.w3.org/TR/rdf-canon/) of the credential and of the proof configuration.
Generic JSON-LD expansion (https://www.w3.org/TR/json-ld11-api/#expansion-algorithm) is most of that cost; for the
few shapes the platform composes, this package builds the RDF dataset straight from the JSON using term
definitions compiled from the vendored, hash-pinned contexts, and refuses anything else.

- :mod:`.contexts` — the context lists the platform emits, compiled from the vendored files.
- :mod:`.dataset` — the dataset builder (N-Quads terms, or pyld's dataset form).
- :mod:`.proofconfig` — proof configurations from a per-shape template (only ``created`` filled in).
- :mod:`.rdfc` — RDFC-1.0 of the built dataset (pyld's ``URDNA2015`` whenever blank nodes need it).
- :mod:`.guard` — the switch: start-up self-test (:mod:`.selftest`), fallback, 1% sampling against pyld, alerts.

:func:`badges.openbadges.ob3.proof.canonicalize` is the only entry point the rest of the code uses. See
docs/decisions/0005-compiled-canonicalization.md.
"""

from .dataset import build_dataset, build_statements
from .errors import FastPathRefusal
from .guard import (
    Canonicalization,
    FastPathAlert,
    FastPathStatus,
    canonicalize_fast,
    canonicalize_full,
    canonicalize_proof_config,
    canonicalize_traced,
    disable_fast_path,
    fast_path_bypassed,
    fast_path_enabled,
    fast_path_epoch,
    fast_path_status,
    reset_fast_path,
    sample_rate,
    self_test_fast_path,
    set_alert_callback,
    set_sample_rate,
)
from .rdfc import canonical_nquads

__all__ = [
    "Canonicalization",
    "FastPathAlert",
    "FastPathRefusal",
    "FastPathStatus",
    "build_dataset",
    "build_statements",
    "canonical_nquads",
    "canonicalize_fast",
    "canonicalize_full",
    "canonicalize_proof_config",
    "canonicalize_traced",
    "disable_fast_path",
    "fast_path_bypassed",
    "fast_path_enabled",
    "fast_path_epoch",
    "fast_path_status",
    "reset_fast_path",
    "sample_rate",
    "self_test_fast_path",
    "set_alert_callback",
    "set_sample_rate",
]
