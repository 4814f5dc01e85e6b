"""Trust registries: which operator-configured lists of known issuers name a badge's issuer.

Each registry is a local file in the Digital Credentials Consortium's issuer-registry format
(https://github.com/digitalcredentials/issuer-registry, ``registry.json``)::

    {"meta": {"created": "...", "updated": "..."},
     "registry": {"did:web:northfield.edu": {"name": "Northfield University", "location": "...", "url": "..."}}}

Settings: VERIFY_TRUST_REGISTRIES, a list of ``{"name", "path"}`` in the order of authority (the operator lists
the most authoritative first, as the DCC client does). Files are read from disk, never fetched: the operator
decides what to trust and when to update it. A file is parsed once and kept until its modification time or size
changes. A missing or malformed file is a system-check error at start-up and a logged warning at verification
time (that registry is reported as unavailable), never an error page.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

log = logging.getLogger(__name__)

#: A registry file larger than this is refused (the DCC's own registries are a few kilobytes).
MAX_REGISTRY_BYTES = 10 * 1024 * 1024


class RegistryError(ValueError):
    """A registry file that cannot be read or is not in the issuer-registry format; says which and why."""


@dataclass(frozen=True, slots=True)
class Registry:
    name: str
    entries: dict[str, str]  # issuer id (DID or URL) -> the name the registry gives it


def parse_registry(data: Any) -> dict[str, str]:
    """Issuer id -> entry name, from a parsed ``registry.json``; RegistryError if it is not in the format."""
    if not isinstance(data, dict) or not isinstance(data.get("registry"), dict):
        raise RegistryError('it has no "registry" object mapping issuer DIDs to entries')
    entries: dict[str, str] = {}
    for issuer_id, entry in data["registry"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise RegistryError(f"the entry for {issuer_id!r} has no name")
        entries[issuer_id] = entry["name"].strip()
    return entries


_lock = threading.Lock()
_loaded: dict[str, tuple[tuple[int, int], dict[str, str]]] = {}


def load_registry_file(path: str) -> dict[str, str]:
    """The entries of the registry at ``path``, parsed once per modification time and size."""
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise RegistryError(f"the file cannot be read ({exc.strerror})") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _loaded.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    if stat.st_size > MAX_REGISTRY_BYTES:
        raise RegistryError(f"the file is larger than {MAX_REGISTRY_BYTES} bytes")
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except OSError as exc:
        raise RegistryError(f"the file cannot be read ({exc.strerror})") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise RegistryError("the file is not JSON") from None
    entries = parse_registry(data)
    with _lock:
        _loaded[path] = (stamp, entries)
    return entries


def configured_registries() -> list[dict[str, str]]:
    return [r for r in getattr(settings, "VERIFY_TRUST_REGISTRIES", []) or [] if isinstance(r, dict)]


def registry_listings(issuer_id: str) -> list[dict[str, Any]]:
    """One ``{"name", "listed", "message"}`` per configured registry (in the operator's order), and the entry's
    name when listed (``entry_name``)."""
    out: list[dict[str, Any]] = []
    for config in configured_registries():
        name = str(config.get("name") or config.get("path") or "")
        try:
            entries = load_registry_file(str(config.get("path") or ""))
        except RegistryError as exc:
            log.warning("Trust registry %r is unavailable: %s", name, exc)
            out.append({"name": name, "listed": False, "message": f"The registry {name} could not be consulted."})
            continue
        entry_name = entries.get(issuer_id)
        if entry_name is None:
            out.append({"name": name, "listed": False, "message": f"Not listed in {name}."})
        else:
            out.append(
                {
                    "name": name,
                    "listed": True,
                    "entry_name": entry_name,
                    "message": f"Listed in {name} as {entry_name}.",
                }
            )
    return out


@register(Tags.compatibility)
def check_trust_registries(app_configs, **kwargs) -> list[Error]:
    """Every configured registry names a readable file in the issuer-registry format."""
    errors = []
    raw = getattr(settings, "VERIFY_TRUST_REGISTRIES", []) or []
    for position, config in enumerate(raw, start=1):
        if not isinstance(config, dict) or not config.get("name") or not config.get("path"):
            errors.append(
                Error(
                    f"VERIFY_TRUST_REGISTRIES entry {position} needs a name and a path.",
                    hint='Write it as "Registry name=/path/to/registry.json", entries separated by ";".',
                    id="laurel.E030",
                )
            )
            continue
        try:
            load_registry_file(config["path"])
        except RegistryError as exc:
            errors.append(
                Error(
                    f"The trust registry {config['name']!r} ({config['path']}) cannot be used: {exc}.",
                    hint="Use the Digital Credentials Consortium issuer-registry format: "
                    '{"registry": {"<issuer DID>": {"name": "..."}}}.',
                    id="laurel.E031",
                )
            )
    return errors
