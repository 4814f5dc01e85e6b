"""Drive the 1EdTech OB 2.0 validator (badgecheck, in its own venv) from the main test suite.

``ensure_badgecheck()`` builds ``var/badgecheck-venv`` once with ``badgecheck/setup.sh`` and returns its python;
``run_badgecheck(input)`` runs ``badgecheck/run_badgecheck.py`` on a URL, a JWS, JSON or a baked image path and
returns the one JSON report it prints (see that script's docstring for the fields). Plain Python: no Django.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["BadgecheckUnavailable", "ensure_badgecheck", "run_badgecheck"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SETUP = HERE / "badgecheck" / "setup.sh"
RUNNER = HERE / "badgecheck" / "run_badgecheck.py"
VENV = Path(os.environ.get("BADGECHECK_VENV", ROOT / "var" / "badgecheck-venv"))
SETUP_TIMEOUT = 600
RUN_TIMEOUT = 120


class BadgecheckUnavailable(RuntimeError):
    """The validator's virtualenv could not be built; the message says why."""


@functools.cache
def _setup() -> Path:
    try:
        proc = subprocess.run(
            ["bash", str(SETUP)],
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT,
            env={**os.environ, "BADGECHECK_VENV": str(VENV)},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BadgecheckUnavailable(f"badgecheck setup.sh could not run: {exc}") from exc
    python = VENV / "bin" / "python"
    if proc.returncode != 0 or not python.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise BadgecheckUnavailable(f"badgecheck setup.sh failed (exit {proc.returncode}): " + " | ".join(tail))
    return python


def _leaks_into_validator(name: str) -> bool:
    """Variables that would make the validator's python see our packages or route loopback through a proxy."""
    return name.startswith(("PYTHON", "VIRTUAL_ENV")) or name.lower() in {
        "http_proxy",
        "https_proxy",
        "all_proxy",
    }


def ensure_badgecheck() -> Path:
    """Build the validator venv if needed and return its python; raise :class:`BadgecheckUnavailable` if not."""
    return _setup()


def run_badgecheck(badge_input: str | os.PathLike[str], *, timeout: float = RUN_TIMEOUT) -> dict[str, Any]:
    """Validate ``badge_input`` (URL, JWS, JSON text or image path) and return badgecheck's report as a dict."""
    python = ensure_badgecheck()
    arg = os.fspath(badge_input)
    use_stdin = len(arg) > 100_000
    proc = subprocess.run(
        [str(python), str(RUNNER), "-" if use_stdin else arg],
        input=arg if use_stdin else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if not _leaks_into_validator(k)},
    )
    lines = proc.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        raise RuntimeError(
            f"run_badgecheck.py printed no JSON (exit {proc.returncode}): {proc.stderr[-2000:]}"
        ) from exc
    if "harnessError" in report:
        raise RuntimeError(f"badgecheck harness failed: {report['harnessError']}\n{report.get('traceback', '')}")
    report["stderr"] = proc.stderr[-4000:]
    return report
