"""Drive the Digital Credentials Consortium verifier (Node.js, ``dcc/verify.mjs``) from the main test suite.

``ensure_dcc()`` installs the pinned ``@digitalcredentials/verifier-core`` once (``npm_ci_pinned.sh``: ``npm ci``
into ``tests/interop/dcc/node_modules``) and returns the ``node`` to run it with; ``run_dcc(credential)`` verifies
one credential offline and returns the JSON object ``verify.mjs`` prints::

    {"verified": bool, "steps": [{"id", "valid", "error"?}], "errors": [{"name", "message"}],
     "schema": {...} | None, "fetched": [{"url", "from"}], "refused": [url, ...], "version": "1.0.0-beta.11"}

``verified`` is true when there is no fatal error and every step is valid except ``registered_issuer`` (no issuer
registries offline). Loopback URLs reach the caller's test server (https is rewritten to http); ``url_map``
answers other URLs from files; everything else is refused and listed. Plain Python: no Django.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.interop.node_packages import install_pinned

__all__ = ["DccUnavailable", "dcc_step", "ensure_dcc", "run_dcc"]

HERE = Path(__file__).resolve().parent / "dcc"
RUNNER = HERE / "verify.mjs"
RUN_TIMEOUT = 120


class DccUnavailable(RuntimeError):
    """Node.js, npm or the pinned package is not available here; the message says why."""


@functools.cache
def ensure_dcc() -> str:
    """Install the pinned verifier if needed; return the path of ``node``. Raises DccUnavailable."""
    return install_pinned(
        HERE, "@digitalcredentials/verifier-core", needed_for="the DCC verifier", error=DccUnavailable
    )


def run_dcc(credential: Mapping[str, Any], *, url_map: Mapping[str, Path | str] | None = None) -> dict[str, Any]:
    """Verify ``credential`` with the DCC verifier; return its one-object JSON report (see module docstring)."""
    node = ensure_dcc()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(credential, handle)
        path = handle.name
    env = {**os.environ, "LAUREL_DCC_MAP": json.dumps({k: str(v) for k, v in (url_map or {}).items()})}
    try:
        proc = subprocess.run(
            [node, str(RUNNER), path], capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=HERE, env=env
        )
    finally:
        os.unlink(path)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"verify.mjs printed no report (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(lines[-1])


def dcc_step(report: Mapping[str, Any], step_id: str) -> dict[str, Any] | None:
    """The DCC log entry ``step_id`` (``valid_signature``, ``expiration``, ``revocation_status``…), if present."""
    return next((s for s in report.get("steps", []) if s.get("id") == step_id), None)
