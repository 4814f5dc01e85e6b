"""Configuration: production refuses to start without its secrets; system checks catch unverifiable setups."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parent.parent


def run_check(env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "PUBLIC_BASE_URL", "KEY_ENCRYPTION_KEYS", "LAUREL_ENV"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "LAUREL_ENV": "production",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "badges.example.edu",
    "PUBLIC_BASE_URL": "https://badges.example.edu",
    "KEY_ENCRYPTION_KEYS": "M2Uy2Vw5s0ZrJ8yQ5K0p7L2xq3Zo0kqU4m9e6bq6r1c=",
}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "PUBLIC_BASE_URL", "KEY_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without(missing):
    result = run_check({k: v for k, v in PRODUCTION.items() if k != missing})
    assert result.returncode != 0
    assert f"needs the environment variable {missing}" in result.stderr


def test_production_starts_with_everything():
    result = run_check(PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_production_refuses_a_loopback_public_url():
    result = run_check({**PRODUCTION, "PUBLIC_BASE_URL": "http://127.0.0.1:8000"})
    assert result.returncode != 0
    assert "laurel.E003" in result.stderr and "laurel.E004" in result.stderr


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("badges.example.edu", "laurel.E001"),
        ("https://example.edu/badges", "laurel.E002"),
        ("ftp://x.y", "laurel.E001"),
    ],
)
def test_public_base_url_checks(settings, value, code):
    settings.PUBLIC_BASE_URL = value
    assert code in {e.id for e in run_checks()}


def test_bad_key_encryption_key_is_reported(settings):
    settings.KEY_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    assert "laurel.E011" in {e.id for e in run_checks()}


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    """A model change without its migration would reach production unmigrated (or be made there by hand)."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"Models changed without a migration:\n{out.getvalue()}")
