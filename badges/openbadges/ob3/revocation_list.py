"""The 1EdTech Revocation List Status Method (VCRL 1.0): is a credential in its issuer's list of revoked credentials?

Spec: https://www.imsglobal.org/spec/vcrl/v1p0/ (named by OB 3.0 §9.1 "Verification", step "Check the status", and
the only status method of the OB 3.0 Displayer conformance tests). The credential's ``credentialStatus`` is
``{"id": <the list's URL>, "type": "1EdTechRevocationList"}``; a GET on that URL (``Accept: application/json``)
answers a plain JSON object — not a credential, and unsigned — whose ``revokedCredentials`` lists entries
``{"id": <credential id>, "revoked": true|false (optional), "revocationReason": "…" (optional)}``. The credential
is revoked when its ``id`` is listed and ``revoked`` is true or absent.

1EdTech's own validator (digital-credentials-public-validator, ``RevocationListProbe``) reads the singular
``revokedCredential``; both spellings are read here, so lists written for either are understood. The list may hold
ids of other issuers' credentials or red herrings (the spec allows both): only the credential's own id matters.

Fetching is the caller's (the verifier's injected ``fetch_status_list``); this module only reads a fetched list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["STATUS_TYPE", "ListedStatus", "RevocationListError", "revocation_status"]

STATUS_TYPE = "1EdTechRevocationList"
_ENTRY_LISTS = ("revokedCredentials", "revokedCredential")
#: A reason is shown to a reader: a list that sends a novel is cut, not rendered whole.
_REASON_MAX_CHARS = 500


class RevocationListError(ValueError):
    """What the list's URL answered is not a 1EdTech revocation list."""


@dataclass(frozen=True, slots=True)
class ListedStatus:
    """The credential's status in one list: revoked or not, and the issuer's reason when one is given."""

    revoked: bool
    reason: str | None = None


def _entries(document: Mapping[str, Any]) -> list[Any]:
    present = [name for name in _ENTRY_LISTS if name in document]
    if not present:
        # An issuer that has revoked nothing may well publish no entries at all: nothing is listed.
        return []
    entries: list[Any] = []
    for name in present:
        value = document[name]
        if isinstance(value, Mapping):  # a single entry, as JSON-LD allows
            value = [value]
        if not isinstance(value, list):
            raise RevocationListError(f"its {name} is not a list")
        entries.extend(value)
    return entries


def _reason(entry: Mapping[str, Any]) -> str | None:
    reason = entry.get("revocationReason")
    if not isinstance(reason, str) or not reason.strip():
        return None
    reason = " ".join(reason.split())
    return reason if len(reason) <= _REASON_MAX_CHARS else reason[: _REASON_MAX_CHARS - 1] + "…"


def revocation_status(document: Any, *, credential_id: str) -> ListedStatus:
    """The status of ``credential_id`` in the fetched list ``document``; raises RevocationListError if it is not one.

    An entry whose ``revoked`` is neither absent nor a boolean is read as revoked: the issuer listed the credential,
    and a list that cannot say "not revoked" plainly is not taken to mean it.
    """
    if not isinstance(document, Mapping):
        raise RevocationListError("it is not a JSON object")
    for entry in _entries(document):
        if not isinstance(entry, Mapping) or entry.get("id") != credential_id:
            continue
        if entry.get("revoked", True) is False:
            continue  # listed, and explicitly not revoked (for example reinstated)
        return ListedStatus(True, _reason(entry))
    return ListedStatus(False)
