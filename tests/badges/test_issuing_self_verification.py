"""Self-verification before baking: whatever fails the verifiers' own checks is never baked, stored or published.

Each test breaks one thing that a signer could get wrong — a signature's bytes, or a stored public key that no
longer matches the private key — and checks what a learner and a verifier would see: the award failed with a reason
the institution can read, no baked file exists, no credential is served. Without the self-verification step these
awards would be published with signatures nobody can verify (issue 19: that mutant survived the whole suite).
"""

import pytest

from badges import issuing
from badges.issuing import award_issue, awards_issue
from badges.models import Award, AwardStatus
from courses.services import Completion, enrolment_complete, enrolments_complete
from issuers.keys import generate_private_key, public_pem
from issuers.models import KeyAlgorithm, SigningKey
from tests.factories import CourseFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)
    return enrolment_complete(actor=None, enrolment=EnrolmentFactory())


def _flip_last_char(text: str) -> str:
    """The same text with its last base64/base58 character changed: a signature that no longer matches."""
    return text[:-1] + ("B" if text[-1] != "B" else "C")


def _tamper_jws_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    return f"{header}.{payload}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}{signature[11:]}"


def _signing_with(monkeypatch, tamper) -> None:
    """Sign as usual, then let `tamper` change the (hosted, jws, credential, jwt) tuple before self-verification."""
    real_sign = issuing.sign
    monkeypatch.setattr(issuing, "sign", lambda award, keys: tamper(*real_sign(award, keys)))


def _assert_failed_and_unpublished(award: Award, media_root, reason: str) -> None:
    award.refresh_from_db()
    assert award.status == AwardStatus.FAILED
    assert reason in award.failure_reason
    assert not award.baked_png and not award.baked_svg
    assert not award.ob3_credential and not award.ob2_jws and not award.ob3_jwt
    baked = media_root / "baked"
    assert not baked.exists() or not any(p.is_file() for p in baked.rglob("*")), "a failed award left a baked file"


def test_an_untampered_award_is_issued_and_baked(award, settings):
    """The control: the same fixture, nothing tampered, is issued (so the failures below are the tampering's)."""
    assert award_issue(award_id=award.pk) is True
    award.refresh_from_db()
    assert award.status == AwardStatus.ISSUED and award.baked_png


def test_a_tampered_data_integrity_proof_is_never_baked(award, settings, monkeypatch):
    def tamper(hosted, signed_jws, credential, credential_jwt):
        credential["proof"]["proofValue"] = _flip_last_char(credential["proof"]["proofValue"])
        return hosted, signed_jws, credential, credential_jwt

    _signing_with(monkeypatch, tamper)
    assert award_issue(award_id=award.pk) is False
    _assert_failed_and_unpublished(award, settings.MEDIA_ROOT, "Self-verification failed (signature)")


def test_a_tampered_ob2_jws_is_never_baked(award, settings, monkeypatch):
    def tamper(hosted, signed_jws, credential, credential_jwt):
        return hosted, _tamper_jws_signature(signed_jws), credential, credential_jwt

    _signing_with(monkeypatch, tamper)
    assert award_issue(award_id=award.pk) is False
    _assert_failed_and_unpublished(award, settings.MEDIA_ROOT, "SignatureError")


def test_a_tampered_vc_jwt_is_never_published(award, settings, monkeypatch):
    def tamper(hosted, signed_jws, credential, credential_jwt):
        return hosted, signed_jws, credential, _tamper_jws_signature(credential_jwt)

    _signing_with(monkeypatch, tamper)
    assert award_issue(award_id=award.pk) is False
    _assert_failed_and_unpublished(award, settings.MEDIA_ROOT, "JwtError")


def test_a_credential_whose_issuer_key_is_not_in_the_did_document_is_never_baked(award, settings):
    """A stored public key that does not match the private key (a damaged or edited key row): the DID document
    verifiers resolve names a key that did not sign, so nothing signed with it may be published."""
    key = SigningKey.objects.get(issuer=award.issuer, algorithm=KeyAlgorithm.ED25519, state="active")
    SigningKey.objects.filter(pk=key.pk).update(public_key_pem=public_pem(generate_private_key(KeyAlgorithm.ED25519)))
    assert award_issue(award_id=award.pk) is False
    _assert_failed_and_unpublished(award, settings.MEDIA_ROOT, "Self-verification failed")


def test_one_award_failing_self_verification_does_not_hold_back_the_rest_of_its_batch(settings, monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)
    course = CourseFactory()
    created = enrolments_complete(
        actor=None, completions=[Completion(EnrolmentFactory(course=course)) for _ in range(3)]
    )
    bad = created[0]

    def tamper_one(award, keys):
        hosted, signed_jws, credential, credential_jwt = real_sign(award, keys)
        if award.pk == bad.pk:
            credential["proof"]["proofValue"] = _flip_last_char(credential["proof"]["proofValue"])
        return hosted, signed_jws, credential, credential_jwt

    real_sign = issuing.sign
    monkeypatch.setattr(issuing, "sign", tamper_one)
    assert awards_issue(award_ids=[a.pk for a in created]) == 2
    assert Award.objects.get(pk=bad.pk).status == AwardStatus.FAILED
    assert [Award.objects.get(pk=a.pk).status for a in created[1:]] == [AwardStatus.ISSUED, AwardStatus.ISSUED]
