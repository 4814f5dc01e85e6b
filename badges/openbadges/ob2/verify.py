"""Verifies Open Badges 2.0 Assertions, hosted and signed, the way the 1EdTech validator does, in plain English.

Spec: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html
- Hosted verification (#HostedBadge): the Assertion is fetched from its ``id``; the served document's ``id`` must
  be that URL; HTTP 410 means revoked. The Assertion's host must be the issuer's host, or match the issuer's
  ``verification`` policy (#VerificationObject: ``allowedOrigins``, ``startsWith``).
- Signed verification (#SignedBadge): a compact JWS, RS256 only, checked against the CryptographicKey named by
  ``verification.creator``, whose ``owner`` is the issuer and which the issuer's Profile lists in
  ``publicKey`` (#CryptographicKey, #Profile). Revocation: the issuer's RevocationList (#RevocationList).
- Both: BadgeClass and Issuer Profile are fetched (#BadgeClass, #Profile); ``issuedOn`` not in the future,
  ``expires`` not past (#DateTime); optionally the recipient e-mail against the salted hash (#IdentityObject).
- A hosted Assertion given as JSON (baked into an image, or pasted) is verified against the copy its issuer
  serves, which is authoritative; where the two differ, the verifier says so (decision 0023): a different
  recipient, badge or issuer makes the badge invalid, any other difference is a warning.

Reference behaviour: 1EdTech/openbadges-validator-core ``openbadges/verifier/tasks/`` (crypto.py, verification.py,
validation.py). The network is a plain callable injected by the caller — ``fetch(url) -> Fetched`` — so the same
code verifies badges issued here (answered locally) and elsewhere (answered by the safe fetcher). Check names and
the result shape follow :mod:`badges.openbadges.ob3.verify`, so pages and the API present both generations alike.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from badges.openbadges.checks import Check, CheckedResult, Clock, node_types, utc_now
from badges.openbadges.ob2 import jws
from badges.openbadges.recipient import ob2_recipient_matches

__all__ = [
    "Fetched",
    "Ob2Result",
    "verify",
    "verify_hosted",
    "verify_signed",
]

CONTEXT = "https://w3id.org/openbadges/v2"
_REQUIRED = ("id", "type", "recipient", "badge", "verification", "issuedOn")
_HOSTED = ("hostedbadge", "hosted")
_SIGNED = ("signedbadge", "signed")


@dataclass(frozen=True, slots=True)
class Fetched:
    """What the injected fetcher answers: the HTTP status and the JSON document (None if there was none)."""

    status: int
    document: Any = None


FetchDocument = Callable[[str], Fetched]


@dataclass(slots=True)
class Ob2Result(CheckedResult):
    """All checks, the overall verdict, and the documents that were verified (for presenting the badge)."""

    form: Literal["hosted", "signed", "unknown"]
    checks: list[Check] = field(default_factory=list)
    assertion: dict[str, Any] | None = None
    badge_class: dict[str, Any] | None = None
    issuer: dict[str, Any] | None = None
    key_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "form": self.form,
            "checks": [c.to_dict() for c in self.checks],
            "assertion": self.assertion,
        }


# --- helpers
# --------------------------------------------------------------------------------------------------


def _is_http(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and parsed.utcoffset() is not None else None


def _id_of(node: Any) -> str | None:
    value = node.get("id") if isinstance(node, Mapping) else node
    return value if isinstance(value, str) else None


def _verification_type(assertion: Mapping[str, Any]) -> str:
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, Mapping) else verification
    return kind.lower() if isinstance(kind, str) else ""


def _fetch_object(fetch: FetchDocument, url: str, *, what: str) -> tuple[dict[str, Any] | None, str | None]:
    """Fetch a JSON object; return (document, None) or (None, a plain-language reason)."""
    try:
        answer = fetch(url)
    except Exception as exc:  # noqa: BLE001 - any fetch failure is reported, not raised
        return None, f"The {what} could not be fetched from {url}: {exc}"
    if answer.status != 200:
        return None, f"The {what} could not be fetched from {url} (HTTP {answer.status})."
    if not isinstance(answer.document, Mapping):
        return None, f"What {url} returned is not a {what} (not a JSON object)."
    return dict(answer.document), None


# --- individual checks
# ----------------------------------------------------------------------------------------


def _format_check(assertion: Any) -> Check:
    if not isinstance(assertion, Mapping):
        return Check("format", False, "This is not an Open Badges 2.0 Assertion (not a JSON object).")
    problems = [f"it has no {name}" for name in _REQUIRED if name not in assertion]
    if "type" in assertion and "Assertion" not in node_types(assertion):
        problems.append("its type is not Assertion")
    context = assertion.get("@context")
    if context is not None and CONTEXT not in (context if isinstance(context, list) else [context]):
        problems.append(f"its @context is not {CONTEXT}")
    if "issuedOn" in assertion and _parse_time(assertion.get("issuedOn")) is None:
        problems.append("its issuedOn is not a date and time with a time zone")
    if assertion.get("expires") is not None and _parse_time(assertion.get("expires")) is None:
        problems.append("its expires is not a date and time with a time zone")
    issued, expires = _parse_time(assertion.get("issuedOn")), _parse_time(assertion.get("expires"))
    if issued and expires and expires <= issued:
        problems.append("it expires before it was issued")
    if "recipient" in assertion and not isinstance(assertion.get("recipient"), Mapping):
        problems.append("its recipient is not an IdentityObject")
    if isinstance(assertion.get("image"), str) and assertion["image"].startswith("data:"):
        problems.append("its image is a data URI, which Assertions may not use")
    if problems:
        return Check(
            "format", False, "This is not a well-formed Open Badges 2.0 Assertion: " + "; ".join(problems) + "."
        )
    return Check("format", True, "This is a well-formed Open Badges 2.0 Assertion.")


def _date_checks(assertion: Mapping[str, Any], now: datetime) -> list[Check]:
    checks: list[Check] = []
    issued = _parse_time(assertion.get("issuedOn"))
    if issued is None:
        checks.append(Check("valid_from", False, "The badge has no readable issue date with a time zone."))
    elif issued > now:
        checks.append(Check("valid_from", False, f"The badge's issue date {assertion['issuedOn']} is in the future."))
    else:
        checks.append(Check("valid_from", True, f"The badge was issued on {assertion['issuedOn']}."))
    if assertion.get("expires") is None:
        checks.append(Check("expiration", True, "The badge does not expire."))
    else:
        expires = _parse_time(assertion.get("expires"))
        if expires is None:
            checks.append(Check("expiration", False, "The badge's expiry date cannot be read."))
        elif expires <= now:
            checks.append(Check("expiration", False, f"The badge expired on {assertion['expires']}."))
        else:
            checks.append(Check("expiration", True, f"The badge is valid until {assertion['expires']}."))
    return checks


def _badge_and_issuer(result: Ob2Result, assertion: Mapping[str, Any], fetch: FetchDocument) -> None:
    badge = assertion.get("badge")
    if isinstance(badge, Mapping):
        badge_class, error = dict(badge), None
    elif _is_http(badge):
        badge_class, error = _fetch_object(fetch, badge, what="badge class")
    else:
        badge_class, error = None, "The Assertion's badge is neither a URL nor an embedded BadgeClass."
    if badge_class is not None:
        missing = [n for n in ("name", "description", "criteria", "issuer") if n not in badge_class]
        if "BadgeClass" not in node_types(badge_class) or missing:
            error = "The badge class is not a well-formed BadgeClass" + (
                f" (it has no {', '.join(missing)})." if missing else "."
            )
            badge_class = None
    result.badge_class = badge_class
    if badge_class is None:
        result.checks.append(Check("badge_class", False, error or "The badge class could not be read."))
        return
    name = badge_class.get("name")
    result.checks.append(Check("badge_class", True, f"The badge is “{name}”."))
    issuer_ref = badge_class.get("issuer")
    issuer_id = _id_of(issuer_ref)
    if not _is_http(issuer_id):
        result.checks.append(Check("issuer", False, "The badge class does not name its issuer by an HTTP(S) URL."))
        return
    issuer, error = _fetch_object(fetch, issuer_id, what="issuer profile")
    if issuer is not None:
        if issuer.get("id") != issuer_id:
            issuer, error = None, f"The issuer profile served at {issuer_id} gives another id ({issuer.get('id')})."
        elif not {"Issuer", "Profile"} & set(node_types(issuer)) or not issuer.get("name"):
            issuer, error = None, f"What {issuer_id} returned is not an issuer profile."
    result.issuer = issuer
    if issuer is None:
        result.checks.append(Check("issuer", False, error or "The issuer profile could not be read."))
        return
    result.checks.append(
        Check("issuer", True, f"Issued by {issuer.get('name')}, whose hosted profile is at {issuer_id}.")
    )


def _origin_check(assertion_id: str, issuer: Mapping[str, Any]) -> Check:
    """Hosted badges: the Assertion's URL must be on the issuer's host or allowed by its verification policy."""
    policy = issuer.get("verification")
    host = (urlsplit(assertion_id).hostname or "").lower()
    if isinstance(policy, Mapping) and (policy.get("allowedOrigins") or policy.get("startsWith")):
        origins = policy.get("allowedOrigins") or []
        origins = [origins] if isinstance(origins, str) else origins
        prefixes = policy.get("startsWith") or []
        prefixes = [prefixes] if isinstance(prefixes, str) else prefixes
        if origins and host not in {str(o).lower() for o in origins}:
            return Check("origin", False, f"The badge is hosted at {host}, not in the issuer's allowed origins.")
        if prefixes and not any(assertion_id.startswith(str(p)) for p in prefixes):
            return Check("origin", False, "The badge's URL does not start with any prefix the issuer permits.")
        return Check("origin", True, "The badge is hosted where the issuer's verification policy allows.")
    issuer_host = (urlsplit(str(issuer.get("id", ""))).hostname or "").lower()
    if host != issuer_host:
        return Check("origin", False, f"The badge is hosted at {host}, but its issuer's profile is at {issuer_host}.")
    return Check("origin", True, f"The badge is hosted on the issuer's own site ({host}).")


def _revocation_list_check(
    assertion: Mapping[str, Any], issuer: Mapping[str, Any] | None, fetch: FetchDocument
) -> Check | None:
    """Look the Assertion up in the issuer's RevocationList; None when the issuer publishes none."""
    url = issuer.get("revocationList") if isinstance(issuer, Mapping) else None
    url = _id_of(url)
    if not url:
        return None
    if not _is_http(url):
        return Check("status", False, "The issuer's revocation list address is not an HTTP(S) URL.", "warning")
    document, error = _fetch_object(fetch, url, what="revocation list")
    if document is None:
        return Check("status", False, error or "The revocation list could not be read.", "warning")
    if "RevocationList" not in node_types(document):
        return Check("status", False, f"What {url} returned is not a RevocationList.", "warning")
    assertion_id = assertion.get("id")
    for entry in document.get("revokedAssertions") or []:
        if _id_of(entry) == assertion_id:
            reason = entry.get("revocationReason") if isinstance(entry, Mapping) else None
            suffix = f" Reason given: {reason}" if reason else ""
            return Check(
                "status", False, "The issuer has revoked this badge (it is in their revocation list)." + suffix
            )
    return Check("status", True, "The issuer has not revoked this badge.")


def _status_check(
    assertion: Mapping[str, Any], issuer: Mapping[str, Any] | None, fetch: FetchDocument, *, hosted: bool
) -> Check:
    if assertion.get("revoked") is True:
        reason = assertion.get("revocationReason")
        return Check(
            "status", False, "The issuer has revoked this badge." + (f" Reason given: {reason}" if reason else "")
        )
    listed = _revocation_list_check(assertion, issuer, fetch)
    if listed is not None:
        return listed
    if hosted:
        return Check("status", True, "The issuer's server still answers for this badge: it has not been revoked.")
    return Check("status", True, "The issuer publishes no revocation list; nothing says this badge was revoked.")


def _recipient(result: Ob2Result, assertion: Mapping[str, Any], email: str | None) -> None:
    if email:
        ok, message = ob2_recipient_matches(recipient=assertion.get("recipient"), email=email)
        result.checks.append(Check("recipient", ok, message))


# --- the given copy and the issuer's record (decision 0023)
# ---------------------------------------------------------------

GivenAs = Literal["image", "document"]
_DIFFER = {
    "image": "The image's contents differ from the issuer's record; the issuer's record is shown.",
    "document": "The badge you gave differs from the issuer's record; the issuer's record is shown.",
}
_SUBJECT = {"image": "The image", "document": "What you gave"}
#: What the comparison reads as "who, what and from whom": a change there is another badge, not an update.
_MATERIAL = ("id", "recipient", "badge")
#: What a hosted copy may withhold from everyone while the holder's own copy keeps it (the learner's evidence and
#: narrative of a badge kept private, decision 0010): absent from the record, it is not a disagreement.
_WITHHOLDABLE = ("evidence", "narrative")


def _identity(recipient: Any) -> Any:
    """An IdentityObject reduced to what identifies the recipient (type and hash compared case-insensitively)."""
    if not isinstance(recipient, Mapping):
        return recipient
    identity = recipient.get("identity")
    return (
        str(recipient.get("type", "")).lower(),
        identity.lower() if isinstance(identity, str) and recipient.get("hashed") else identity,
        recipient.get("hashed") is True,
        recipient.get("salt"),
    )


def _same_recipient(given: Any, served: Any, email: str | None) -> bool:
    if _identity(given) == _identity(served):
        return True
    # Salted again (same person, new salt): only an e-mail the verifier gave can show it is the same person.
    if not email:
        return False
    return (
        ob2_recipient_matches(recipient=given, email=email)[0]
        and ob2_recipient_matches(recipient=served, email=email)[0]
    )


def _material_differences(
    given: Mapping[str, Any], served: Mapping[str, Any], email: str | None, issuer_id: str | None
) -> list[str]:
    found = []
    if not _same_recipient(given.get("recipient"), served.get("recipient"), email):
        found.append("it names another recipient than the one the issuer awarded this badge to")
    given_badge, served_badge = given.get("badge"), served.get("badge")
    if _id_of(given_badge) != _id_of(served_badge):
        found.append(
            f"it names another badge ({_id_of(given_badge)!r}, where the issuer's record has {_id_of(served_badge)!r})"
        )
    elif (  # an embedded BadgeClass may name its issuer; the issuer is the one the issuer's record leads to
        isinstance(given_badge, Mapping)
        and "issuer" in given_badge
        and issuer_id is not None
        and _id_of(given_badge["issuer"]) != issuer_id
    ):
        found.append("its badge names another issuer")
    return found


def _record_check(
    given: Mapping[str, Any],
    served: Mapping[str, Any],
    *,
    email: str | None,
    given_as: GivenAs,
    issuer_id: str | None,
) -> Check | None:
    """Compare the Assertion the verifier was given with the one its issuer serves; None when they are the same.

    OB 2.0 hosted verification trusts the hosted copy (#HostedBadge), so that is what is verified and shown either
    way; an issuer may update it (add evidence, correct a date, extend an expiry). What the comparison decides is
    whether to say so as a warning, or to refuse the badge because the image claims another recipient, badge or
    issuer than the issuer's record — the picture someone shows is then not the badge the issuer awarded.
    """
    given = {k: v for k, v in given.items() if k in served or k not in _WITHHOLDABLE}
    if given == served:
        return None
    material = _material_differences(given, served, email, issuer_id)
    if material:
        return Check(
            "hosted",
            False,
            _DIFFER[given_as]
            + f" {_SUBJECT[given_as]} is not the badge the issuer awarded: "
            + "; ".join(material)
            + ".",
        )
    changed = sorted(
        name for name in set(given) | set(served) if name not in _MATERIAL and given.get(name) != served.get(name)
    )
    if given.get("badge") != served.get("badge"):
        changed.append("badge")  # the same badge class, given embedded or in another form
    if given.get("recipient") != served.get("recipient"):
        changed.append("recipient")  # the same recipient, written differently
    what = ", ".join(changed) if changed else "formatting"
    return Check(
        "hosted",
        False,
        _DIFFER[given_as] + f" They differ in: {what}.",
        "warning",
    )


def _revoked_expiry(given: Mapping[str, Any] | None, now: datetime, given_as: GivenAs) -> list[Check]:
    """A revoked badge's 410 answer need not repeat its dates: report the expiry the given copy states, if past."""
    expires = _parse_time(given.get("expires")) if isinstance(given, Mapping) else None
    if expires is None or expires > now:
        return []
    assert given is not None
    where = _SUBJECT[given_as][0].lower() + _SUBJECT[given_as][1:]
    return [Check("expiration", False, f"The badge expired on {given['expires']} (as {where} says).")]


# --- hosted
# ---------------------------------------------------------------------------------------------------


def _revoked_hosted(result: Ob2Result, body: Any, url: str) -> Ob2Result:
    reason = body.get("revocationReason") if isinstance(body, Mapping) else None
    suffix = f" Reason given: {reason}" if reason else ""
    result.checks.append(Check("hosted", True, f"The issuer's server answers for this badge at {url}."))
    result.checks.append(
        Check("status", False, "The issuer has revoked this badge (its server answers 410 Gone)." + suffix)
    )
    return result


def verify_hosted(
    *,
    url: str | None = None,
    assertion: Mapping[str, Any] | None = None,
    fetch: FetchDocument,
    now: Clock = utc_now,
    email: str | None = None,
    given_as: GivenAs = "document",
) -> Ob2Result:
    """Verify a hosted Assertion given by its URL, or by its JSON (a baked image), by fetching it from its id.

    ``given_as`` says what the JSON came in ("image" for a baked image), for the words of a disagreement.
    """
    result = Ob2Result("hosted", assertion=dict(assertion) if isinstance(assertion, Mapping) else None)
    if url is None:
        url = _id_of(assertion)
    if not _is_http(url):
        if assertion is not None:
            result.checks.append(_format_check(assertion))
        result.checks.append(Check("hosted", False, "A hosted badge must have an HTTP(S) URL as its id."))
        return result
    assert url is not None
    try:
        answer = fetch(url)
    except Exception as exc:  # noqa: BLE001 - any fetch failure is reported, not raised
        result.checks.append(Check("hosted", False, f"The badge's address {url} could not be reached: {exc}"))
        return result
    if answer.status == 410:
        _revoked_hosted(result, answer.document, url)
        result.checks.extend(_revoked_expiry(assertion, now(), given_as))
        return result
    if answer.status != 200:
        result.checks.append(
            Check(
                "hosted",
                False,
                f"The issuer's server no longer answers for this badge at {url} (HTTP {answer.status}).",
            )
        )
        return result
    served = answer.document
    if not isinstance(served, Mapping):
        result.checks.append(Check("hosted", False, f"What {url} returned is not an Open Badges Assertion."))
        return result
    if served.get("id") != url:
        result.checks.append(
            Check("hosted", False, f"The document served at {url} says its id is {served.get('id')!r}, not that URL.")
        )
        return result
    if assertion is not None and _id_of(assertion) != url:
        result.checks.append(Check("hosted", False, "The badge's id does not match the address it was fetched from."))
        return result
    result.assertion = dict(served)
    result.checks.append(_format_check(served))
    result.checks.append(Check("hosted", True, f"The issuer's server confirms this badge at {url}."))
    if _verification_type(served) not in _HOSTED:
        result.checks.append(Check("hosted", False, "The Assertion served at its URL is not a hosted badge."))
    _badge_and_issuer(result, served, fetch)
    if assertion is not None:
        issuer_id = _id_of(result.badge_class.get("issuer")) if result.badge_class else None
        record = _record_check(assertion, served, email=email, given_as=given_as, issuer_id=issuer_id)
        if record is not None:
            result.checks.append(record)
    if result.issuer is not None:
        result.checks.append(_origin_check(url, result.issuer))
    result.checks.append(_status_check(served, result.issuer, fetch, hosted=True))
    result.checks.extend(_date_checks(served, now()))
    _recipient(result, served, email)
    return result


# --- signed
# ---------------------------------------------------------------------------------------------------


def _unverified_payload(token: str) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(payload, alg, error) read without verification — only to find which key to fetch."""
    parts = token.split(".")
    if len(parts) != 3:
        return None, None, "This is not a compact JWS (three dot-separated parts)."
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None, None, "The JWS header or payload is not base64url-encoded JSON."
    if not isinstance(header, Mapping) or not isinstance(payload, Mapping):
        return None, None, "The JWS header or payload is not a JSON object."
    alg = header.get("alg")
    return dict(payload), alg if isinstance(alg, str) else repr(alg), None


def _key_document(result: Ob2Result, creator: Any, fetch: FetchDocument) -> dict[str, Any] | None:
    if not _is_http(creator):
        result.checks.append(
            Check("signature", False, "The badge does not say which key signed it (verification.creator).")
        )
        return None
    key, error = _fetch_object(fetch, creator, what="signing key")
    if key is not None and (key.get("id") != creator or not isinstance(key.get("publicKeyPem"), str)):
        key, error = None, f"What {creator} returned is not a CryptographicKey with a publicKeyPem."
    if key is None:
        result.checks.append(Check("signature", False, error or "The signing key could not be read."))
    return key


def _key_listed(issuer: Mapping[str, Any], key_id: str) -> bool:
    listed = issuer.get("publicKey")
    entries = listed if isinstance(listed, list) else [listed]
    return any(_id_of(entry) == key_id for entry in entries)


def _issuer_key_check(key: Mapping[str, Any], issuer: Mapping[str, Any] | None) -> Check:
    if issuer is None:
        return Check("issuer_key", False, "Without the issuer's profile, the signing key cannot be tied to the issuer.")
    if _id_of(key.get("owner")) != issuer.get("id"):
        return Check(
            "issuer_key", False, f"The signing key belongs to {_id_of(key.get('owner'))}, not to the badge's issuer."
        )
    if not _key_listed(issuer, str(key.get("id"))):
        return Check("issuer_key", False, "The issuer's profile does not list the key that signed this badge.")
    return Check("issuer_key", True, "The signing key is published by the issuer and listed in its profile.")


def _signature_problem(message: str) -> str:
    """What a verifier reads when the JWS does not verify: the signature itself, or the issuer's key."""
    if "verification failed" in message:
        return "The signature does not match: the badge was changed, or another key signed it."
    if message.startswith("the public key is not"):
        return f"The issuer's key could not be read: {message}."
    return message


def verify_signed(*, token: str, fetch: FetchDocument, now: Clock = utc_now, email: str | None = None) -> Ob2Result:
    """Verify a signed Assertion (compact JWS, RS256) against its issuer's published CryptographicKey."""
    result = Ob2Result("signed")
    token = token.strip() if isinstance(token, str) else ""
    payload, alg, error = _unverified_payload(token)
    if payload is None:
        result.checks.append(Check("signature", False, error or "This is not a compact JWS."))
        return result
    result.assertion = payload
    if alg != jws.ALGORITHM:
        result.checks.append(_format_check(payload))
        result.checks.append(
            Check(
                "signature", False, f"The signature algorithm {alg} is refused: Open Badges 2.0 signs with RS256 only."
            )
        )
        return result
    result.checks.append(_format_check(payload))
    verification = payload.get("verification")
    creator = verification.get("creator") if isinstance(verification, Mapping) else None
    key = _key_document(result, creator, fetch)
    if key is not None:
        result.key_id = str(key["id"])
        try:
            jws.verify_assertion(token=token, public_key=key["publicKeyPem"])
        except (ValueError, TypeError) as exc:  # jws.SignatureError is a ValueError
            result.checks.append(Check("signature", False, _signature_problem(str(exc))))
        else:
            result.checks.append(Check("signature", True, "The signature is valid (RS256)."))
    if _verification_type(payload) not in _SIGNED:
        result.checks.append(
            Check("signature", False, "The signed Assertion does not declare SignedBadge verification.")
        )
    _badge_and_issuer(result, payload, fetch)
    if key is not None:
        result.checks.append(_issuer_key_check(key, result.issuer))
    result.checks.append(_status_check(payload, result.issuer, fetch, hosted=False))
    result.checks.extend(_date_checks(payload, now()))
    _recipient(result, payload, email)
    return result


def verify(
    *,
    badge: Mapping[str, Any] | str,
    fetch: FetchDocument,
    now: Clock = utc_now,
    email: str | None = None,
    given_as: GivenAs = "document",
) -> Ob2Result:
    """Verify any OB 2.0 input: a JWS (signed), an Assertion URL or Assertion JSON (hosted).

    ``given_as="image"`` when the input was baked into an image (see :func:`verify_hosted`).
    """
    if isinstance(badge, str):
        text = badge.strip()
        if _is_http(text):
            return verify_hosted(url=text, fetch=fetch, now=now, email=email)
        if text.startswith("{"):
            try:
                badge = json.loads(text)
            except (ValueError, RecursionError):
                return Ob2Result("unknown", [Check("format", False, "This is not valid JSON.")])
        else:
            return verify_signed(token=text, fetch=fetch, now=now, email=email)
    if not isinstance(badge, Mapping):
        return Ob2Result("unknown", [_format_check(badge)])
    if _verification_type(badge) in _SIGNED:
        result = Ob2Result("signed", assertion=dict(badge))
        result.checks.append(_format_check(badge))
        result.checks.append(
            Check(
                "signature",
                False,
                "This signed badge was given without its signature: give the JWS or the baked image.",
            )
        )
        return result
    return verify_hosted(assertion=badge, fetch=fetch, now=now, email=email, given_as=given_as)
