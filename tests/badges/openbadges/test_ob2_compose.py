"""OB 2.0 documents have the shape the issuer's checklist (open-badges.md section A) requires."""

import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from badges.openbadges.ob2 import compose as ob2
from badges.openbadges.ob2.timestamps import format_datetime

BASE = "https://badges.example.edu"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ISSUED = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _issuer(**extra):
    return ob2.issuer_profile(
        id=f"{BASE}/issuers/1",
        name="Example University",
        url="https://example.edu",
        email="badges@example.edu",
        **extra,
    )


def _assertion(**extra):
    args = {
        "id": f"{BASE}/assertions/abc",
        "badge": f"{BASE}/badges/python",
        "recipient": ob2.email_identity(email="Learner@Example.com", salt="pepper"),
        "verification": ob2.hosted_verification(),
        "issued_on": ISSUED,
    }
    args.update(extra)
    return ob2.assertion(**args)


def test_every_document_has_the_exact_context_and_is_json():
    docs = [
        _issuer(),
        ob2.badge_class(
            id=f"{BASE}/badges/python",
            name="Python",
            description="d",
            image=f"{BASE}/i.png",
            issuer=f"{BASE}/issuers/1",
            criteria_narrative="Do it",
        ),
        _assertion(),
        ob2.cryptographic_key(id=f"{BASE}/keys/1", owner=f"{BASE}/issuers/1", public_key_pem=PEM),
        ob2.revocation_list(id=f"{BASE}/revocations", issuer=f"{BASE}/issuers/1", revoked=[]),
        ob2.revoked_assertion_body(id=f"{BASE}/assertions/abc", reason="error"),
    ]
    for doc in docs:
        assert doc["@context"] == "https://w3id.org/openbadges/v2"
        assert json.loads(json.dumps(doc)) == doc


PEM = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"


def test_issuer_required_and_optional_fields():
    doc = _issuer(
        description="We teach",
        image=f"{BASE}/logo.png",
        public_keys=[f"{BASE}/keys/1"],
        revocation_list=f"{BASE}/revocations",
        verification_policy=ob2.VerificationPolicy(allowed_origins=["badges.example.edu"]),
    )
    assert {"id", "type", "name", "url", "email"} <= doc.keys()
    assert doc["type"] == "Issuer"
    assert doc["publicKey"] == [f"{BASE}/keys/1"]
    assert doc["revocationList"] == f"{BASE}/revocations"
    assert doc["verification"] == {"type": "VerificationObject", "allowedOrigins": ["badges.example.edu"]}
    bare = _issuer()
    assert "publicKey" not in bare and "verification" not in bare and "description" not in bare


def test_issuer_id_must_be_http():
    with pytest.raises(ob2.ComposeError, match="HTTP"):
        ob2.issuer_profile(id="urn:uuid:1", name="n", url="https://e.org", email="a@e.org")


def test_badge_class_fields_alignment_and_tags():
    doc = ob2.badge_class(
        id=f"{BASE}/badges/python",
        name="Python",
        description="Writes Python",
        image=f"{BASE}/badges/python/image.png",
        issuer=f"{BASE}/issuers/1",
        criteria_narrative="Complete the course.",
        alignments=[
            ob2.Alignment(target_name="Programming", target_url="https://esco.example/skill/1", target_code="P1"),
        ],
        tags=["python", "programming"],
    )
    assert {"id", "type", "name", "description", "image", "criteria", "issuer"} <= doc.keys()
    assert doc["type"] == "BadgeClass"
    assert doc["criteria"] == {"narrative": "Complete the course."}
    assert doc["alignment"] == [
        {"targetName": "Programming", "targetUrl": "https://esco.example/skill/1", "targetCode": "P1"}
    ]
    assert doc["tags"] == ["python", "programming"]


def test_badge_class_criteria_needs_url_or_narrative():
    with pytest.raises(ob2.ComposeError, match="criteria"):
        ob2.badge_class(id="x", name="n", description="d", image="i", issuer="u")
    doc = ob2.badge_class(id="x", name="n", description="d", image="i", issuer="u", criteria_url=f"{BASE}/c")
    assert doc["criteria"] == {"id": f"{BASE}/c"}


def test_hosted_assertion_shape():
    doc = _assertion(
        expires=ISSUED + timedelta(days=365),
        evidence=[f"{BASE}/evidence/1", ob2.Evidence(narrative="Built a thing")],
        narrative="Well done",
        image=f"{BASE}/assertions/abc/image.png",
    )
    assert {"id", "type", "recipient", "badge", "verification", "issuedOn"} <= doc.keys()
    assert doc["type"] == "Assertion"
    assert doc["verification"] == {"type": "HostedBadge"}
    recipient = doc["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True and recipient["salt"] == "pepper"
    assert re.fullmatch(r"sha256\$[0-9a-f]{64}", recipient["identity"])
    assert doc["issuedOn"] == "2024-05-01T12:30:15Z"
    assert ISO_Z.match(doc["expires"])
    assert doc["evidence"] == [f"{BASE}/evidence/1", {"type": "Evidence", "narrative": "Built a thing"}]


def test_signed_assertion_verification():
    doc = _assertion(
        id="urn:uuid:8d1b5a2e-0000-4000-8000-000000000001",
        verification=ob2.signed_verification(creator=f"{BASE}/keys/1"),
    )
    assert doc["verification"] == {"type": "SignedBadge", "creator": f"{BASE}/keys/1"}


def test_assertion_refuses_expiry_before_issue_and_data_uri_image():
    with pytest.raises(ob2.ComposeError, match="expires"):
        _assertion(expires=ISSUED - timedelta(seconds=1))
    with pytest.raises(ob2.ComposeError, match="data URI"):
        _assertion(image="data:image/png;base64,AAAA")


def test_identity_object_refuses_a_malformed_hash():
    with pytest.raises(ob2.ComposeError):
        ob2.identity_object(identity_hash="md5$abc", salt="s")


def test_key_and_revocation_list():
    key = ob2.cryptographic_key(id=f"{BASE}/keys/1", owner=f"{BASE}/issuers/1", public_key_pem=PEM)
    assert key["type"] == "CryptographicKey" and key["owner"] == f"{BASE}/issuers/1"
    rl = ob2.revocation_list(
        id=f"{BASE}/revocations",
        issuer=f"{BASE}/issuers/1",
        revoked=[ob2.RevokedAssertion("urn:uuid:1", "mistake"), ob2.RevokedAssertion("urn:uuid:2")],
    )
    assert rl["type"] == "RevocationList"
    assert rl["revokedAssertions"] == [
        {"id": "urn:uuid:1", "revocationReason": "mistake"},
        {"id": "urn:uuid:2"},
    ]


def test_format_datetime_converts_to_utc_z_and_refuses_naive():
    plus_two = timezone(timedelta(hours=2))
    assert format_datetime(datetime(2024, 1, 1, 2, 0, tzinfo=plus_two)) == "2024-01-01T00:00:00Z"
    with pytest.raises(ValueError, match="naive"):
        format_datetime(datetime(2024, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        _assertion(issued_on=datetime(2024, 1, 1))  # noqa: DTZ001
