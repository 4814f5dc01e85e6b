"""The attack suite: each module is one area, each test an attack that must be refused.

Browser fixtures (Debian's Chromium through Playwright) are the browser suite's, shared here.
"""

from tests.browser.conftest import browser, new_page, site  # noqa: F401  (pytest fixtures)
