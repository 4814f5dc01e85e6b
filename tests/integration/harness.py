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


class S3Server:
    """moto's S3 API server as a process of its own on a free loopback port: the object store that every worker
    shares, spoken to over HTTP by django-storages and boto3 exactly as MinIO or AWS would be."""

    ACCESS_KEY, SECRET_KEY, REGION = "laurel-test", "laurel-test-secret", "us-east-1"

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import urllib.error
        import urllib.request

        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                return
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.REGION,
            aws_access_key_id=self.ACCESS_KEY,
            aws_secret_access_key=self.SECRET_KEY,
        )

    def bucket_create(self, name: str) -> str:
        """A bucket of the caller's own; returns its STORAGE_URL."""
        self.client().create_bucket(Bucket=name)
        return f"s3://{name}?endpoint_url={self.endpoint}&region_name={self.REGION}&addressing_style=path"

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key under `prefix`, read page by page (S3 answers at most 1,000 keys a request)."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def credentials(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY}


class Host:
    """One machine of a several-host deployment, as a worker process sees it: a working directory, a TMPDIR, a
    var/ and a MEDIA_ROOT of its own (which must stay empty when the files go to the object store), its own e-mail
    sink, and a Celery node name. What it shares with the other hosts is only what is in `shared_env`."""

    def __init__(self, *, name: str, root: Path, shared_env: dict[str, str]) -> None:
        self.name = name
        self.home = root / name
        self.tmp, self.media, self.mail = self.home / "tmp", self.home / "media", self.home / "mail"
        for folder in (self.tmp, self.media, self.mail):
            folder.mkdir(parents=True, exist_ok=True)
        self.env = {
            **shared_env,
            "TMPDIR": str(self.tmp),
            "LAUREL_VAR_DIR": str(self.home / "var"),
            "MEDIA_ROOT": str(self.media),
            "EMAIL_URL": "filemail://",
            "EMAIL_FILE_PATH": str(self.mail),
            "PYTHONPATH": str(ROOT),  # the code, as installed on every host; the working directory is not ROOT
        }
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start_worker(self, *, beat: bool = False, concurrency: int = 2) -> subprocess.Popen:
        self.starts += 1
        log = open(self.home / f"worker-{self.starts}.log", "w")  # noqa: SIM115 — closed with the process
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={concurrency}"]
        command += ["--loglevel=INFO", "--without-gossip", "--without-mingle", f"--hostname={self.name}@%h"]
        if beat:
            command += ["--beat", f"--schedule={self.home / 'beat-schedule'}"]
        self.process = subprocess.Popen(
            command,
            cwd=self.home,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self.process

    def kill(self) -> None:
        """The worker and its pool processes at once, as a crash, an OOM kill or a lost machine would."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop what runs on this host: a warm shutdown, then SIGKILL for a worker still busy after 20 s."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        self.kill()

    def log(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.home.glob("worker-*.log")))

    def media_files(self) -> list[Path]:
        return [path for path in self.media.rglob("*") if path.is_file()]
