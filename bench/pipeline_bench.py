"""End-to-end issuing benchmark (for `make bench`, not a test): 10,000 completions through PostgreSQL, Redis and a
Celery worker — CSV import, signing (OB 2.0 JWS, OB 3.0 Data Integrity + VC-JWT), self-verification, baking,
storage and e-mail — on this machine. Prints awards per second and the time to the last badge.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres) and redis-server on PATH; uses a throwaway
database and a private Redis on a free port.
"""

import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
COUNT = int(os.environ.get("BENCH_COMPLETIONS", "10000"))
TARGETS = {"issue #5": 120.0, "issue #8": 30.0}
TARGET_SECONDS = 30.0  # issue 19: CSV file to the last signed and baked badge, counting the import


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql(sql: str, database: str = "postgres") -> None:
    connection = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=database)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def issued(database: str) -> tuple[int, int]:
    """Awards done (issued or failed) and e-mails sent so far."""
    connection = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=database)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status IN ('issued', 'failed')), count(notified_at) FROM badges_award"
        )
        counts = cursor.fetchone()
    connection.close()
    return counts


def _proc_stat(pid: str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(*, process_group: int) -> tuple[float, float]:
    """CPU seconds used so far by the worker's processes and by the PostgreSQL server (its live processes, plus
    the sessions that have exited, which the postmaster's children counters keep).

    Read from /proc, so the figures hold whatever else the machine is doing: they say what an award costs, where
    wall-clock times say how long this run took on a machine that may be shared.
    """
    tick = os.sysconf("SC_CLK_TCK")
    worker = database = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _proc_stat(pid)
        if fields is None:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        if int(fields[2]) == process_group:
            worker += used
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                title = handle.read()
        except OSError:
            continue
        if title.startswith(b"postgres:"):
            database += used
        elif title.split(b"\0")[0].endswith(b"postgres") and b"-D" in title.split(b"\0"):  # the postmaster
            database += used + (int(fields[13]) + int(fields[14])) / tick  # + exited sessions (cutime, cstime)
    return worker, database


def main() -> int:
    if shutil.which("redis-server") is None:
        print("SKIPPED: redis-server is not on PATH")
        return 0
    database = f"laurel_bench_{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="laurel-bench-"))
    redis_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "MEDIA_ROOT": str(workdir / "media"),
        "LAUREL_VAR_DIR": str(workdir / "var"),
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",  # as deployed: with DEBUG on, Django keeps every SQL statement of every task in memory
    }
    python = sys.executable
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    worker = None
    try:
        psql(f"DROP DATABASE IF EXISTS {database}")
        psql(f"CREATE DATABASE {database}")
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        setup = (
            "from courses.demo import seed_demo; from courses.models import Course; r = seed_demo(); "
            "print(r.issuer.slug, Course.objects.filter(issuer=r.issuer).first().code)"
        )
        out = subprocess.run(
            [python, "manage.py", "shell", "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout.split()
        slug, code = out[-2], out[-1]
        baseline, _mailed = issued(database)  # the demo's six awards, queued before the worker started
        csv_path = workdir / "completions.csv"
        rows = "\n".join(f"bench{i}@example.org,Bench Learner {i},{code},yes" for i in range(COUNT))
        csv_path.write_text("email,name,course,completed\n" + rows + "\n")
        worker = subprocess.Popen(
            [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=2",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(4)  # the worker's start-up (and its fast-path self-test) is not part of the measurement
        worker_cpu_before, database_cpu_before = cpu_seconds(process_group=worker.pid)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        subprocess.run(
            [python, "manage.py", "import_completions", "--issuer", slug, str(csv_path)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        imported = time.monotonic() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        import_cpu = children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
        worker_cpu_imported, database_cpu_imported = cpu_seconds(process_group=worker.pid)
        deadline = started + 600
        total = mailed_at = None
        worker_cpu = database_cpu = 0.0
        while time.monotonic() < deadline:
            done, mailed = issued(database)
            if total is None and done >= COUNT + 6:
                total = time.monotonic() - started
                worker_cpu, database_cpu = cpu_seconds(process_group=worker.pid)
            if mailed >= COUNT + 6:
                mailed_at = time.monotonic() - started
                break
            time.sleep(0.5)  # each poll scans the award table: keep the bench's own load on the database small
        total = total if total is not None else time.monotonic() - started
        done = issued(database)[0] - min(baseline, 6)
        print(f"completions: {COUNT:,} (CSV import through PostgreSQL, Redis, one worker with 2 processes)")
        print(f"  CSV checked and applied (enrolments, completions, pending awards): {imported:6.1f} s")
        print(f"  time to the last badge issued, signed, self-verified, baked:        {total:6.1f} s")
        print(f"    of which issuing, from the import's commit to the last badge:    {total - imported:6.1f} s")
        print(f"  awards issued per second, end to end:                              {done / total:8.1f}")
        if worker_cpu:  # measured when the last badge was issued
            ms = [
                import_cpu,
                database_cpu_imported - database_cpu_before,
                worker_cpu - worker_cpu_imported,
                database_cpu - database_cpu_imported,
            ]
            print(
                "  CPU per award — import: command {:.2f} ms + PostgreSQL {:.2f} ms; issuing: worker {:.2f} ms + "
                "PostgreSQL {:.2f} ms".format(*(seconds * 1000 / COUNT for seconds in ms))
            )
        mailed_text = f"{mailed_at:6.1f} s" if mailed_at is not None else "not all within 600 s"
        print(f"  time to the last learner e-mail sent (queued after the badges):   {mailed_text}")
        for name, limit in TARGETS.items():
            verdict = "meets" if total <= limit and done >= COUNT else "misses"
            print(f"  target {name}: all {COUNT:,} in under {limit:.0f} s, CSV file to last badge — {verdict}")
        # Issue 19's figure, in the order it is stated: rows, import, issuing, total, and whether it holds. The
        # load average says whether the wall-clock times were taken on a machine shared with other work.
        holds = "holds" if total < TARGET_SECONDS and done >= COUNT else "does not hold"
        print(
            f"  rows {COUNT:,} | import {imported:.1f} s | issue {total - imported:.1f} s | total {total:.1f} s | "
            f"target < {TARGET_SECONDS:.0f} s: {holds} (load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores)"
        )
        return 0
    finally:
        if worker is not None:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=30)
        redis.terminate()
        redis.wait(timeout=10)
        psql(f"DROP DATABASE IF EXISTS {database}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
