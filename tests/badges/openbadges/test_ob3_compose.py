"""OpenBadgeCredential and status list credential composition, checked line by line against OB 3.0 section B."""

import re

import pytest

from badges.openbadges.hashing import hash_email
from badges.openbadges.ob3 import compose
from badges.openbadges.ob3.safety import assert_signable
from tests.interop.ob3_kit import IssuerKit, utc


@pytest.fixture(scope="module")
def kit():
    return IssuerKit(base_url="http://127.0.0.1:8000")


def test_envelope(kit):
    credential = kit.credential()
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", credential["id"])
    assert credential["validFrom"] == "2025-03-01T12:00:00Z"
    assert credential["awardedDate"] == "2025-03-01T12:00:00Z"
    assert "validUntil" not in credential
    assert credential["name"] == "Data Literacy Foundations"
    assert credential["image"] == {"id": kit.achievement().image.id, "type": "Image", "caption": "Badge"}
    assert_signable(credential)


def test_issuer_profile_is_the_did(kit):
    issuer = kit.credential()["issuer"]
    assert issuer == {
        "id": "did:web:127.0.0.1%3A8000:issuers:demo-institute",
        "type": ["Profile"],
        "name": "Demo Institute",
        "url": "http://127.0.0.1:8000/",
        "email": "badges@example.edu",
    }


def test_subject_has_did_and_hashed_email(kit):
    subject = kit.credential()["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["id"].startswith("did:key:z6Mk")
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "identityHash": hash_email(email="learner.one@example.com", salt="s4lt-0f-the-earth"),
            "salt": "s4lt-0f-the-earth",
        }
    ]
    assert "Learner.One" not in str(subject) and "learner.one" not in str(subject)


def test_achievement_shapes(kit):
    achievement = kit.credential()["credentialSubject"]["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert set(achievement["criteria"]) == {"id", "narrative"}
    assert achievement["image"]["type"] == "Image"
    assert achievement["achievementType"] == "Badge"
    assert achievement["alignment"][0]["type"] == ["Alignment"]
    assert achievement["tag"] == ["data", "short course"]


def test_always_arrays_and_single_objects(kit):
    credential = kit.credential()
    for key in ("evidence", "credentialSchema"):
        assert isinstance(credential[key], list)
    assert credential["evidence"][0]["type"] == ["Evidence"]
    assert isinstance(credential["credentialStatus"], dict)


def test_schema_needs_extensions_context_and_can_be_left_out(kit):
    credential = kit.credential()
    assert credential["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    bare = compose.open_badge_credential(
        issuer=kit.profile(),
        achievement=kit.achievement(),
        recipient=compose.Recipient(did="did:example:learner"),
        valid_from=utc(2025, 1, 1),
        include_schema=False,
    )
    assert len(bare["@context"]) == 2 and "credentialSchema" not in bare
    assert_signable(bare)


def test_status_entry(kit):
    status = kit.credential(index=94567)["credentialStatus"]
    assert status == {
        "id": f"{kit.status_list_url}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": kit.status_list_url,
    }


def test_status_list_credential_uses_only_the_vc_context(kit):
    unsigned = compose.status_list_credential(
        list_url=kit.status_list_url, issuer_id=kit.did, encoded_list="uH4sI", valid_from=utc(2025, 1, 1)
    )
    assert unsigned["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert unsigned["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert unsigned["credentialSubject"] == {
        "id": f"{kit.status_list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": "uH4sI",
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"recipient": compose.Recipient()},
        {"recipient": compose.Recipient(email="a@example.com")},
        {"valid_from": utc(2025, 1, 1).replace(tzinfo=None)},
        {"valid_until": utc(2024, 1, 1)},
    ],
)
def test_bad_inputs_are_refused(kit, kwargs):
    args = {
        "issuer": kit.profile(),
        "achievement": kit.achievement(),
        "recipient": compose.Recipient(did="did:example:x"),
        "valid_from": utc(2025, 1, 1),
    } | kwargs
    with pytest.raises(compose.ComposeError):
        compose.open_badge_credential(**args)


def test_criteria_and_status_validation():
    with pytest.raises(compose.ComposeError):
        compose.Criteria().to_json()
    with pytest.raises(compose.ComposeError):
        compose.StatusEntry(status_list_credential="https://x/1", index=-1).to_json()
