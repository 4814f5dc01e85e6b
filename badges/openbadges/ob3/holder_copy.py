"""A copy of an award's OB 3.0 credential bound to a wallet holder's DID, for the wallet exchanges (issue 15).

VC DM 2.0 §4.4 (credentialSubject.id identifies the subject) and OB 3.0 §B.1.2 AchievementSubject (``id`` and/or
``identifier``). The copy says what the award says — issuer, achievement, dates, evidence, credentialStatus — so
one status bit revokes the award and all its copies; only ``id`` and ``credentialSubject.id`` change. Nothing here
signs: the caller signs the copy (``proof.sign_credential`` and/or ``jwt.sign_jwt``) like any award.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from badges.openbadges.ob3.compose import ComposeError

__all__ = ["holder_bound_copy"]

_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]+")
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_MAX_ID = 4096


def holder_bound_copy(
    credential: Mapping[str, Any], *, holder_id: str, copy_id: str, keep_identifier: bool = True
) -> dict[str, Any]:
    """The award's credential, unsigned, with ``id`` = ``copy_id`` and ``credentialSubject.id`` = ``holder_id``.

    ``credential`` is the award's signed (or unsigned) credential document; its ``proof`` is left out and nothing
    else is changed. ``holder_id`` must be a DID (the key the wallet proved it holds); ``copy_id`` an absolute URI
    such as ``urn:uuid:…``, distinct from the award's id so each copy can be recorded and told apart.

    The salted e-mail ``identifier`` stays by default (``keep_identifier``): OB 3.0 allows both on one subject,
    and a verifier that knows the learner's address can still match the copy to them, as with the award itself.
    It adds no exposure the award does not already have (the same hash and salt are in the award the learner
    shares); a caller that wants a copy identified by the DID alone passes ``keep_identifier=False``.
    """
    if not isinstance(credential, Mapping) or not isinstance(credential.get("credentialSubject"), Mapping):
        raise ComposeError("A holder-bound copy needs a credential with one credentialSubject object.")
    if not isinstance(holder_id, str) or len(holder_id) > _MAX_ID or not _DID.fullmatch(holder_id):
        raise ComposeError("The holder id must be a DID (did:method:identifier, without path, query or fragment).")
    if not isinstance(copy_id, str) or len(copy_id) > _MAX_ID or not _ABSOLUTE_URI.fullmatch(copy_id):
        raise ComposeError("The copy id must be an absolute URI such as urn:uuid:….")
    if copy_id == credential.get("id"):
        raise ComposeError("The copy needs its own id, not the award's.")
    bound = {key: copy.deepcopy(value) for key, value in credential.items() if key != "proof"}
    bound["id"] = copy_id
    subject = dict(bound["credentialSubject"])
    if not keep_identifier:
        subject.pop("identifier", None)
    if "id" not in subject:  # placed after type, where compose.open_badge_credential writes it
        subject = {k: v for k, v in subject.items() if k == "type"} | {"id": None} | subject
    subject["id"] = holder_id
    bound["credentialSubject"] = subject
    return bound
