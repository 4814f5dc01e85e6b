"""Load test (for `make bench`, not a test): gunicorn on PostgreSQL, wrk on 127.0.0.1, bounded in time.

Creates a throwaway database on 127.0.0.1:5432 (user postgres, trust auth), migrates, issues one badge through
the real pipeline, starts gunicorn with a bench-only URLconf (bench/bench_urls.py adds a plain Django JSON view as
the baseline), then runs wrk against: the baseline, the public per-award JSON endpoint (GET /assertions/<id>,
Accept: application/ld+json) and the per-award verification endpoint (GET /api/v1/awards/<id>/verify).
Prints requests/s and p99 latency for each, and whether the target holds on a 2-core machine (>= 2,000 req/s,
p99 < 20 ms) for the per-award JSON and for the per-award verification (a remembered verdict, decision 0024).
CACHE_URL=redis://… runs it on a shared cache as production does (default: each worker's local memory).
Everything is torn down at the end, also on failure.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DURATION = int(os.environ.get("BENCH_SECONDS", "8"))
# Few connections and sync workers: on 2 cores wrk and gunicorn share the CPUs, and deeper queues only add latency.
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str((os.cpu_count() or 2) * 2)))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")

ISSUE_ONE = """
import django; django.setup()
from badges.issuing import award_issue
from courses.services import enrolment_complete, enrolment_enrol
from tests.factories import CourseFactory
course = CourseFactory()
enrolment = enrolment_enrol(actor=None, course=course, email="bench@example.org", name="Bench Learner")
award = enrolment_complete(actor=None, enrolment=enrolment)
assert award_issue(award_id=award.id)
print(award.public_id)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _psql(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", **PG)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


# Many employers behind our proxy: each request names one of CLIENTS addresses in X-Forwarded-For (the server trusts
# one proxy), so the verification rate limit keeps one short history per client, as in production, instead of one
# history holding every request of the run (DRF's sliding log costs as much as its length).
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "1000"))
MANY_CLIENTS_LUA = """
local n = 0
request = function()
  n = n + 1
  local i = n %% %d
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  local a, b = math.floor(i / 65536), math.floor(i / 256) %% 256
  headers["X-Forwarded-For"] = "10." .. a .. "." .. b .. "." .. (i %% 256)
  return wrk.format(nil, nil, headers)
end
"""


def _wrk(url: str, *, accept: str, script: str | None = None) -> tuple[float, float, int]:
    """(requests/s, p99 ms, non-2xx count) of a wrk run against ``url`` (with a wrk Lua ``script`` if given)."""
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{DURATION}s", "--latency", "-H", f"Accept: {accept}"]
    if script is not None:
        command += ["-s", script]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=DURATION + 30, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p99, int(errors.group(1)) if errors else 0


def _wait(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own 127.0.0.1 server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {url}")


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    database = f"laurel_bench_{os.getpid()}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    var_dir = tempfile.mkdtemp(prefix="laurel-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "LAUREL_VAR_DIR": var_dir,
        "PUBLIC_BASE_URL": base,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "VERIFY_THROTTLE_RATE": "1000000000/s",  # measure the endpoint, not the throttle
        "TRUSTED_PROXY_COUNT": "1",  # the many-clients run's X-Forwarded-For; the others send none (REMOTE_ADDR)
        "CELERY_BROKER_URL": "memory://",
    }
    _psql(f'CREATE DATABASE "{database}"')
    server = None
    try:
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        public_id = subprocess.run(
            [PY, "-c", ISSUE_ONE], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        server = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi:application",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(WORKERS),
                "-k",
                WORKER_CLASS,
                *(["--threads", "4", "--keep-alive", "5"] if WORKER_CLASS == "gthread" else []),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        _wait(f"{base}/bench/baseline", time.monotonic() + 30)
        many_clients = Path(var_dir) / "many_clients.lua"
        many_clients.write_text(MANY_CLIENTS_LUA % CLIENTS)
        verify_url = f"{base}/api/v1/awards/{public_id}/verify"
        targets = [
            ("plain Django JSON view (baseline)", f"{base}/bench/baseline", "application/json", None),
            ("per-award JSON  GET /assertions/<id>", f"{base}/assertions/{public_id}", "application/ld+json", None),
            ("per-award verify GET /api/v1/awards/<id>/verify", verify_url, "application/json", None),
            (f"per-award verify, {CLIENTS} client addresses", verify_url, "application/json", str(many_clients)),
        ]
        cache = os.environ.get("CACHE_URL", "").split(":", 1)[0] or "local memory per worker"
        print(
            f"gunicorn {WORKER_CLASS}: {WORKERS} workers on PostgreSQL, cache {cache}; "
            f"wrk -t2 -c{CONNECTIONS} -d{DURATION}s"
        )
        print(f"{'endpoint':52} {'req/s':>9} {'p99 ms':>8} {'non-2xx':>8}")
        results = {}
        for name, url, accept, script in targets:
            warm_up = ["wrk", "-t1", "-c4", "-d2s", "-H", f"Accept: {accept}", url]
            subprocess.run(warm_up, capture_output=True, check=True, timeout=30)
            rps, p99, errors = _wrk(url, accept=accept, script=script)
            results[name] = (rps, p99)
            print(f"{name:52} {rps:9.0f} {p99:8.2f} {errors:8d}")
        baseline_rps = results[targets[0][0]][0]
        for label, name in (
            ("per-award JSON", targets[1][0]),
            ("per-award verify", targets[2][0]),
            (f"per-award verify ({CLIENTS} clients)", targets[3][0]),
        ):
            rps, p99 = results[name]
            verdict = "met" if rps >= 2000 and p99 < 20 else "NOT met"
            share = rps / baseline_rps
            print(f"{label}: {share:.0%} of baseline throughput; target >=2000 req/s, p99 < 20 ms: {verdict}")
        json_rps = results[targets[1][0]][0]
        verify_rps, verify_p99 = results[targets[2][0]]
        print(
            f"per-award verify beside per-award JSON: {verify_rps / json_rps:.0%} of its throughput, "
            f"p99 {verify_p99:.2f} ms"
        )
        return 0
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        _psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
