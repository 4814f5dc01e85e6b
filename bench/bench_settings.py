"""Settings for bench/load_bench.py only: the product settings plus a bench URLconf with a baseline view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
