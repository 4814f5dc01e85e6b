"""Install the pinned Node packages a test client or the benchmark's reference stack needs (``npm_ci_pinned.sh``:
``npm ci`` of the directory's lock file, once), and say plainly why when it cannot be done here.

Plain Python: no Django. Used by ``dcc_client``, ``lcw_client`` and ``bench/node_reference/client.py``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["install_pinned"]

INSTALLER = Path(__file__).resolve().parent / "npm_ci_pinned.sh"
SETUP_TIMEOUT = 600


def install_pinned(directory: Path, marker: str, *, needed_for: str, error: type[Exception]) -> str:
    """Install ``directory``'s pinned packages if needed (``marker`` is one of them, checked to be there); return
    the path of ``node``. Raises ``error`` with the reason when Node.js, npm or the packages are not to be had."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        raise error(f"Node.js and npm are needed for {needed_for} but are not on PATH.")
    where = f"npm ci in {directory.name}/"
    try:
        proc = subprocess.run(
            ["bash", str(INSTALLER), str(directory), marker], capture_output=True, text=True, timeout=SETUP_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise error(f"{where} could not run: {exc}") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise error(f"{where} failed (exit {proc.returncode}): " + " | ".join(tail))
    return node
