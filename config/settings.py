"""Settings for every environment, read from the environment (see .env.example).

With no environment at all the platform runs embedded: SQLite and a filesystem Celery broker under var/, so a
machine with only Python can run the web server and the worker. With LAUREL_ENV=production it refuses to start
without its secrets.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from badges.storage import storage_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("LAUREL_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

PRODUCTION = env.str("LAUREL_ENV", default="development") == "production"


def _required_in_production(name: str, dev_default):
    value = env.str(name, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"LAUREL_ENV=production needs the environment variable {name}.")
    return dev_default


def _dev_key_encryption_key() -> str:
    """A development key-encryption key kept under var/, so keys survive restarts of `make run`."""
    from cryptography.fernet import Fernet

    path = VAR_DIR / "dev-key-encryption-key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _required_in_production("SECRET_KEY", "dev-only-insecure-secret-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:  # debug pages show settings, SQL and stack traces to whoever triggers an error
    raise ImproperlyConfigured("LAUREL_ENV=production refuses DEBUG=true.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("LAUREL_ENV=production needs the environment variable ALLOWED_HOSTS.")

# The absolute origin of every public identifier (OB 2.0 URLs, did:web DIDs, status lists). Changing it after
# badges were issued makes those badges unverifiable, hence the system checks in issuers/checks.py.
PUBLIC_BASE_URL = _required_in_production("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Fernet keys, comma-separated, newest first: signing keys are encrypted with the first and decrypted with any,
# so the key-encryption key itself can be rotated (`manage.py rotate_key_encryption_key`).
KEY_ENCRYPTION_KEYS = env.list("KEY_ENCRYPTION_KEYS", default=[])
if not KEY_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("LAUREL_ENV=production needs the environment variable KEY_ENCRYPTION_KEYS.")
    KEY_ENCRYPTION_KEYS = [_dev_key_encryption_key()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "csp",
    "issuers",
    "learners",
    "badges",
    "courses",
]

MIDDLEWARE = [
    "issuers.negotiation.ExactVaryMiddleware",  # public documents vary by what they depend on only (decision 0026)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # the Content Security Policy, see "Browser security" below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'laurel.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write concurrently; wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up when it is missing
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Artwork and baked badges: the local filesystem under MEDIA_ROOT, or with STORAGE_URL=s3://bucket?endpoint_url=…
# any S3-compatible store shared by every machine (badges/storage.py; credentials in AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY; decision 0026).
STORAGE_URL = env.str("STORAGE_URL", default="")
STORAGES = {
    "default": storage_from_url(STORAGE_URL),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# HTTP caching of public documents (issuers/negotiation.py, decision 0026): seconds a CDN or browser may keep them.
# Revocation and status lists, and hosted assertions (revoked: 410), briefly: a revocation reaches verifiers within
# that time. Issuer profiles, DID documents, keys and badge classes for minutes. Baked badges and versioned artwork
# never change and are kept for ever (baked badges by browsers only: they carry the learner's data).
HTTP_CACHE_LIST_SECONDS = env.int("HTTP_CACHE_LIST_SECONDS", default=60)
HTTP_CACHE_ASSERTION_SECONDS = env.int("HTTP_CACHE_ASSERTION_SECONDS", default=60)
HTTP_CACHE_DOCUMENT_SECONDS = env.int("HTTP_CACHE_DOCUMENT_SECONDS", default=300)

# Uploads: artwork is validated by content in badges/artwork.py; these caps stop oversized bodies early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
BADGE_IMAGE_MAX_BYTES = env.int("BADGE_IMAGE_MAX_BYTES", default=2 * 1024 * 1024)
CSV_IMPORT_MAX_BYTES = env.int("CSV_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
CSV_IMPORT_MAX_ROWS = env.int("CSV_IMPORT_MAX_ROWS", default=20_000)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if env.str("EMAIL_FILE_PATH", default=""):  # filemail:// URLs cannot carry an absolute path
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Laurel <badges@localhost>")
# Seconds an SMTP connection or reply may take: an unreachable mail server fails the batch (retried later) instead
# of holding a worker process until the task's time limit.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Celery. Embedded default: kombu's filesystem transport under var/, no server needed.
_celery_dir = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("out", "processed", "control"):
        (_celery_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "out"),
        "data_folder_out": str(_celery_dir / "out"),
        "processed_folder": str(_celery_dir / "processed"),
        # kombu keeps its exchange bindings in ./control unless told: the work tree would change on every run.
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
else:
    # A task is redelivered if its worker dies before acknowledging it; this must exceed the longest task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "socket_connect_timeout": 3,  # a down broker must not stall a completion; the sweep re-queues later
        "socket_timeout": 10,
        # Check the queues in CELERY_TASK_QUEUES order: issuing first, e-mails when no badge is waiting.
        "queue_order_strategy": "priority",
    }
# Two queues, consumed by every worker: badges first, then the learners' e-mails, which on a busy day wait for the
# badges rather than share the CPU with them. Decision 0006.
CELERY_TASK_QUEUES = (Queue("celery"), Queue("notifications"))
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "badges.tasks.award_notify_batch_task": {"queue": "notifications"},
    "badges.tasks.awards_remind_expiring_task": {"queue": "notifications"},
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Share of OB 3.0 canonicalizations recomputed through full JSON-LD processing to guard the fast path, besides the
# first three of every new shape of document (decision 0005, third addendum); 0 turns sampling off.
FAST_PATH_SAMPLE_RATE = env.float("FAST_PATH_SAMPLE_RATE", default=0.0025)

# Awards still pending after this many seconds are queued again by the periodic sweep.
AWARD_PENDING_GRACE_SECONDS = env.int("AWARD_PENDING_GRACE_SECONDS", default=120)

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://laurel")
    if env.str("CACHE_URL", default="")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "laurel"}
}

# --- Client addresses and rate limits (badges/api/throttling.py)
# How many proxies of ours stand in front of the platform, each appending the address it saw to X-Forwarded-For.
# 0 (the default): X-Forwarded-For is ignored and REMOTE_ADDR is the client; N: the Nth entry from the right is.
# One count for every limiter: our throttles (badges.api.throttling.client_address), DRF's NUM_PROXIES and allauth's
# ALLAUTH_TRUSTED_PROXY_COUNT. Setting it higher than the real number lets any client choose its address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# The completions API, per credential (API key or token), else per account.
COMPLETIONS_THROTTLE_RATE = env.str("COMPLETIONS_THROTTLE_RATE", default="600/minute")

REST_FRAMEWORK = {
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # --- API authentication (H6, decision 0011): institution API keys made by owners in the admin, and the admin
    # session of staff. No per-user tokens (rest_framework.authtoken is not installed).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "courses.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON nested thousands deep is a 400 on every endpoint, not a RecursionError (badges/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "badges.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("ANON_THROTTLE_RATE", default="120/minute")},
}
# Refused API keys per client address and minute; past it, every key from that address waits (decision 0011).
API_KEY_FAILURES_PER_MINUTE = env.int("API_KEY_FAILURES_PER_MINUTE", default=20)
SPECTACULAR_SETTINGS = {
    "TITLE": "Laurel API",
    "DESCRIPTION": "Award and verify Open Badges.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets share the field name "verdict": name each, so the schema builds without warnings.
    "ENUM_NAME_OVERRIDES": {
        "VerdictEnum": "badges.api.serializers.VERDICTS",
        "BatchVerdictEnum": "badges.api.serializers.BATCH_VERDICTS",
    },
}

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "home"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Browser security: Content Security Policy, HTTPS, cookies, frames (decision 0008, tests/security/test_headers.py)
# Scripts only from our own origin, as files: no inline script or handler, no eval, no plugins, no <base>, no
# framing, forms only to us. Pages put their JavaScript in static/js and their styles in static/css. Responses that
# set their own policy (badge artwork, baked downloads) keep it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the admin's and Swagger UI's inline SVG icons
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
X_FRAME_OPTIONS = "DENY"  # for browsers that ignore frame-ancestors
SECURE_REFERRER_POLICY = "same-origin"  # badge page URLs can carry a claim token; foreign sites never see them
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    # HTTPS only. Plain HTTP is redirected; HSTS makes browsers never try it again for a year. includeSubDomains
    # and preload only reach names under the platform's own host (badges.example.edu), not the institution's
    # apex domain; set SECURE_HSTS_PRELOAD=false to leave the preload token out.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])
    # X-Forwarded-Proto is believed only from a proxy of ours (TRUSTED_PROXY_COUNT, above), which must set it, not
    # pass on the client's. Without one, the TLS connection ends at the application server (gunicorn --certfile)
    # and a client's own X-Forwarded-Proto: https must not pass for a secure connection.
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CELERY_BEAT_SCHEDULE = {
    "award-sweep": {"task": "badges.tasks.award_sweep_task", "schedule": env.int("AWARD_SWEEP_SECONDS", default=60)},
    "expiry-reminders": {"task": "badges.tasks.awards_remind_expiring_task", "schedule": 24 * 3600},
    # Baked files no award points at (a worker killed before publishing, a renewal's old file): badges/orphans.py.
    "baked-orphans": {
        "task": "badges.tasks.baked_orphans_delete_task",
        "schedule": env.int("BAKED_ORPHAN_SWEEP_SECONDS", default=24 * 3600),
    },
}
# Age below which a baked file no award names is left alone: it may belong to a delivery still running. Must
# exceed the issuing batch task's hard time limit (600 s).
BAKED_ORPHAN_MIN_AGE_SECONDS = env.int("BAKED_ORPHAN_MIN_AGE_SECONDS", default=3600)

# --- Worker heartbeat (K4, issue 13: badges/tasks.py worker_heartbeat_task, badges/dashboard.py worker_alert)
# The worker writes its heartbeat every WORKER_HEARTBEAT_SECONDS; staff are alerted when none came for 3 intervals.
# The message expires after one interval: a worker back from an outage writes one fresh heartbeat, not a backlog.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=30)
CELERY_BEAT_SCHEDULE["worker-heartbeat"] = {
    "task": "badges.tasks.worker_heartbeat_task",
    "schedule": WORKER_HEARTBEAT_SECONDS,
    "options": {"expires": WORKER_HEARTBEAT_SECONDS},
}

# --- Learner accounts (django-allauth)
# Learners sign up and in with an e-mail address: a password, or a one-time code e-mailed to them (passwordless).
# Verification is mandatory, because a verified address is what brings its badges into the backpack
# (learners/signals.py). Staff keep the admin's own sign-in (admin:login); everyone else gets allauth's.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # allauth's, finding accounts through verified addresses only (decision 0013).
    "learners.auth_backends.VerifiedEmailAuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "backpack"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# One verified holder per address (allauth's unique_verified_email constraint). An unverified address reserves and
# matches nothing: every lookup by address goes through learners.selectors.users_with_verified_email (the forms
# and backend below), and a first verification from someone other than the registrant hands them the account or is
# refused (learners/adapter.py). Decision 0013.
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "learners.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "learners.forms.LearnerSignupForm",
    "request_login_code": "learners.forms.LearnerRequestLoginCodeForm",
    "reset_password": "learners.forms.LearnerResetPasswordForm",
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_CONFIRMATION_AUTHENTICATED_REDIRECT_URL = "backpack"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 7
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 10
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Laurel] "
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None  # ask ("Remember me")

# --- Verification (badges/verification, badges/api, badges/openbadges/fetch.py)
# Badges issued elsewhere are fetched by the safe fetcher: http(s) only, public addresses only, timeouts, size caps.
# VERIFY_ALLOW_PRIVATE_NETWORKS opens private/loopback addresses: for tests against a live server only, never in
# production (it would let a stranger make this server fetch from the internal network).
VERIFY_ALLOW_PRIVATE_NETWORKS = env.bool("VERIFY_ALLOW_PRIVATE_NETWORKS", default=False)
if PRODUCTION and VERIFY_ALLOW_PRIVATE_NETWORKS:
    raise ImproperlyConfigured("VERIFY_ALLOW_PRIVATE_NETWORKS must not be set with LAUREL_ENV=production.")
VERIFY_FETCH_TIMEOUT = env.float("VERIFY_FETCH_TIMEOUT", default=5.0)  # seconds per fetch, connect to last byte
VERIFY_TOTAL_TIMEOUT = env.float("VERIFY_TOTAL_TIMEOUT", default=10.0)  # seconds for all fetches of one request
VERIFY_FETCH_MAX_BYTES = env.int("VERIFY_FETCH_MAX_BYTES", default=1024 * 1024)
VERIFY_FETCH_MAX_REDIRECTS = env.int("VERIFY_FETCH_MAX_REDIRECTS", default=3)
VERIFY_FETCH_CACHE_SECONDS = env.int("VERIFY_FETCH_CACHE_SECONDS", default=300)
# Our own public URLs, DIDs and status lists are answered in-process (no HTTP to ourselves); tests turn it off to
# verify badges of the live server as if they came from elsewhere.
VERIFY_RESOLVE_LOCALLY = env.bool("VERIFY_RESOLVE_LOCALLY", default=True)
VERIFY_UPLOAD_MAX_BYTES = env.int("VERIFY_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
VERIFY_BODY_MAX_BYTES = env.int("VERIFY_BODY_MAX_BYTES", default=2 * 1024 * 1024)  # JSON bodies of the API
VERIFY_THROTTLE_RATE = env.str("VERIFY_THROTTLE_RATE", default="30/minute")  # per account, else per address
VERIFY_AWARD_CACHE_SECONDS = env.int("VERIFY_AWARD_CACHE_SECONDS", default=60)
# GET /api/v1/awards/<id>/verify counts verifications in memory and writes them at most this often per process
# (badges/counters.py, decision 0024); 0 writes every call at once.
VERIFY_COUNT_FLUSH_SECONDS = env.float("VERIFY_COUNT_FLUSH_SECONDS", default=2.0)
# Batch verification (badges/verification/batch.py, decision 0021): one time budget for all items of a batch; the
# items verified per account, else per address, counted one by one (a batch of N spends N); the JSON body cap of
# POST /api/v1/verify/batch (base64 images included) and the CSV upload cap of /verify/batch.
VERIFY_BATCH_TIMEOUT = env.float("VERIFY_BATCH_TIMEOUT", default=15.0)
VERIFY_BATCH_THROTTLE_RATE = env.str("VERIFY_BATCH_THROTTLE_RATE", default="600/hour")
VERIFY_BATCH_BODY_MAX_BYTES = env.int("VERIFY_BATCH_BODY_MAX_BYTES", default=10 * 1024 * 1024)
VERIFY_BATCH_UPLOAD_MAX_BYTES = env.int("VERIFY_BATCH_UPLOAD_MAX_BYTES", default=1024 * 1024)

# Wallets (badges/wallets, decision 0028): how long an "Add to a wallet" offer works, how many wrong OID4VCI
# transaction codes spend it, and the rate of the wallet endpoints per client address.
WALLET_OFFER_SECONDS = env.int("WALLET_OFFER_SECONDS", default=600)
WALLET_TX_CODE_ATTEMPTS = env.int("WALLET_TX_CODE_ATTEMPTS", default=5)
WALLET_THROTTLE_RATE = env.str("WALLET_THROTTLE_RATE", default="60/minute")
# Who the issuer is (badges/verification/identity.py, decision 0022): an issuer's domain linkage (its website's
# /.well-known/did-configuration.json) is remembered per (DID, website) this many seconds; trust registries are
# local files in the DCC issuer-registry format, "Name=/path/registry.json" entries separated by ";", most
# authoritative first.
VERIFY_DOMAIN_LINKAGE_CACHE_SECONDS = env.int("VERIFY_DOMAIN_LINKAGE_CACHE_SECONDS", default=3600)
VERIFY_TRUST_REGISTRIES = [
    {"name": name.strip(), "path": path.strip()}
    for name, _, path in (item.partition("=") for item in env.str("VERIFY_TRUST_REGISTRIES", default="").split(";"))
    if name.strip() or path.strip()
]
# A foreign badge's image (badges/verification/images.py, decision 0025): fetched up to this size, checked like
# uploaded artwork, and served from /verify/images/<sha256> out of the shared cache for this many seconds.
VERIFY_IMAGE_MAX_BYTES = env.int("VERIFY_IMAGE_MAX_BYTES", default=1024 * 1024)
VERIFY_IMAGE_CACHE_SECONDS = env.int("VERIFY_IMAGE_CACHE_SECONDS", default=3600)

# --- Staff accounts: sign-in, lock-out, two-factor (issuers/views.py StaffLoginView, issuers/middleware.py)
# The admin's sign-in is allauth's login view, so its rate limits apply to staff: after 5 failed passwords for one
# address in 5 minutes (or 10 a minute from one client) sign-in is refused; password resets are limited per address
# and per client. The counters live in the default cache: with the per-process LocMemCache each worker counts alone,
# so production must set CACHE_URL to a shared cache (Redis) for the limits to hold across processes.
ACCOUNT_RATE_LIMITS = {
    **globals().get("ACCOUNT_RATE_LIMITS", {}),
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
    "accept_invitation": "20/m/ip",  # issuers.views.invitation_accept (sets a first password)
}
# Two-factor sign-in (allauth.mfa): authenticator apps (TOTP) with recovery codes; no WebAuthn. Staff of an
# institution that requires it (Issuer.require_mfa) set one up before any admin page opens (issuers/middleware.py).
INSTALLED_APPS.insert(INSTALLED_APPS.index("allauth.account") + 1, "allauth.mfa")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Laurel"
MFA_ADAPTER = "issuers.mfa.MfaAdapter"  # TOTP secrets and recovery seeds encrypted under KEY_ENCRYPTION_KEYS
MIDDLEWARE.append("issuers.middleware.StaffAccessMiddleware")
INVITATION_EXPIRE_DAYS = env.int("INVITATION_EXPIRE_DAYS", default=7)

# --- CSV imports that fail (courses/imports.py, courses/tasks.py; issue 13, K2)
# An import "applying" longer than this has no worker left that could finish it (the task's hard limit is 1800 s):
# the periodic sweep marks it failed, with a retry. Checked every CSV_IMPORT_SWEEP_SECONDS.
CSV_IMPORT_STALE_SECONDS = env.int("CSV_IMPORT_STALE_SECONDS", default=40 * 60)
CELERY_BEAT_SCHEDULE["completion-import-sweep"] = {
    "task": "courses.tasks.completion_import_sweep_task",
    "schedule": env.int("CSV_IMPORT_SWEEP_SECONDS", default=300),
}
