"""`make run` from a fresh clone: runtime dependencies only, the demo login last, Ctrl-C stops every process it
started, and the work tree is left as it was (everything it writes goes under the ignored var/)."""

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent
STOP_WITHIN = 30  # seconds: the worker's warm shutdown, whatever is left killed at 15 s, margin for a loaded CI machine


def _make_dry_run(target: str, tmp_path: Path) -> str:
    result = subprocess.run(
        ["make", "-n", target, f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_run_installs_the_runtime_dependencies_only(tmp_path):
    run = _make_dry_run("run", tmp_path)
    assert "-e ." in run and "[test]" not in run
    test = _make_dry_run("test", tmp_path)
    assert '-e ".[test]"' in test and "lint-imports" in test and "deptry" in test


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session(sid: int) -> list[str]:
    result = subprocess.run(["ps", "-s", str(sid), "-o", "pid=,stat=,args="], capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if line.strip() and " Z" not in line]


def _lines_until(process: subprocess.Popen, marker: str, timeout: float) -> list[str]:
    """Lines of the process's output until one starts with `marker`, then whatever follows within 3 s."""
    lines: list[str] = []
    pending = ""
    reader = selectors.DefaultSelector()
    reader.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    seen_at = None
    while time.monotonic() < deadline and (seen_at is None or time.monotonic() < seen_at + 3):
        if not reader.select(timeout=0.5):
            continue
        chunk = os.read(process.stdout.fileno(), 65536).decode()
        if not chunk:
            break
        pending += chunk
        *complete, pending = pending.split("\n")
        lines += complete
        if seen_at is None and any(line.startswith(marker) for line in complete):
            seen_at = time.monotonic()
    return lines + ([pending] if pending else [])


@pytest.fixture
def clone(tmp_path):
    target = tmp_path / "laurel"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True, timeout=120)
    return target


def test_make_run_from_a_fresh_clone(clone):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAUREL_", "CELERY_", "DJANGO_"))}
    for name in ("DATABASE_URL", "CACHE_URL", "EMAIL_URL", "EMAIL_FILE_PATH", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    env["PORT"] = str(port)
    # The clone runs with this test run's virtualenv, already installed: -o keeps make from installing into it.
    make = subprocess.Popen(
        ["make", "--no-print-directory", "-o", "install-run", "run", f"VENV={VENV}"],
        cwd=clone,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a session of its own, as a terminal would give it: Ctrl-C goes to its group
        # As in a terminal, Ctrl-C is not ignored: a CI runner started in the background may pass SIGINT down as
        # ignored, and a shell cannot trap a signal ignored on entry.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines = _lines_until(make, "Demo login:", timeout=240)
        output = "\n".join(lines)
        assert any(line.startswith("Demo login:") for line in lines), output[-4000:]
        assert lines[-1].startswith("Demo login: demo@"), output[-4000:]
        assert f"Laurel is running on http://127.0.0.1:{port}/" in output
        assert f"E-mails: written as files to {clone / 'var' / 'mail'}/" in output
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200
        assert len(_session(make.pid)) >= 4, _session(make.pid)  # make, bin/run-dev, web, worker

        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C in the terminal
        make.wait(timeout=STOP_WITHIN)
        deadline = time.monotonic() + 5
        while _session(make.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _session(make.pid) == []
    finally:
        if make.poll() is None or _session(make.pid):
            subprocess.run(["pkill", "-KILL", "-s", str(make.pid)], check=False)
            make.wait(timeout=10)
    rest = make.stdout.read().decode()
    assert "Stopped." in rest, rest

    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True)
    assert status.stdout == ""
    assert (clone / "var" / "log" / "worker.log").exists() and not (clone / "control").exists()
