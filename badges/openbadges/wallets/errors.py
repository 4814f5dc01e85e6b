"""OpenID4VCI error responses: the OAuth error codes (RFC 6749 §5.2, RFC 6750 §3.1) and the credential request
codes of OpenID4VCI 1.0 §8.3.1.2, with their HTTP statuses and the draft-13 spelling of the codes it lacked.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["Oid4vciError"]

#: Codes draft-13 wallets do not know, and what draft 13 called the same refusal.
_DRAFT_13_CODES = {
    "invalid_nonce": "invalid_proof",
    "unknown_credential_configuration": "unsupported_credential_format",
    "unknown_credential_identifier": "invalid_credential_request",
    "credential_request_denied": "invalid_credential_request",
}
_STATUS = {"invalid_token": 401, "invalid_client": 401, "insufficient_scope": 403}
# error_description may only hold %x20-21 / %x23-5B / %x5D-7E: printable ASCII without '"' and '\'.
_NOT_ALLOWED = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")


class Oid4vciError(ValueError):
    """A refused OpenID4VCI request: ``error`` is the spec's code, ``description`` plain English for developers.

    ``status`` is the HTTP status to answer with (401 for a missing or bad access token, else 400).
    """

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description

    @property
    def status(self) -> int:
        return _STATUS.get(self.error, 400)

    def to_json(
        self, *, draft: bool = False, c_nonce: str | None = None, c_nonce_expires_in: int | None = None
    ) -> dict[str, Any]:
        """The JSON error body. ``draft`` renames the codes draft 13 lacked; ``c_nonce`` is the fresh nonce a
        draft-13 wallet needs after a refused proof (its §7.3.2)."""
        error = _DRAFT_13_CODES.get(self.error, self.error) if draft else self.error
        body: dict[str, Any] = {"error": error, "error_description": _NOT_ALLOWED.sub("'", self.description)[:500]}
        if c_nonce is not None:
            body["c_nonce"] = c_nonce
            if c_nonce_expires_in is not None:
                body["c_nonce_expires_in"] = c_nonce_expires_in
        return body

    def www_authenticate(self) -> str | None:
        """The ``WWW-Authenticate`` header of a 401 (RFC 6750 §3), or None."""
        if self.error != "invalid_token":
            return None
        return f'Bearer error="invalid_token", error_description="{_NOT_ALLOWED.sub(chr(39), self.description)}"'
