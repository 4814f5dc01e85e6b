""" "Was this badge issued to this e-mail address?" — checked against the recipient's salted hash, both generations.

- OB 2.0 IdentityObject (``recipient``):
  https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#IdentityObject
- OB 3.0 IdentityObject (``credentialSubject.identifier[]``, ``identityType: "emailAddress"``):
  https://www.imsglobal.org/spec/ob/v3p0/#identityobject

The address is only hashed with the badge's own salt and compared in constant time (:mod:`.hashing`); it is
never returned, logged or kept. Messages do not repeat it.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from badges.openbadges.hashing import email_matches, normalize_email

__all__ = ["RecipientAnswer", "ob2_recipient_matches", "ob3_recipient_matches"]

RecipientAnswer = tuple[bool, str]

_MATCH = "This badge was issued to the e-mail address you gave."
_NO_MATCH = "This badge was not issued to the e-mail address you gave."


def _identity_matches(*, email: str, identity: Any, hashed: Any, salt: Any) -> bool | None:
    """True/False when the identity can be compared with ``email``; None when it is unusable."""
    if not isinstance(identity, str) or not identity:
        return None
    if hashed is True or (isinstance(hashed, str) and hashed.lower() == "true"):
        if not identity.lower().startswith("sha256$"):
            return None  # md5$ and others: not accepted (weak hash, and validators reject it for new badges)
        return email_matches(email=email, identity_hash=identity, salt=salt if isinstance(salt, str) else "")
    expected = normalize_email(identity).encode("utf-8")
    return hmac.compare_digest(expected, normalize_email(email).encode("utf-8"))


def ob2_recipient_matches(*, recipient: Any, email: str) -> RecipientAnswer:
    """Compare ``email`` with an OB 2.0 Assertion's ``recipient`` IdentityObject."""
    if not isinstance(recipient, Mapping):
        return False, "The badge names no recipient, so the e-mail address cannot be checked."
    if str(recipient.get("type", "")).lower() != "email":
        return False, f"The badge identifies its recipient by {recipient.get('type')!r}, not by e-mail address."
    answer = _identity_matches(
        email=email, identity=recipient.get("identity"), hashed=recipient.get("hashed"), salt=recipient.get("salt")
    )
    if answer is None:
        return False, "The badge's recipient identity is not in a form that can be checked."
    return (True, _MATCH) if answer else (False, _NO_MATCH)


def ob3_recipient_matches(*, credential: Any, email: str) -> RecipientAnswer:
    """Compare ``email`` with every e-mail IdentityObject in an OB 3.0 ``credentialSubject.identifier``."""
    subject = credential.get("credentialSubject") if isinstance(credential, Mapping) else None
    identifiers = subject.get("identifier") if isinstance(subject, Mapping) else None
    if isinstance(identifiers, Mapping):
        identifiers = [identifiers]
    emails = [
        item
        for item in identifiers or []
        if isinstance(item, Mapping) and item.get("identityType") in ("emailAddress", "email")
    ]
    if not emails:
        return False, "The credential does not identify its recipient by e-mail address, so it cannot be checked."
    for item in emails:
        answer = _identity_matches(
            email=email, identity=item.get("identityHash"), hashed=item.get("hashed"), salt=item.get("salt")
        )
        if answer:
            return True, _MATCH
    return False, _NO_MATCH
