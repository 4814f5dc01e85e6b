"""ISO 8601 timestamps for Open Badges 2.0 documents: aware datetimes in, ``YYYY-MM-DDTHH:MM:SSZ`` out.

OB 2.0 DateTime: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#DateTime
(a time zone is required; validators reject a timestamp without one).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_datetime"]


def format_datetime(value: datetime) -> str:
    """Return ``value`` converted to UTC as ISO 8601 with a ``Z`` suffix, to whole seconds.

    Raises ``ValueError`` for a naive datetime: a timestamp without a zone fails validation, and guessing the
    zone would silently shift issue and expiry dates.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("refusing a naive datetime: Open Badges timestamps need a time zone")
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
