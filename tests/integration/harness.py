"""Real processes for the pipeline's integration tests: a private Redis server and Celery workers (with beat)
running against the test PostgreSQL database, plus `manage.py` producers — the same commands production runs."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of our own on a free port, so stopping it cannot disturb anything else on the machine."""

    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Platform:
    """Environment shared by the workers and producers: the test database, our Redis, shared media and mail dirs."""

    def __init__(self, *, redis_server: RedisServer, workdir: Path) -> None:
        self.redis = redis_server
        self.media = workdir / "media"
        self.mail = workdir / "mail"
        self.logs = workdir / "logs"
        for folder in (self.media, self.mail, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        self.workers: list[subprocess.Popen] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": redis_server.url,
            "KEY_ENCRYPTION_KEYS": ",".join(settings.KEY_ENCRYPTION_KEYS),
            "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
            "MEDIA_ROOT": str(self.media),
            "LAUREL_VAR_DIR": str(workdir / "var"),
            "EMAIL_URL": "filemail://",
            "EMAIL_FILE_PATH": str(self.mail),
            "CELERY_VISIBILITY_TIMEOUT": "10",
            "AWARD_SWEEP_SECONDS": "3",
            "AWARD_PENDING_GRACE_SECONDS": "8",
            "LOG_LEVEL": "WARNING",
        }

    def manage(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start_worker(self) -> subprocess.Popen:
        log = open(self.logs / f"worker-{len(self.workers)}.log", "w")  # noqa: SIM115 — closed with the process
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "--concurrency=2",
                "--loglevel=INFO",
                f"--schedule={self.logs / 'beat-schedule'}",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Kill the worker and its pool children at once, as a crash or an OOM kill would."""
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(worker.pid, sig)
        worker.wait(timeout=30)

    def stop_all(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                self.kill_worker(worker, signal.SIGTERM)

    def emails(self) -> list[str]:
        """Recipients of every e-mail the workers sent (the file backend writes each message to the folder)."""
        recipients = []
        for path in self.mail.glob("*.log"):
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("To: "):
                    recipients.append(line[4:].strip())
        return recipients


def wait_until(predicate, *, timeout: float, interval: float = 0.5, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what}")
