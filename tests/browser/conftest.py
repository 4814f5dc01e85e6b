"""Browser tests: Playwright driving Debian's Chromium, headless, against pytest-django's live server.

Chromium comes from Debian (tests/browser/setup.sh installs it once when missing); `playwright install` is never
used, since it downloads a browser from a CDN. Screenshots go to test-artifacts/browser/ (git-ignored).
"""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.learners.helpers import LEARNER_PASSWORD

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SETUP = Path(__file__).with_name("setup.sh")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
# Offline and quiet: without these Chromium tries to reach Google's update, sync and QUIC endpoints.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    if not Path(CHROMIUM).exists() and shutil.which("apt-get"):
        subprocess.run(["bash", str(SETUP)], check=False, timeout=600, capture_output=True)
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Debian's Chromium is not at {CHROMIUM} and `bash {SETUP}` could not install it")
    return CHROMIUM


# One Chromium per test session. tests/security/conftest.py imports this fixture, which makes a second session
# fixture; a second sync_playwright() in the same thread fails ("Sync API inside the asyncio loop"), so the copy
# that comes second reuses the running browser.
_RUNNING: dict = {}


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if "browser" in _RUNNING:
        yield _RUNNING["browser"]
        return
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary user-data dir, removed on close.
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        _RUNNING["browser"] = browser
        try:
            yield browser
        finally:
            _RUNNING.pop("browser", None)
            browser.close()


@pytest.fixture
def site(live_server, settings):
    """The live server as the platform's public origin, so e-mailed links and badge ids point at it."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    return live_server.url


@pytest.fixture
def new_page(browser):
    """Pages in separate browser contexts: each context is a separate visitor with its own cookies."""
    contexts = []

    def make(locale: str = "en-GB", width: int = 1200, height: int = 900):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def link_in_mail(message, pattern: str) -> str:
    """The first link in an e-mail's text that matches the pattern."""
    for url in re.findall(r"https?://[^\s\"<>]+", message.body):
        if re.search(pattern, url):
            return url
    raise AssertionError(f"No link matching {pattern!r} in: {message.body}")


def last_mail_to(outbox, address: str):
    return next(m for m in reversed(outbox) if address in m.to)


def sign_in(page, site: str, email: str, password: str = LEARNER_PASSWORD) -> None:
    page.goto(f"{site}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/backpack/")
