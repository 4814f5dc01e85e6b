"""A misconfigured production start is refused: `manage.py check --deploy` is clean in the production configuration,
and a key-encryption key that cannot decrypt the stored signing keys stops the start (check --deploy, the worker)
instead of failing every award afterwards.

The production configuration is read at import, so these run `manage.py` in a subprocess with LAUREL_ENV=production
against a temporary SQLite database, as a deployment would.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from tests.factories import IssuerFactory
from tests.security.test_headers import PRODUCTION_ENV, ROOT

OLD_KEK = PRODUCTION_ENV["KEY_ENCRYPTION_KEYS"]
NEW_KEK = "Ud4o3hTzq1p8w3lZ0xV6cQeRkq6m0c9yI0s8rM2bX1E="

_CREATE_ISSUER = """
import django; django.setup()
from issuers.services import issuer_create
issuer_create(actor=None, name="Institute", slug="institute", url="https://institute.example.edu",
              email="badges@institute.example.edu")
"""


def _env(tmp_path, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LAUREL_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **PRODUCTION_ENV,
        **extra,
    }


def _manage(tmp_path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=180,
    )


def _python(tmp_path, code: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_env(tmp_path, **extra), capture_output=True, text=True, timeout=180
    )


@pytest.fixture
def deployed(tmp_path):
    """A migrated production database with one institution, its signing keys encrypted under OLD_KEK."""
    migrated = _manage(tmp_path, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    created = _python(tmp_path, _CREATE_ISSUER)
    assert created.returncode == 0, created.stderr[-3000:]
    return tmp_path


def test_check_deploy_is_clean_in_production(deployed):
    """Attack surface: every warning of `check --deploy` (no HSTS, no HTTPS redirect, insecure cookies, DEBUG, weak
    secret key...) is a door left open. In the production configuration it reports nothing, even at WARNING."""
    result = _manage(deployed, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no issues" in result.stdout


def test_wrong_key_encryption_key_stops_check_deploy(deployed):
    """Attack/accident: the service starts with a KEY_ENCRYPTION_KEYS that cannot decrypt the stored signing keys
    (a typo, a rotation that dropped the old key). Before, `check --deploy` passed and every award then failed to
    sign. Now the deploy check refuses the start; keeping the old key after the new one passes."""
    wrong = _manage(deployed, "check", "--deploy", KEY_ENCRYPTION_KEYS=NEW_KEK)
    assert wrong.returncode != 0
    assert "laurel.E012" in wrong.stderr and "cannot be decrypted" in wrong.stderr
    assert OLD_KEK not in wrong.stderr + wrong.stdout and NEW_KEK not in wrong.stderr + wrong.stdout
    rotated = _manage(
        deployed, "check", "--deploy", "--fail-level", "WARNING", KEY_ENCRYPTION_KEYS=f"{NEW_KEK},{OLD_KEK}"
    )
    assert rotated.returncode == 0, rotated.stderr[-3000:]


def test_check_deploy_before_the_first_migration_does_not_crash(tmp_path):
    """A fresh deployment runs `check --deploy` before `migrate`: no signing-key table yet is not an error."""
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.django_db(transaction=True)  # the worker hook closes the connection, which an atomic test cannot survive
def test_wrong_key_encryption_key_stops_the_worker(settings):
    """The worker refuses to start (before taking any task) when a signing key cannot be decrypted, instead of
    failing every award of the queue."""
    from config.celery import refuse_undecryptable_signing_keys

    IssuerFactory()
    refuse_undecryptable_signing_keys()  # the right key: the worker starts
    settings.KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        refuse_undecryptable_signing_keys()


_SIGN_IN = """
import django; django.setup()
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import override_settings
user = get_user_model().objects.create_user("ada@example.org", "ada@example.org", "a long learner password")
EmailAddress.objects.create(user=user, email="ada@example.org", verified=True, primary=True)
static = dict(settings.STORAGES, staticfiles={"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"})
with override_settings(STORAGES=static):
    response = Client().post(
        "/accounts/login/", {"login": "ada@example.org", "password": "a long learner password"}, secure=True
    )
morsel = response.cookies["sessionid"]
print(response.status_code, bool(morsel["secure"]), bool(morsel["httponly"]), morsel["samesite"])
"""


def test_production_session_cookie_is_secure_httponly_and_samesite(deployed):
    """Attack: the session cookie of a signed-in learner or staff member leaks over plain HTTP or to a script.
    In production the cookie a real sign-in sets is Secure, HttpOnly and SameSite=Lax."""
    result = _python(deployed, _SIGN_IN)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["302", "True", "True", "Lax"]


def test_per_process_cache_in_production_is_a_deploy_warning(deployed):
    """Attack: with a cache inside each process, an attacker guessing passwords gets the lock-out's allowance once
    per web worker, and again after each restart. `check --deploy` says so."""
    result = _manage(deployed, "check", "--deploy", "--fail-level", "WARNING", CACHE_URL="")
    assert result.returncode != 0 and "laurel.W021" in result.stderr + result.stdout
