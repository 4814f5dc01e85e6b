"""Drive the Learner Credential Wallet stand-in (Node.js, ``lcw/client.mjs``) from the main test suite.

``ensure_lcw()`` installs the pinned DCC libraries the LCW is built from, once (``npm_ci_pinned.sh``: ``npm ci``
into ``tests/interop/lcw/node_modules``) and returns the ``node`` to run it with. Each helper runs one subcommand
and returns its exit code and the JSON object it printed:

- :func:`lcw_present` — a DID-Auth presentation: ``{"did", "didDocument", "vp"}``;
- :func:`lcw_interaction` — the VCALM interaction-URL route; :func:`lcw_request` — the credential-request deep
  link; both ``{"did", "steps": [{"url", "method", "status"}], "status", "response"}``, exit 1 when the server's
  last answer was not 2xx. Any other failure is ``{"error": message}`` with exit 2.

Plain Python: no Django. See ``lcw/client.mjs`` for which LCW source file each step follows.
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

from tests.interop.node_packages import install_pinned

__all__ = ["LcwUnavailable", "ensure_lcw", "lcw_interaction", "lcw_present", "lcw_request", "run_lcw"]

HERE = Path(__file__).resolve().parent / "lcw"
CLIENT = HERE / "client.mjs"
RUN_TIMEOUT = 120


class LcwUnavailable(RuntimeError):
    """Node.js, npm or the pinned packages are not available here; the message says why."""


@functools.cache
def ensure_lcw() -> str:
    """Install the pinned client libraries if needed; return the path of ``node``. Raises LcwUnavailable."""
    return install_pinned(HERE, "@digitalcredentials/vc", needed_for="the LCW test client", error=LcwUnavailable)


def run_lcw(*args: str) -> tuple[int, dict[str, Any]]:
    """Run ``client.mjs`` with ``args``; return its exit code and the JSON object it printed last."""
    node = ensure_lcw()
    proc = subprocess.run(
        [node, str(CLIENT), *args], capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=HERE, check=False
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"client.mjs printed no JSON (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return proc.returncode, json.loads(lines[-1])


def _options(**options: str | None) -> list[str]:
    return [part for name, value in options.items() if value is not None for part in (f"--{name}", value)]


def lcw_present(
    *,
    challenge: str,
    domain: str | None = None,
    seed: str | None = None,
    suite: str = "ed25519-2020",
    vc_version: str = "2",
) -> dict[str, Any]:
    """A DID-Auth presentation signed as the LCW signs it (``suite="eddsa-rdfc-2022"`` for a Data Integrity one).

    ``seed`` (64 hex digits) fixes the did:key; without it each call is a new wallet."""
    code, out = run_lcw(
        "present", *_options(challenge=challenge, domain=domain, seed=seed, suite=suite, **{"vc-version": vc_version})
    )
    if code != 0:
        raise RuntimeError(f"client.mjs present failed: {out}")
    return out


def lcw_interaction(url: str, *, seed: str | None = None, interact: bool = False) -> tuple[int, dict[str, Any]]:
    """Walk a VCALM interaction URL as the LCW does (``interact=True``: post to interact.service instead)."""
    return run_lcw("interaction", url, *_options(seed=seed), *(["--interact"] if interact else []))


def lcw_request(deep_link: str, *, seed: str | None = None) -> tuple[int, dict[str, Any]]:
    """Walk a credential-request deep link (``https://lcw.app/request?…`` or ``dccrequest://request?…``)."""
    return run_lcw("request", deep_link, *_options(seed=seed))
