"""verify_input on badges issued here, in every form, and each check's failure (answered locally, no network)."""

import base64
import json

import pytest

from badges.services import award_revoke
from badges.verification.award import verify_award_report
from badges.verification.services import VerificationInputError, verify_input
from tests.badges.verification.issued import download, issue

pytestmark = pytest.mark.django_db


def failed(report):
    return {f"{r.generation}:{c.name}": c.message for r in report.results for c in r.checks if not c.ok}


def tamper(token: str) -> str:
    """Change one character of the JWS payload (keeping it valid JSON), as the badgecheck tests do."""
    header, payload, signature = token.split(".")
    text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    at = text.index('"salt":"') + len('"salt":"')
    text = text[:at] + ("x" if text[at] != "x" else "y") + text[at + 1 :]
    return f"{header}.{base64.urlsafe_b64encode(text.encode()).decode().rstrip('=')}.{signature}"


@pytest.fixture
def award():
    return issue()


def test_every_form_of_a_badge_issued_here_is_valid(client, award):
    svg_award = issue(svg=True, issuer=award.issuer, email="svg@example.org")
    inputs = {
        "hosted url": {"url": award.ob2_assertion["id"]},
        "hosted url as text": {"text": award.ob2_assertion["id"]},
        "signed jws": {"text": award.ob2_jws},
        "ob3 json": {"text": json.dumps(award.ob3_credential)},
        "ob3 jwt": {"text": award.ob3_jwt},
        "baked png": {"upload": download(client, award, "badge.png")},
        "baked hosted png": {"upload": download(client, award, "badge-hosted.png")},
        "baked svg (signed)": {"upload": download(client, svg_award, "badge.svg")},
        "baked svg (hosted)": {"upload": download(client, svg_award, "badge-hosted.svg")},
        "baked svg (ob3 json)": {"upload": download(client, svg_award, "badge-ob3.svg")},
        "baked svg (ob3 jwt)": {"upload": download(client, svg_award, "badge-ob3-jwt.svg")},
        "credential file": {"upload": download(client, award, "credential.json")},
    }
    for name, given in inputs.items():
        report = verify_input(**given)
        assert report.verdict == "valid", (name, failed(report))
        result = report.results[0]
        expected = svg_award if "svg" in name else award
        assert result.badge["name"] == expected.badge_class.name, name
        assert result.issuer["name"] == award.issuer.name, name
    png = verify_input(upload=download(client, award, "badge.png"))
    assert [(r.generation, r.form) for r in png.results] == [("ob3", "data_integrity"), ("ob2", "signed")]
    assert {c.name for c in png.results[1].checks} >= {"signature", "issuer_key", "status", "expiration", "issuer"}


def test_issuer_line_says_how_the_issuer_is_known(award):
    ob3 = verify_input(text=award.ob3_jwt).results[0]
    assert ob3.issuer["known_by"] == "did" and ob3.issuer["id"].startswith("did:web:")
    assert "known by its DID" in next(c.message for c in ob3.checks if c.name == "issuer")
    ob2 = verify_input(text=award.ob2_jws).results[0]
    assert ob2.issuer["known_by"] == "hosted_profile"
    assert "hosted profile" in next(c.message for c in ob2.checks if c.name == "issuer")


def test_tampered_signatures_are_not_valid(award):
    ob2 = verify_input(text=tamper(award.ob2_jws))
    assert ob2.verdict == "invalid" and "ob2:signature" in failed(ob2)
    credential = dict(award.ob3_credential)
    credential["name"] = "Brain Surgery"
    ob3 = verify_input(text=json.dumps(credential))
    assert ob3.verdict == "invalid" and "ob3:signature" in failed(ob3)
    jwt = award.ob3_jwt
    ob3_jwt = verify_input(text=jwt[:-6] + ("AAAAAA" if not jwt.endswith("AAAAAA") else "BBBBBB"))
    assert ob3_jwt.verdict == "invalid" and "ob3:signature" in failed(ob3_jwt)


def test_revoked_in_both_generations(award):
    award_revoke(actor=None, award=award, reason="Issued in error")
    hosted = verify_input(url=award.ob2_assertion["id"])
    assert hosted.verdict == "invalid" and "410" in failed(hosted)["ob2:status"]
    assert "Issued in error" in failed(hosted)["ob2:status"]
    signed = verify_input(text=award.ob2_jws)
    assert "revocation list" in failed(signed)["ob2:status"]
    for text in (json.dumps(award.ob3_credential), award.ob3_jwt):
        report = verify_input(text=text)
        assert report.verdict == "invalid" and "revoked" in failed(report)["ob3:status"]


def test_expired_in_both_generations():
    award = issue(expired=True)
    for text in (award.ob2_jws, award.ob3_jwt, json.dumps(award.ob3_credential), award.ob2_assertion["id"]):
        report = verify_input(text=text)
        assert report.verdict == "invalid"
        assert any(name.endswith(":expiration") and "expired" in msg for name, msg in failed(report).items())


def test_hosted_assertion_that_no_longer_answers(award):
    url = award.ob2_assertion["id"].rsplit("/", 1)[0] + "/doesnotexist"
    report = verify_input(url=url)
    assert report.verdict == "invalid" and "no longer answers" in failed(report)["ob2:hosted"]


def test_recipient_email_matches_only_the_right_address(award):
    for text in (award.ob2_jws, award.ob3_jwt):
        right = verify_input(text=text, email="  ADA@example.org ")
        assert right.verdict == "valid"
        assert next(c for c in right.results[0].checks if c.name == "recipient").ok
        wrong = verify_input(text=text, email="eve@example.org")
        assert (
            wrong.verdict == "invalid" and "was not issued" in failed(wrong)[f"{wrong.results[0].generation}:recipient"]
        )
        assert "eve@example.org" not in json.dumps(wrong.to_dict())


def test_per_award_report(award):
    report = verify_award_report(award=award)
    assert report.verdict == "valid", failed(report)
    assert [r.form for r in report.results] == ["data_integrity", "signed"]
    assert verify_award_report(award=award, email="eve@example.org").verdict == "invalid"
    award_revoke(actor=None, award=award, reason="Withdrawn")
    award.refresh_from_db()
    assert verify_award_report(award=award).verdict == "invalid"  # the cache key follows the award's changes


def test_nothing_given():
    with pytest.raises(VerificationInputError):
        verify_input()
