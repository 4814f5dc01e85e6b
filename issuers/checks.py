"""System checks for misconfigurations that would produce unverifiable badges or unreadable keys."""

from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


@register(Tags.security)
def check_public_base_url(app_configs, **kwargs):
    errors = []
    base = getattr(settings, "PUBLIC_BASE_URL", "")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors.append(
            Error(
                "PUBLIC_BASE_URL must be an absolute http(s) origin such as https://badges.example.edu.",
                hint="Every badge identifier, DID and status list URL is built from it.",
                id="laurel.E001",
            )
        )
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        errors.append(
            Error(
                "PUBLIC_BASE_URL must be an origin without a path, query or fragment.",
                hint="did:web identifiers are derived from the host; a path would make them differ from URLs.",
                id="laurel.E002",
            )
        )
    elif getattr(settings, "PRODUCTION", False):
        if parts.scheme != "https":
            errors.append(
                Error(
                    "In production PUBLIC_BASE_URL must use https.",
                    hint="did:web resolves only over https; verifiers cannot fetch the issuer's DID document.",
                    id="laurel.E003",
                )
            )
        if parts.hostname in ("localhost", "127.0.0.1", "::1"):
            errors.append(
                Error(
                    "In production PUBLIC_BASE_URL must not be a loopback address.",
                    hint="Nobody else can reach it, so no badge would verify.",
                    id="laurel.E004",
                )
            )
    return errors


@register(Tags.security)
def check_key_encryption_keys(app_configs, **kwargs):
    errors = []
    keys = getattr(settings, "KEY_ENCRYPTION_KEYS", [])
    if not keys:
        errors.append(Error("KEY_ENCRYPTION_KEYS is empty; signing keys cannot be stored.", id="laurel.E010"))
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"KEY_ENCRYPTION_KEYS entry {position} is not a valid Fernet key.",
                    hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'",
                    id="laurel.E011",
                )
            )
    return errors


def signing_keys_undecryptable() -> int | None:
    """How many active signing keys the configured KEY_ENCRYPTION_KEYS cannot decrypt; None before the first
    migration (no key table yet). Every active key is tried: one per issuer and algorithm, each a Fernet
    decryption, so even thousands of institutions take a moment."""
    from django.db import connection

    from .keys import KeyDecryptionError, decrypt_private_key
    from .models import KeyState, SigningKey

    if SigningKey._meta.db_table not in connection.introspection.table_names():
        return None
    bad = 0
    active = SigningKey.objects.filter(state=KeyState.ACTIVE).only("private_key_encrypted")
    for key in active.iterator(chunk_size=500):
        try:
            decrypt_private_key(key.private_key_encrypted)
        except (KeyDecryptionError, ValueError):  # ValueError: decrypted, but not a key (a corrupt row)
            bad += 1
    return bad


_UNDECRYPTABLE_HINT = (
    "Start with the key-encryption key the signing keys were encrypted with; after a rotation keep the old key "
    "after the new one in the list until `manage.py rotate_key_encryption_key` ran."
)


@register(Tags.security, deploy=True)
def check_signing_keys_decryptable(app_configs, **kwargs):
    """Deploy check: every active signing key decrypts with KEY_ENCRYPTION_KEYS, so a wrong key stops the start
    instead of failing every award. Runs under plain `check --deploy` (not only with --database), which is what
    a deployment runs before starting the web server; the worker checks the same at start (config/celery.py)."""
    from django.db import DatabaseError

    try:
        bad = signing_keys_undecryptable()
    except DatabaseError as exc:
        return [
            Error(
                f"The signing keys could not be read to check KEY_ENCRYPTION_KEYS: {type(exc).__name__}.",
                hint="Check DATABASE_URL and that the database is reachable.",
                id="laurel.E013",
            )
        ]
    if bad:
        return [
            Error(
                f"{bad} active signing key(s) cannot be decrypted with KEY_ENCRYPTION_KEYS.",
                hint=_UNDECRYPTABLE_HINT,
                id="laurel.E012",
            )
        ]
    return []


def signing_keys_require_decryptable() -> None:
    """Raise ImproperlyConfigured when an active signing key cannot be decrypted (for process start-up hooks)."""
    bad = signing_keys_undecryptable()
    if bad:
        raise ImproperlyConfigured(
            f"{bad} active signing key(s) cannot be decrypted with KEY_ENCRYPTION_KEYS. {_UNDECRYPTABLE_HINT}"
        )


@register(Tags.security, deploy=True)
def check_broker_in_production(app_configs, **kwargs):
    if getattr(settings, "PRODUCTION", False) and settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return [
            Warning(
                "The Celery broker is the embedded filesystem transport.",
                hint="Set CELERY_BROKER_URL to Redis in production so several workers can share the queue.",
                id="laurel.W020",
            )
        ]
    return []


# Caches that live inside one process: each gunicorn worker would keep its own counts of failed sign-ins, resets and
# verifications, so the rate limits and lock-outs would allow as many tries as there are processes, and reset on
# every restart.
_PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def check_shared_cache_in_production(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if getattr(settings, "PRODUCTION", False) and backend in _PER_PROCESS_CACHES:
        return [
            Warning(
                "The cache is kept inside each process, so sign-in lock-outs and rate limits do not hold across "
                "web workers.",
                hint="Set CACHE_URL to a shared cache, e.g. redis://redis:6379/1, in production.",
                id="laurel.W021",
            )
        ]
    return []
