"""Benchmark: batch verification (POST /api/v1/verify/batch) beside single verification (POST /api/v1/verify), in
items verified per second per core, on the same items in the same run.

Run: ``.venv/bin/python bench/batch_verify_bench.py [--items 100] [--windows 5]``. Badges are issued through the
real pipeline into a throwaway SQLite database (no network, no broker); then N items — OB 2.0 hosted URLs and
signed JWS, OB 3.0 Data Integrity JSON and VC-JWT, baked PNGs (base64 in the batch, multipart for single calls),
all issued here and answered in-process as ``VERIFY_RESOLVE_LOCALLY`` does in production — are verified as:

- *single*: N calls of POST /api/v1/verify through Django's full request stack (middleware, DRF, rendering);
- *batch*: one call of POST /api/v1/verify/batch with the same N items;
- *4 threads for every item* (not what the platform does): the same N items through ``verify_input`` in a pool of
  4 threads, to measure what threads bring for badges answered locally (CPU-bound work; decision 0021).

Then, over HTTP: a gunicorn serving the same database answers each request BENCH_LATENCY_MS (50 ms) late, as a host
across the internet would, and up to 40 of the hosted URLs are verified with ``VERIFY_RESOLVE_LOCALLY`` off — one
after the other, and through the batch service, which runs URLs of other hosts in its pool of threads. The fetch
cache is emptied before each, as for a verifier meeting these badges for the first time. ``--no-http`` skips it.

Figures are per core: the process's CPU time (user + system) divides the items, and wall-clock figures are printed
beside them. The measures run in turn, in short windows; each figure is the median window (best beside it), because
this shared machine's speed swings from one minute to the next. Every batch answer is checked against the single
answers (same verdicts), so the figures are of equal work.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="laurel-batch-bench-"))
LATENCY_MS = 50
HTTP_ITEMS = 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT = _free_port()
BASE = f"http://127.0.0.1:{PORT}"
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(WORK / "media"),
        "CELERY_BROKER_URL": "memory://",
        "VERIFY_THROTTLE_RATE": "100000000/minute",
        "VERIFY_BATCH_THROTTLE_RATE": "100000000/minute",
        "VERIFY_BATCH_TIMEOUT": "600",
        "PUBLIC_BASE_URL": BASE,  # our badges' ids; answered in-process unless VERIFY_RESOLVE_LOCALLY is off
        "LAUREL_VAR_DIR": str(WORK),
        "DEBUG": "0",
    }
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from badges.verification.batch import batch_item_parse, verify_batch  # noqa: E402
from badges.verification.fetching import fetch_cache  # noqa: E402
from badges.verification.services import verify_input  # noqa: E402
from tests.badges.verification.issued import download, issue  # noqa: E402

FORMS = ("hosted_url", "ob2_jws", "ob3_json", "ob3_jwt", "baked_png")


def items_for(client: Client, count: int) -> list[dict]:
    awards = []
    issuer = None
    for n in range((count + len(FORMS) - 1) // len(FORMS)):
        award = issue(email=f"bench{n}@example.org", issuer=issuer)
        issuer = award.issuer
        awards.append(award)
    items = []
    for award in awards:
        png = download(client, award, "badge.png")
        items += [
            {"url": award.ob2_assertion["id"]},
            {"credential": award.ob2_jws},
            {"credential": award.ob3_credential},
            {"credential": award.ob3_jwt},
            {"image": base64.b64encode(png).decode()},
        ]
    return items[:count]


def single_call(client: Client, item: dict) -> dict:
    if "image" in item:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = base64.b64decode(item["image"])
        response = client.post("/api/v1/verify", {"file": SimpleUploadedFile("badge.png", data)})
    else:
        response = client.post("/api/v1/verify", json.dumps(item), content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def run_single(client: Client, items: list[dict]) -> list[str]:
    return [single_call(client, item)["verdict"] for item in items]


def run_batch(client: Client, items: list[dict]) -> list[str]:
    response = client.post("/api/v1/verify/batch", json.dumps({"items": items}), content_type="application/json")
    assert response.status_code == 200, response.content[:300]
    return [entry["verdict"] for entry in response.json()["items"]]


def run_in_turn(items: list[dict]) -> list[str]:
    parsed = [batch_item_parse(item) for item in items]
    return [verify_input(url=i.url, text=i.text, upload=i.upload, email=i.email).verdict for i in parsed]


def run_threads(_client: Client, items: list[dict]) -> list[str]:
    parsed = [batch_item_parse(item) for item in items]

    def one(item):
        try:
            return verify_input(url=item.url, text=item.text, upload=item.upload, email=item.email).verdict
        finally:
            connection.close()  # each worker thread has its own connection

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, parsed))


def _serve() -> subprocess.Popen:
    """gunicorn (1 process, 16 threads) serving this database, each answer LATENCY_MS late (bench/latency_wsgi.py)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_LATENCY_MS": str(LATENCY_MS)}
    gunicorn = [str(ROOT / ".venv" / "bin" / "gunicorn"), "bench.latency_wsgi:application", "-b", f"127.0.0.1:{PORT}"]
    server = subprocess.Popen(
        [*gunicorn, "-k", "gthread", "-w", "1", "--threads", "16", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/verify", timeout=2):  # noqa: S310 - our own 127.0.0.1 server
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"gunicorn did not answer at {BASE}")


def over_http(items: list[dict], windows: int) -> None:
    """Hosted URLs verified over HTTP, as badges of another host are: one after the other, and as the batch service
    runs them (in its pool of threads)."""
    urls = [item for item in items if "url" in item][:HTTP_ITEMS]
    server = _serve()
    measures = {
        f"in turn, one thread ({len(urls)} hosted URLs)": lambda: run_in_turn(urls),
        f"batch service: 4 threads for them ({len(urls)} URLs)": lambda: [e.verdict for e in verify_batch(items=urls)],
    }
    rates: dict[str, list[float]] = {label: [] for label in measures}
    try:
        with override_settings(VERIFY_RESOLVE_LOCALLY=False, VERIFY_ALLOW_PRIVATE_NETWORKS=True):
            for _window in range(windows):
                for label, measure in measures.items():
                    fetch_cache().clear()  # each window verifies as a first-time verifier of these badges would
                    started = time.perf_counter()
                    verdicts = measure()
                    rates[label].append(len(urls) / (time.perf_counter() - started))
                    assert verdicts == ["valid"] * len(urls), (label, verdicts)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    print(f"  over HTTP from a host answering {LATENCY_MS} ms late (wall clock; median, best in brackets):")
    for label, values in rates.items():
        print(f"  {label:<52} {statistics.median(values):7.1f} /s wall ({max(values):7.1f})")


def cpu() -> float:
    times = os.times()
    return times.user + times.system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--no-http", action="store_true", help="skip the over-HTTP measure (needs gunicorn)")
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    client = Client()
    started = time.perf_counter()
    items = items_for(client, args.items)
    print(f"  {len(items)} items issued here ({', '.join(FORMS)}) in {time.perf_counter() - started:.1f} s")

    measures = {
        f"single: {len(items)} x POST /api/v1/verify": run_single,
        f"batch: 1 x POST /api/v1/verify/batch of {len(items)}": run_batch,
        f"4 threads for every item (not used; {len(items)} items)": run_threads,
    }
    expected = run_single(client, items)  # warm-up, and the verdicts every other measure must give
    assert expected.count("valid") == len(items), expected
    per_core: dict[str, list[float]] = {label: [] for label in measures}
    wall: dict[str, list[float]] = {label: [] for label in measures}
    for _window in range(args.windows):
        for label, measure in measures.items():
            cpu0, wall0 = cpu(), time.perf_counter()
            verdicts = measure(client, items)
            cpu_spent, wall_spent = cpu() - cpu0, time.perf_counter() - wall0
            assert verdicts == expected, (label, verdicts)
            per_core[label].append(len(items) / cpu_spent)
            wall[label].append(len(items) / wall_spent)
    print(f"  items verified per second ({args.windows} windows; median, best in brackets):")
    medians = {}
    for label in measures:
        medians[label] = statistics.median(per_core[label])
        print(
            f"  {label:<52} {medians[label]:7.1f} /s per core ({max(per_core[label]):7.1f})"
            f"   wall {statistics.median(wall[label]):7.1f} /s ({max(wall[label]):7.1f})"
        )
    single, batch, threads = medians.values()
    print(f"  batch vs single, per core: x{batch / single:.2f};  4 threads vs batch, per core: x{threads / batch:.2f}")
    if not args.no_http:
        over_http(items, args.windows)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
