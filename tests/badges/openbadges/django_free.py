"""Lets the Django-free standards tests run under ``pytest -p no:django``.

The root ``tests/conftest.py`` has an autouse fixture that takes pytest-django's ``settings``. When these
modules run without the Django plugin, importing :func:`settings` from here gives that fixture a harmless
stand-in; with the plugin loaded, nothing is defined and pytest-django's own fixture is used.
"""

import sys
import types

import pytest

if "pytest_django" not in sys.modules:

    @pytest.fixture
    def settings() -> types.SimpleNamespace:
        """Stand-in for pytest-django's ``settings`` fixture (only attributes get set on it)."""
        return types.SimpleNamespace()
