"""For bench/batch_verify_bench.py only: the platform's WSGI application answering each request after
BENCH_LATENCY_MS, as a badge host across the internet would (so verifying over HTTP waits as it does for real)."""

import os
import time

from config.wsgi import application as platform

LATENCY = float(os.environ.get("BENCH_LATENCY_MS", "50")) / 1000


def application(environ, start_response):
    time.sleep(LATENCY)
    return platform(environ, start_response)
