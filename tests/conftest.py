"""Shared fixtures. Unit tests queue tasks to an in-memory broker; integration tests start a real worker."""

import os

import pytest
from hypothesis import settings as hypothesis_settings

from config.celery import app as celery_app

# No per-example deadline: on a shared 2-core CI machine a slow example is load, not a bug (a timing assertion
# would be a flaky test). Each property test still bounds its work with max_examples.
hypothesis_settings.register_profile("laurel", deadline=None)
hypothesis_settings.load_profile("laurel")

# Unit tests never publish to a shared broker, where a stale message could reach a worker of another test run.
# Integration tests run their worker and their producers in subprocesses with an explicit broker URL.
# Celery reads the CELERY_BROKER_URL environment variable before its configuration, so set both.
os.environ["CELERY_BROKER_URL"] = "memory://"
celery_app.conf.broker_url = "memory://"

REQUIRE_ALL = os.environ.get("LAUREL_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop that lacks a tool; fail in CI (LAUREL_REQUIRE_ALL=1), where nothing may be skipped."""
    if REQUIRE_ALL:
        pytest.fail(f"Required in CI but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


# Whatever raised it (pytest.skip, a skip or skipif mark, importorskip, unittest's skips, a skipped module), a skip
# under LAUREL_REQUIRE_ALL=1 fails the run: CI must not pass on tests that did not run. An xfail is not a skip.
_skipped: list[str] = []


def _note_skip(report: pytest.CollectReport | pytest.TestReport) -> None:
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append(f"{report.nodeid or report.fspath}: {reason}")


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _note_skip(report)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _note_skip(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if _skipped:
        terminalreporter.section("LAUREL_REQUIRE_ALL=1: skipped tests fail the run", red=True)
        for line in _skipped:
            terminalreporter.line(line)


@pytest.fixture(autouse=True)
def _verifications_counted_at_once(settings):
    """Tests read verification counts right after the call: write each at once (badges/counters.py batches them in
    production, and no timer thread of a batch outlives a test; its own tests turn batching back on)."""
    settings.VERIFY_COUNT_FLUSH_SECONDS = 0


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Rate-limit counts, lock-outs and cached documents live in the cache: each Django test starts with none, so
    one module's requests cannot throttle the next module's (the local-memory cache outlives a test's database)."""
    if "django_db_setup" in request.fixturenames or request.node.get_closest_marker("django_db"):
        from django.core.cache import cache

        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_root(request, tmp_path):
    """Uploaded and baked files go to a per-test folder (Django tests only; the standards tests need no Django)."""
    if "django_db_setup" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("settings").MEDIA_ROOT = tmp_path / "media"
