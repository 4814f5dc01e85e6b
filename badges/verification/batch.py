"""Verify many badges in one call — for POST /api/v1/verify/batch and the CSV page /verify/batch.

Each item is one of: a URL, a credential (a JSON object, or text: JSON, a VC-JWT or a JWS), or a base64 image (a
baked PNG/SVG, or a JSON/JWT file), optionally with an e-mail to check. Each is verified by
:func:`badges.verification.services.verify_input`, exactly as a single verification would be, so its verdict is the
one the single endpoint gives. An item that cannot be verified at all (empty, of the wrong type, base64 that does not
decode, a bad e-mail) gets its own error entry; the others go on.

Our own badges, credentials and images (CPU-bound: signatures, canonicalization) run one after the other in the
calling thread; URLs of other hosts (waiting on the network) run meanwhile in a pool of POOL_THREADS threads. All
within one overall deadline (VERIFY_BATCH_TIMEOUT): an item not started by then gets the error ``deadline`` ("send
it again") instead of holding the worker. Why this split, with the figures: docs/decisions/0021-batch-verification.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections
from django.utils import translation

from badges.openbadges.detect import MAX_TEXT_CHARS

from .reports import VerificationInputError, VerificationReport
from .services import verify_input

MAX_BATCH_ITEMS = 100
POOL_THREADS = 4  # for URLs of other hosts only: decision 0021 has the figures
DEADLINE_MESSAGE = "Not checked: the batch ran out of time. Send this item again."
ITEM_KINDS = ("url", "credential", "image")
_DATA_URL = re.compile(r"^data:[\w.+/-]*(;[\w=.+-]+)*;base64,", re.IGNORECASE)
_BASE64_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One item, as :func:`verify_input` takes it: exactly one of ``url``, ``text``, ``upload``."""

    url: str = ""
    text: str = ""
    upload: bytes | None = None
    email: str = ""


@dataclass(slots=True)
class BatchEntry:
    """The answer for the item at ``index``: a verification report, or why the item could not be verified."""

    index: int
    report: VerificationReport | None = None
    error: str = ""
    detail: str = ""

    @property
    def verdict(self) -> str:
        return self.report.verdict if self.report is not None else "error"

    def to_dict(self) -> dict[str, Any]:
        if self.report is None:
            return {"index": self.index, "verdict": "error", "error": self.error, "detail": self.detail}
        return {"index": self.index, **self.report.to_dict()}


def _decoded_image(value: str) -> bytes:
    text = _BASE64_SPACE.sub("", _DATA_URL.sub("", value.strip(), count=1))
    limit = settings.VERIFY_UPLOAD_MAX_BYTES
    if len(text) > (limit // 3 + 1) * 4 + 4:  # refuse before decoding what would be too large anyway
        raise VerificationInputError(f"The image is larger than the {limit:,}-byte limit.", code="too_large")
    alphabet = b"-_" if ("-" in text or "_" in text) else b"+/"
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationInputError("The image is not valid base64.", code="invalid_base64") from None
    if not data:
        raise VerificationInputError("The image is empty.", code="empty")
    return data


def _credential_text(value: Any) -> str:
    # As the single endpoint's serializer (badges.api.serializers.VerifyRequestSerializer.validate_credential).
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict):
        text = json.dumps(value)
    else:
        raise VerificationInputError("A credential is a JSON object, or a JSON/JWT/JWS string.", code="wrong_type")
    if len(text) > MAX_TEXT_CHARS:
        raise VerificationInputError(f"The credential is longer than {MAX_TEXT_CHARS:,} characters.", code="too_large")
    return text


def batch_item_parse(raw: Any) -> BatchItem:
    """The item a client sent: an object with one of ``url``, ``credential``, ``image`` and an optional ``email``.

    Raises :class:`VerificationInputError` saying what is wrong with it.
    """
    if not isinstance(raw, dict):
        raise VerificationInputError(
            'Each item is an object with one of "url", "credential" or "image" (and optionally "email").',
            code="wrong_type",
        )
    unknown = sorted(str(k) for k in raw if k not in (*ITEM_KINDS, "email"))
    if unknown:
        raise VerificationInputError(f"Unknown field(s): {', '.join(unknown)}.", code="unknown_field")
    given = [kind for kind in ITEM_KINDS if raw.get(kind) not in (None, "")]
    if not given:
        raise VerificationInputError('Give one of "url", "credential" or "image".', code="empty")
    if len(given) > 1:
        raise VerificationInputError('Give only one of "url", "credential" or "image".', code="ambiguous")
    email = raw.get("email") or ""
    if not isinstance(email, str) or len(email) > 254:
        raise VerificationInputError("The e-mail is not an address.", code="invalid_email")
    if email:
        try:
            validate_email(email.strip())
        except ValidationError:
            raise VerificationInputError("The e-mail is not an address.", code="invalid_email") from None
    (kind,) = given
    value = raw[kind]
    if kind == "credential":
        return BatchItem(text=_credential_text(value), email=email)
    if not isinstance(value, str):
        raise VerificationInputError(f'"{kind}" must be a string.', code="wrong_type")
    if kind == "url":
        if len(value) > 2048:
            raise VerificationInputError("The URL is longer than 2,048 characters.", code="too_large")
        return BatchItem(url=value, email=email)
    return BatchItem(upload=_decoded_image(value), email=email)


def _waits_on_the_network(item: BatchItem) -> bool:
    """A URL not answered in-process: verifying it is mostly waiting for other hosts, so it may run in a thread."""
    if not item.url:
        return False
    ours = settings.PUBLIC_BASE_URL.rstrip("/") + "/"
    return not (settings.VERIFY_RESOLVE_LOCALLY and item.url.strip().startswith(ours))


def _verify_one(entry: BatchEntry, item: BatchItem, ends: float, clock: Callable[[], float]) -> None:
    if clock() > ends:
        entry.error, entry.detail = "deadline", DEADLINE_MESSAGE
        return
    try:
        entry.report = verify_input(url=item.url, text=item.text, upload=item.upload, email=item.email)
    except VerificationInputError as exc:
        entry.error, entry.detail = exc.code, exc.message


def _verify_in_a_thread(
    language: str | None, entry: BatchEntry, item: BatchItem, ends: float, clock: Callable[[], float]
) -> None:
    try:
        with translation.override(language):  # the request's language is the request thread's, not this one's
            _verify_one(entry, item, ends, clock)
    finally:
        connections.close_all()  # this thread's own connections, if the verification opened any


def verify_batch(
    *, items: Sequence[Any], deadline: float | None = None, clock: Callable[[], float] = time.monotonic
) -> list[BatchEntry]:
    """Verify each of ``items`` (raw client items, or :class:`BatchItem`); one entry per item, in the same order.

    URLs answered by other hosts run in up to POOL_THREADS threads while the rest (our own badges, credentials,
    images: CPU-bound work) runs in this thread. ``deadline`` is the batch's time budget in seconds
    (VERIFY_BATCH_TIMEOUT when None): an item started before it runs to its end (a single verification has its own
    fetch deadline); an item not started by then gets the error ``deadline``.
    """
    if len(items) > MAX_BATCH_ITEMS:
        raise VerificationInputError(f"At most {MAX_BATCH_ITEMS} items can be verified at once.", code="too_many")
    ends = clock() + (settings.VERIFY_BATCH_TIMEOUT if deadline is None else deadline)
    entries = [BatchEntry(index=index) for index in range(len(items))]
    remote, local = [], []
    for entry, raw in zip(entries, items, strict=True):
        try:
            item = raw if isinstance(raw, BatchItem) else batch_item_parse(raw)
        except VerificationInputError as exc:
            entry.error, entry.detail = exc.code, exc.message
            continue
        (remote if _waits_on_the_network(item) else local).append((entry, item))
    if not remote:
        for entry, item in local:
            _verify_one(entry, item, ends, clock)
        return entries
    language = translation.get_language()
    with ThreadPoolExecutor(max_workers=min(POOL_THREADS, len(remote)), thread_name_prefix="verify-batch") as pool:
        waiting = [pool.submit(_verify_in_a_thread, language, entry, item, ends, clock) for entry, item in remote]
        for entry, item in local:
            _verify_one(entry, item, ends, clock)
        for future in waiting:
            future.result()
    return entries


def batch_summary(entries: Sequence[BatchEntry]) -> dict[str, int]:
    """How many entries have each verdict (valid, valid_with_warnings, invalid, error)."""
    counts = dict.fromkeys(("valid", "valid_with_warnings", "invalid", "error"), 0)
    for entry in entries:
        counts[entry.verdict] += 1
    return counts
