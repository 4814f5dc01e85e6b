"""The Digital Credentials Consortium verifier (verifier-core, pinned, offline) judges OB 3.0 credentials issued by
the live test server — fresh, tampered, revoked in the admin, across key rotation, expired — and our own verifier
agrees with it on every case. The JWT form is checked with an independent JOSE library (joserfc)."""

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from joserfc import jws as jose_jws
from joserfc.jwk import RSAKey

from badges.issuing import award_issue
from badges.models import Award, AwardStatus
from badges.openbadges.ob3 import proof
from badges.openbadges.ob3.verify import verify, verify_data_integrity
from badges.resolvers import fetch_local_status_list, resolve_local_did
from courses.services import enrolment_complete, enrolment_enrol
from issuers.models import IssuerMembership, Role
from tests.conftest import skip_or_fail
from tests.factories import CourseFactory, IssuerFactory, UserFactory
from tests.interop.dcc_client import DccUnavailable, dcc_step, ensure_dcc, run_dcc

pytestmark = [pytest.mark.interop, pytest.mark.django_db(transaction=True)]


VECTOR = Path(__file__).resolve().parents[1] / "badges" / "openbadges" / "vectors" / "ob3-eddsa-rdfc-2022"
VECTOR_SEED = bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4")


@pytest.fixture(scope="module")
def dcc_available():
    try:
        ensure_dcc()
    except DccUnavailable as exc:
        skip_or_fail(str(exc))


def issue(course, email, **kwargs) -> Award:
    enrolment = enrolment_enrol(actor=None, course=course, email=email, name="Learner")
    award = enrolment_complete(actor=None, enrolment=enrolment, **kwargs)
    assert award_issue(award_id=award.id), Award.objects.get(pk=award.id).failure_reason
    return Award.objects.get(pk=award.id)


@pytest.fixture(scope="module")
def outcome(dcc_available, live_server, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PUBLIC_BASE_URL=live_server.url):
        try:
            issuer = IssuerFactory(name="DCC Institute")
            course = CourseFactory(issuer=issuer, badge_class__issuer=issuer)
            expiring = CourseFactory(issuer=issuer, badge_class__issuer=issuer, badge_class__validity_days=30)
            fresh = issue(course, "fresh@example.org")
            to_revoke = issue(course, "revoke@example.org")
            expired = issue(expiring, "expired@example.org", completed_at=timezone.now() - timedelta(days=60))

            staff = UserFactory()
            IssuerMembership.objects.create(issuer=issuer, user=staff, role=Role.OWNER)
            admin = Client()
            admin.force_login(staff)
            revoked = admin.post(
                "/admin/badges/award/",
                {"action": "revoke", ACTION_CHECKBOX_NAME: [to_revoke.pk], "reason": "Cheating", "apply": "1"},
            )
            assert revoked.status_code == 302
            assert Award.objects.get(pk=to_revoke.pk).status == AwardStatus.REVOKED
            rotated = admin.post("/admin/issuers/issuer/", {"action": "rotate_keys", ACTION_CHECKBOX_NAME: [issuer.pk]})
            assert rotated.status_code == 302
            after_rotation = issue(course, "after@example.org")

            tampered = {}
            for field, change in {
                "name": lambda c: c.__setitem__("name", c["name"] + "!"),
                "validFrom": lambda c: c.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
                "achievement": lambda c: c["credentialSubject"]["achievement"].__setitem__("name", "Forged"),
                "identityHash": lambda c: c["credentialSubject"]["identifier"][0].__setitem__(
                    "identityHash", "sha256$" + "0" * 64
                ),
            }.items():
                forged = copy.deepcopy(fresh.ob3_credential)
                change(forged)
                tampered[field] = forged

            cases = {
                "fresh": fresh.ob3_credential,
                "revoked": to_revoke.ob3_credential,
                "expired": expired.ob3_credential,
                "old_key_after_rotation": fresh.ob3_credential,
                "new_key_after_rotation": after_rotation.ob3_credential,
                **{f"tampered_{k}": v for k, v in tampered.items()},
            }
            with ThreadPoolExecutor(max_workers=2) as pool:
                dcc = dict(zip(cases, pool.map(run_dcc, cases.values()), strict=True))
            ours = {
                name: verify_data_integrity(
                    credential=credential, resolve_did=resolve_local_did, fetch_status_list=fetch_local_status_list
                )
                for name, credential in cases.items()
            }
            did_document = admin.get(f"/issuers/{issuer.public_id}/did.json").json()
            awards = {"fresh": fresh, "after": after_rotation}
            yield {"dcc": dcc, "ours": ours, "did": did_document, "awards": awards}
        finally:
            call_command("flush", interactive=False, verbosity=0)


def test_fresh_award_verifies(outcome):
    report = outcome["dcc"]["fresh"]
    assert report["verified"], report
    assert not [u for u in report["refused"] if "schema" not in u], report["refused"]
    assert outcome["ours"]["fresh"].verdict == "valid", outcome["ours"]["fresh"].to_dict()


@pytest.mark.parametrize("field", ["name", "validFrom", "achievement", "identityHash"])
def test_any_single_changed_field_fails(outcome, field):
    report = outcome["dcc"][f"tampered_{field}"]
    assert not report["verified"]
    assert any(e["name"] == "invalid_signature" for e in report["errors"]), report
    assert outcome["ours"][f"tampered_{field}"].verdict == "invalid"


def test_revoked_in_the_admin_reports_revoked(outcome):
    report = outcome["dcc"]["revoked"]
    assert not report["verified"]
    assert dcc_step(report, "revocation_status")["valid"] is False, report
    assert dcc_step(report, "valid_signature")["valid"] is True
    ours = outcome["ours"]["revoked"]
    assert ours.verdict == "invalid" and not ours.check("status").ok


@pytest.mark.parametrize("name", ["old_key_after_rotation", "new_key_after_rotation"])
def test_old_and_new_badges_verify_after_key_rotation(outcome, name):
    assert outcome["dcc"][name]["verified"], outcome["dcc"][name]
    assert outcome["ours"][name].verdict == "valid"
    methods = {m["id"] for m in outcome["did"]["verificationMethod"]}
    assert outcome["awards"]["fresh"].ob3_credential["proof"]["verificationMethod"] in methods
    assert outcome["awards"]["after"].ob3_credential["proof"]["verificationMethod"] in methods
    assert (
        outcome["awards"]["fresh"].ob3_credential["proof"]["verificationMethod"]
        != outcome["awards"]["after"].ob3_credential["proof"]["verificationMethod"]
    )


def test_credential_past_valid_until_reports_expired(outcome):
    report = outcome["dcc"]["expired"]
    assert not report["verified"]
    assert dcc_step(report, "expiration")["valid"] is False, report
    assert dcc_step(report, "valid_signature")["valid"] is True
    ours = outcome["ours"]["expired"]
    assert ours.verdict == "invalid" and not ours.check("expiration").ok


def test_jwt_verifies_with_an_independent_jose_library(outcome):
    award = outcome["awards"]["after"]
    header = jose_jws.extract_compact(award.ob3_jwt.encode()).protected
    method = next(m for m in outcome["did"]["verificationMethod"] if m["id"] == header["kid"])
    key = RSAKey.import_key(method["publicKeyJwk"])
    verified = jose_jws.deserialize_compact(award.ob3_jwt, key, algorithms=["RS256"])
    payload = json.loads(verified.payload)
    assert payload["id"] == award.ob3_credential["id"] and payload["iss"] == award.ob3_credential["issuer"]["id"]
    forged = award.ob3_jwt[:-4] + ("AAAA" if not award.ob3_jwt.endswith("AAAA") else "BBBB")
    with pytest.raises(Exception):  # noqa: B017 — joserfc raises BadSignatureError or a decode error
        jose_jws.deserialize_compact(forged, key, algorithms=["RS256"])


@pytest.mark.django_db(transaction=False)
def test_the_1edtech_vector_credential(dcc_available, tmp_path):
    """A credential signed with the test vector's key: DCC and our verifier both accept it."""
    credential = json.loads((VECTOR / "credential.json").read_text())
    config = json.loads((VECTOR / "proof-config.json").read_text())
    signed = proof.sign_credential(
        credential=credential,
        private_key=ed25519.Ed25519PrivateKey.from_private_bytes(VECTOR_SEED),
        verification_method=config["verificationMethod"],
        created=datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC),
    )
    # The vector's issuer is https://example.edu/issuers/565049, not a DID: answer its key from local files.
    issuer = credential["issuer"]["id"]
    method = {
        "id": config["verificationMethod"],
        "type": "Multikey",
        "controller": issuer,
        "publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
    }
    controller = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": issuer,
        "verificationMethod": [method],
        "assertionMethod": [config["verificationMethod"]],
    }
    key_file, controller_file = tmp_path / "key.json", tmp_path / "issuer.json"
    key_file.write_text(json.dumps({"@context": controller["@context"][1], **method}))
    controller_file.write_text(json.dumps(controller))
    report = run_dcc(signed, url_map={issuer: controller_file, config["verificationMethod"]: key_file})
    mine = verify(credential=signed, resolve_did={issuer: controller}.__getitem__, fetch_status_list=dict)
    assert mine.verdict == "valid", mine.to_dict()
    assert report["verified"], report
    assert {f["url"] for f in report["fetched"]} <= {issuer, config["verificationMethod"]}
