"""Open Badges documents for this platform's objects: model instances in, plain JSON-LD out.

The standards code (badges/openbadges) knows nothing of models; this module is the only translation between
the two, and it decides every identifier through issuers.public_urls and badges.public_urls.
"""

import json
from typing import Any

from badges.openbadges.ob2 import compose as ob2
from badges.openbadges.ob3 import compose as ob3
from issuers.identity_documents import ob2_public_key_urls
from issuers.models import Issuer, SigningKey
from issuers.public_urls import issuer_did, issuer_url, key_url, revocation_list_url, status_list_url

from .models import Award, AwardStatus, BadgeClass
from .public_urls import assertion_url, badge_class_image_url, badge_class_url


def ob2_issuer_profile(issuer: Issuer) -> dict[str, Any]:
    """https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Profile"""
    return ob2.issuer_profile(
        id=issuer_url(issuer),
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description or None,
        public_keys=ob2_public_key_urls(issuer),
        revocation_list=revocation_list_url(issuer),
    )


def ob2_badge_class(badge_class: BadgeClass) -> dict[str, Any]:
    """https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#BadgeClass"""
    return ob2.badge_class(
        id=badge_class_url(badge_class),
        name=badge_class.name,
        description=badge_class.description,
        image=badge_class_image_url(badge_class),
        issuer=issuer_url(badge_class.issuer),
        criteria_narrative=badge_class.criteria_narrative or None,
        criteria_url=badge_class.criteria_url or None,
        alignments=[
            ob2.Alignment(
                target_name=a.target_name,
                target_url=a.target_url,
                target_description=a.target_description or None,
                target_framework=a.target_framework or None,
                target_code=a.target_code or None,
            )
            for a in badge_class.alignments.all()
        ],
        tags=badge_class.tags,
    )


def _ob2_assertion(award: Award, *, id: str, verification: dict[str, Any]) -> dict[str, Any]:
    return ob2.assertion(
        id=id,
        badge=badge_class_url(award.badge_class),
        recipient=ob2.identity_object(identity_hash=award.recipient_hash, salt=award.recipient_salt),
        verification=verification,
        issued_on=award.valid_from,
        expires=award.expires_on,
        evidence=[award.evidence_url] if award.evidence_url else (),
        narrative=award.narrative or None,
        image=badge_class_image_url(award.badge_class),
    )


def ob2_hosted_assertion(award: Award) -> dict[str, Any]:
    """A hosted assertion: its id is the URL that serves it."""
    return _ob2_assertion(award, id=assertion_url(award), verification=ob2.hosted_verification())


# What a private badge's hosted assertion leaves out (docs/decisions/0010-what-private-means.md): what the learner
# did, in their words or at their address. The signed JWS and the baked files keep both; they are the holder's.
PRIVATE_OMITTED = ("evidence", "narrative")


def ob2_hosted_assertion_published(award: Award) -> dict[str, Any]:
    """What the hosted assertion's URL serves to anyone: the assertion as issued, or, while the learner keeps the
    badge private, the same without its evidence and narrative — still enough for hosted verification."""
    document = award.ob2_assertion
    if award.public:
        return document
    return {key: value for key, value in document.items() if key not in PRIVATE_OMITTED}


def ob2_signed_assertion(award: Award, *, key: SigningKey) -> dict[str, Any]:
    """A signed assertion: id urn:uuid, verification.creator = the RSA key's CryptographicKey URL."""
    return _ob2_assertion(
        award, id=f"urn:uuid:{award.uuid}", verification=ob2.signed_verification(creator=key_url(key))
    )


def ob2_revocation_list(issuer: Issuer) -> dict[str, Any]:
    """Lists both ids of each revoked award: the hosted URL and the signed urn:uuid."""
    revoked = Award.objects.filter(issuer=issuer, status=AwardStatus.REVOKED).only(
        "public_id", "uuid", "revocation_reason"
    )
    entries = []
    for award in revoked:
        entries.append(ob2.RevokedAssertion(id=f"urn:uuid:{award.uuid}", reason=award.revocation_reason or None))
        entries.append(ob2.RevokedAssertion(id=assertion_url(award), reason=award.revocation_reason or None))
    return ob2.revocation_list(id=revocation_list_url(issuer), issuer=issuer_url(issuer), revoked=entries)


def ob3_credential(award: Award) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential (https://www.imsglobal.org/spec/ob/v3p0/#openbadgecredential)."""
    badge_class, issuer = award.badge_class, award.issuer
    image = ob3.Image(id=badge_class_image_url(badge_class), caption=badge_class.name)
    achievement = ob3.Achievement(
        id=badge_class_url(badge_class),
        name=badge_class.name,
        description=badge_class.description,
        criteria=ob3.Criteria(id=badge_class.criteria_url or None, narrative=badge_class.criteria_narrative or None),
        image=image,
        achievement_type=badge_class.achievement_type,
        alignments=[
            ob3.Alignment(
                target_name=a.target_name,
                target_url=a.target_url,
                target_code=a.target_code or None,
                target_framework=a.target_framework or None,
                target_description=a.target_description or None,
            )
            for a in badge_class.alignments.all()
        ],
        tags=badge_class.tags,
    )
    evidence = []
    if award.evidence_url or award.narrative:
        evidence.append(ob3.Evidence(id=award.evidence_url or None, narrative=award.narrative or None))
    return ob3.open_badge_credential(
        credential_id=f"urn:uuid:{award.uuid}",
        issuer=ob3.IssuerProfile(id=issuer_did(issuer), name=issuer.name, url=issuer.url, email=issuer.email),
        achievement=achievement,
        recipient=ob3.Recipient(email=award.learner.email, salt=award.recipient_salt),
        valid_from=award.valid_from,
        valid_until=award.expires_on,
        awarded_date=award.issued_on,
        name=badge_class.name,
        description=badge_class.description,
        image=image,
        evidence=evidence,
        status=ob3.StatusEntry(status_list_credential=status_list_url(issuer), index=award.status_list_index),
    )


def json_text(document: dict[str, Any]) -> str:
    """The JSON text we bake and serve: compact, UTF-8, key order as composed."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
