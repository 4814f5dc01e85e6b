"""The switch in front of the compiled canonicalization path: self-test, fallback, run-time sampling and alerts.

State is per process: ``untested`` until :func:`self_test_fast_path` runs (explicitly at start-up, or on the first
canonicalization), then ``enabled`` or ``disabled``. While enabled, :func:`canonicalize_traced` builds the dataset
directly (:mod:`.dataset`, :mod:`.rdfc`); on a refusal it uses full JSON-LD processing (pyld, with the safe-mode
checks of :mod:`..safety`). The first few fast results of every shape of document, and a configurable fraction of
all of them (default 0.25%), are recomputed through the full path (:mod:`.sampling`); a difference — or a document
the full path refuses but the fast path accepted, or an unexpected exception in the fast path — trips the guard:
the fast path is disabled for the process, an error is logged, the alert callback (see :func:`set_alert_callback`)
is called, and the full path's result (or exception) is what the caller gets.

Nothing here reads settings or imports Django; the application wires the start-up self-test, the sample rate and
the alert callback (for an admin-visible flag).
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from badges.openbadges.ob3.processor import to_nquads
from badges.openbadges.ob3.safety import expand_checked

from .dataset import build_statements
from .errors import FastPathRefusal
from .proofconfig import proof_config_nquads
from .rdfc import canonical_nquads
from .sampling import ShapeMemory, shape_of

__all__ = [
    "DEFAULT_SAMPLE_RATE",
    "Canonicalization",
    "FastPathAlert",
    "FastPathStatus",
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

logger = logging.getLogger(__name__)

DEFAULT_SAMPLE_RATE = 0.0025  # and every new shape (.sampling): decision 0005, "Sampling by shape"
State = Literal["untested", "enabled", "disabled"]


@dataclass(frozen=True, slots=True)
class FastPathAlert:
    """Why the fast path switched itself off. ``detail`` holds hashes and ids only, never document text."""

    reason: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class FastPathStatus:
    """A snapshot for an admin page or a health check (counters are approximate under threads)."""

    state: State
    reason: str | None
    sample_rate: float
    fast: int
    refused: int
    sampled: int
    alert: FastPathAlert | None


@dataclass(frozen=True, slots=True)
class Canonicalization:
    """Canonical N-Quads and how they were computed (``refusal`` says why the fast path was not used)."""

    nquads: str
    path: Literal["fast", "full"]
    refusal: str | None = None
    sampled: bool = False


class _ThreadState(threading.local):
    # A class default, so that reading it in a thread that never set it is a plain lookup, not a caught
    # AttributeError (it is read on every canonicalization).
    bypass = False


class _Switch:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.state: State = "untested"
        self.reason: str | None = None
        self.rate = DEFAULT_SAMPLE_RATE
        self.alert: FastPathAlert | None = None
        self.callback: Callable[[FastPathAlert], None] | None = None
        self.counts = {"fast": 0, "refused": 0, "sampled": 0}
        self.generation = 0  # bumped on every change of state (see fast_path_epoch)
        self.local = _ThreadState()
        self.rng = random.Random()  # noqa: S311 - sampling for self-checks, not security
        self.shapes = ShapeMemory()


_switch = _Switch()


def canonicalize_fast(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 N-Quads through the compiled path, or :class:`~.errors.FastPathRefusal`."""
    return canonical_nquads(build_statements(document))


def canonicalize_full(document: Mapping[str, Any]) -> str:
    """RDFC-1.0 N-Quads through full JSON-LD processing with the safe-mode checks (raises UnsafeDocumentError)."""
    return to_nquads(expand_checked(document))


def fast_path_enabled() -> bool:
    """Whether the fast path is in use (False while untested, disabled or bypassed in this thread)."""
    return _switch.state == "enabled" and not _switch.local.bypass


def fast_path_epoch() -> tuple[bool, int]:
    """Whether the fast path is in use in this thread, and how many times the switch has changed state.

    A value computed from canonical N-Quads may be remembered under this key: it changes when the self-test
    enables the path, when the guard or an operator disables it and on a reset, so nothing computed by a fast path
    that has since been switched off is served again.
    """
    return fast_path_enabled(), _switch.generation


def fast_path_status() -> FastPathStatus:
    s = _switch
    return FastPathStatus(
        s.state, s.reason, s.rate, s.counts["fast"], s.counts["refused"], s.counts["sampled"], s.alert
    )


def sample_rate() -> float:
    return _switch.rate


def set_sample_rate(rate: float) -> None:
    """Fraction of fast-path canonicalizations recomputed through the full path (0 to 1; default 0.0025), besides
    the first few of every new shape; 0 turns sampling off altogether."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError("The sample rate is a fraction between 0 and 1.")
    _switch.rate = float(rate)


def set_alert_callback(callback: Callable[[FastPathAlert], None] | None) -> None:
    """Called (once per trip) when the guard disables the fast path; exceptions it raises are logged, not
    propagated."""
    _switch.callback = callback


def disable_fast_path(reason: str) -> None:
    """Switch the fast path off for this process (an operator's decision: logged, no alert)."""
    with _switch.lock:
        _switch.state, _switch.reason = "disabled", reason
        _switch.generation += 1
    logger.warning("OB 3.0 fast canonicalization path disabled: %s", reason)


def reset_fast_path() -> None:
    """Back to ``untested``: the self-test runs again before the next fast canonicalization; clears the alert."""
    with _switch.lock:
        _switch.state, _switch.reason, _switch.alert = "untested", None, None
        _switch.generation += 1
        _switch.counts = dict.fromkeys(_switch.counts, 0)
        _switch.shapes.clear()


@contextmanager
def fast_path_bypassed() -> Iterator[None]:
    """Use only the full path in this thread for the duration (benchmarks, comparisons); no alert, no log."""
    previous = _switch.local.bypass
    _switch.local.bypass = True
    try:
        yield
    finally:
        _switch.local.bypass = previous


def _trip(reason: str, detail: Mapping[str, Any]) -> None:
    alert = FastPathAlert(reason, dict(detail))
    with _switch.lock:
        first = _switch.state != "disabled" or _switch.alert is None
        _switch.state, _switch.reason, _switch.alert = "disabled", reason, alert
        _switch.generation += 1
    logger.error("OB 3.0 fast canonicalization path disabled: %s %s", reason, dict(detail))
    callback = _switch.callback
    if first and callback is not None:
        try:
            callback(alert)
        except Exception:
            logger.exception("The fast path alert callback failed.")


def self_test_fast_path() -> bool:
    """Reproduce the 1EdTech vector and the platform's shapes through the fast path; enable it or trip the guard.

    Returns whether the fast path is enabled. Runs only from ``untested``: an enabled path stays enabled, and a
    disabled one stays disabled until :func:`reset_fast_path`.
    """
    from .selftest import run_self_test  # noqa: PLC0415 - only needed once per process

    with _switch.lock:
        if _switch.state != "untested":
            return _switch.state == "enabled"
        try:
            problems = run_self_test(canonicalize_fast, canonicalize_full)
        except Exception as exc:  # a crash in the self-test is a failed self-test
            logger.exception("The fast path self-test crashed.")
            problems = [f"the self-test crashed: {exc!r}"]
        if problems:
            _trip("start-up self-test failed", {"problems": problems})
            return False
        _switch.state, _switch.reason = "enabled", None
        _switch.generation += 1
        logger.info("OB 3.0 fast canonicalization path enabled (self-test passed).")
        return True


def _detail(document: Mapping[str, Any], fast: str | None, full: str | None) -> dict[str, Any]:
    detail: dict[str, Any] = {"document_id": document.get("id") if isinstance(document.get("id"), str) else None}
    for name, text in (("fast", fast), ("full", full)):
        if text is not None:
            detail[f"{name}_sha256"] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
            detail[f"{name}_lines"] = text.count("\n")
    if fast is not None and full is not None:
        pairs = zip(fast.splitlines(), full.splitlines(), strict=False)
        detail["first_differing_line"] = next((i for i, (a, b) in enumerate(pairs) if a != b), None)
    return detail


def _should_sample(kind: str, fast: str) -> bool:
    switch = _switch
    if not switch.rate:
        return False
    return switch.shapes.is_new(shape_of(kind, fast)) or switch.rng.random() < switch.rate


def _sampled(document: Mapping[str, Any], fast: str) -> Canonicalization:
    _switch.counts["sampled"] += 1
    try:
        full = canonicalize_full(document)
    except Exception:
        _trip("full JSON-LD processing refused a document the fast path accepted", _detail(document, fast, None))
        raise
    if full != fast:
        _trip("fast and full canonical N-Quads differ", _detail(document, fast, full))
        return Canonicalization(full, "full", sampled=True)
    return Canonicalization(fast, "fast", sampled=True)


def canonicalize_traced(
    document: Mapping[str, Any], *, before_full: Callable[[], None] | None = None
) -> Canonicalization:
    """Canonical N-Quads of ``document`` through the fast path when it is enabled and accepts the document.

    ``before_full`` runs before full processing is used instead (fast path off, refused or broken) — the signer
    passes the JSON-level safety checks, which a document the fast path accepts passes by construction.
    """
    if _switch.state == "untested":
        self_test_fast_path()
    if not fast_path_enabled():
        return _full(document, before_full, _switch.reason or "fast path bypassed")
    try:
        fast = canonicalize_fast(document)
    except FastPathRefusal as refusal:
        _switch.counts["refused"] += 1
        return _full(document, before_full, str(refusal))
    except Exception as exc:  # a bug in the fast path: never sign with it again in this process
        logger.exception("The fast canonicalization path raised unexpectedly.")
        _trip(f"the fast path raised {type(exc).__name__}", _detail(document, None, None))
        return _full(document, before_full, f"fast path error: {exc!r}")
    _switch.counts["fast"] += 1
    if _should_sample("document", fast):
        return _sampled(document, fast)
    return Canonicalization(fast, "fast")


def canonicalize_proof_config(config: Mapping[str, Any]) -> Canonicalization:
    """:func:`canonicalize_traced` of a proof configuration, from its shape's template when one applies
    (:mod:`.proofconfig`: only ``created`` is filled in). A template result is counted and sampled against the
    full path exactly like any other fast result; anything else goes through :func:`canonicalize_traced`."""
    if _switch.state == "untested":
        self_test_fast_path()
    epoch = fast_path_epoch()
    if not epoch[0]:
        return canonicalize_traced(config)
    try:
        fast = proof_config_nquads(config, epoch)
    except Exception as exc:  # a bug in the template code: the same treatment as one in the fast path
        logger.exception("The proof configuration template raised unexpectedly.")
        _trip(f"the fast path raised {type(exc).__name__}", _detail(config, None, None))
        return canonicalize_traced(config)
    if fast is None:
        return canonicalize_traced(config)
    _switch.counts["fast"] += 1
    if _should_sample("proof config", fast):
        return _sampled(config, fast)
    return Canonicalization(fast, "fast")


def _full(document: Mapping[str, Any], before: Callable[[], None] | None, why: str) -> Canonicalization:
    if before is not None:
        before()
    return Canonicalization(canonicalize_full(document), "full", why)
