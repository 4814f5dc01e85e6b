"""Where uploaded artwork and baked badges live: `STORAGE_URL` turned into Django's default storage, the names
baked files get, and the errors that mean "the store is unavailable, try again later".

No STORAGE_URL: the local filesystem under MEDIA_ROOT (one machine, the embedded default). With
`STORAGE_URL=s3://bucket[/prefix]?endpoint_url=https://…&region_name=…&addressing_style=path` the files go to any
S3-compatible store (AWS S3, MinIO, Ceph, Garage…) through django-storages; the credentials are never in the URL but
in the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or the machine's role, as boto3 looks them up.
Decision 0026 says why files are streamed by the application rather than served from the store.
"""

import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"

# Query parameters of an s3:// STORAGE_URL, each an option of django-storages' S3Storage.
_S3_OPTIONS = ("endpoint_url", "region_name", "addressing_style", "signature_version", "custom_domain")
_ADDRESSING_STYLES = ("path", "virtual", "auto")


def storage_from_url(url: str) -> dict:
    """The STORAGES["default"] entry for `url`; "" means the local filesystem. Anything unclear is refused at
    start-up with the reason, so a typo cannot silently put files on a web server's own disk."""
    if not url:
        return {"BACKEND": FILESYSTEM}
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ImproperlyConfigured(f"STORAGE_URL must start with s3:// (got {parts.scheme or 'no'} scheme).")
    if parts.username or parts.password:
        raise ImproperlyConfigured(
            "STORAGE_URL must not carry credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead."
        )
    if not parts.hostname:
        raise ImproperlyConfigured("STORAGE_URL needs a bucket name: s3://bucket?endpoint_url=…")
    options: dict = {
        "bucket_name": parts.netloc,
        "location": parts.path.strip("/"),
        # Never overwrite: every baked file has a name of its own (baked_name), and two uploads of artwork with the
        # same file name must not replace each other's bytes behind the awards that point at them.
        "file_overwrite": False,
        # The bucket stays private: objects get the bucket's default ACL (no public-read), URLs are signed.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
    }
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    for name, values in query.items():
        if name not in _S3_OPTIONS:
            allowed = ", ".join(_S3_OPTIONS)
            raise ImproperlyConfigured(f"STORAGE_URL has an unknown parameter {name!r} (known: {allowed}).")
        if len(values) != 1 or not values[0]:
            raise ImproperlyConfigured(f"STORAGE_URL parameter {name!r} needs exactly one value.")
        options[name] = values[0]
    endpoint = options.get("endpoint_url")
    if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
        raise ImproperlyConfigured("STORAGE_URL endpoint_url must be an http(s) URL.")
    style = options.pop("addressing_style", None)
    if style is not None:
        if style not in _ADDRESSING_STYLES:
            raise ImproperlyConfigured(f"STORAGE_URL addressing_style must be one of {', '.join(_ADDRESSING_STYLES)}.")
        options["addressing_style"] = style
    try:
        import storages.backends.s3  # noqa: F401 — checked here so a missing extra fails at start-up, not mid-batch
    except ImportError as exc:
        raise ImproperlyConfigured(
            "STORAGE_URL=s3://… needs the s3 extra: pip install -c constraints.txt -e '.[s3]'."
        ) from exc
    return {"BACKEND": S3, "OPTIONS": options}


def storage_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the store could not be reached or refused the request for now: the issuing batch is
    retried later (TransientIssueError) instead of failing the awards."""
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        return tuple(errors)
    return (*errors, BotoCoreError, ClientError)


def baked_name(*, public_id: str, extension: str) -> str:
    """A name no other bake ever gets. Two deliveries of the same award racing each other each write their own
    object, so the loser's clean-up deletes its own file and never the winner's (an object store, unlike the
    filesystem storage, would otherwise overwrite the same key); and the bytes under a name never change, which is
    what lets them be cached as immutable (the ETag is the name)."""
    return f"baked/{public_id}/{secrets.token_urlsafe(12)}.{extension}"


def file_version(name: str) -> str:
    """The version of a stored file in URLs (the artwork's ?v=): a new upload is a new name, so a new version."""
    return hashlib.sha256(name.encode()).hexdigest()[:12]
