"""Public badge endpoints: content negotiation, 410 for revoked, privacy of learner data, and downloads."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from badges.issuing import award_issue
from badges.models import Award, BadgeClass
from badges.openbadges.baking.png import unbake_png
from badges.openbadges.ob2.jws import verify_assertion
from badges.public_urls import claim_token
from badges.services import award_revoke
from courses.services import enrolment_complete
from issuers.models import KeyAlgorithm, Role
from issuers.selectors import signing_key_active
from tests.badges.openbadges.hostile_images import corpus
from tests.factories import EnrolmentFactory, MembershipFactory

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
JSONLD = {"HTTP_ACCEPT": "application/ld+json"}


@pytest.fixture
def award():
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory(learner__name="Ada Example"))
    assert award_issue(award_id=created.id)
    return Award.objects.get(pk=created.id)


def test_documents_are_json_ld_for_machines_and_pages_for_people(client, award):
    issuer, badge = award.issuer, award.badge_class
    key = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.RSA2048)
    urls = {
        "Issuer": f"/issuers/{issuer.public_id}",
        "BadgeClass": f"/badges/{badge.public_id}",
        "Assertion": f"/assertions/{award.public_id}",
        "CryptographicKey": f"/issuers/{issuer.public_id}/keys/{key.public_id}",
        "RevocationList": f"/issuers/{issuer.public_id}/revocations",
    }
    for kind, url in urls.items():
        response = client.get(url, **JSONLD)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/ld+json")
        document = response.json()
        assert document["@context"] == "https://w3id.org/openbadges/v2" and document["type"] == kind
        assert document["id"].endswith(url)
        assert client.get(url, HTTP_ACCEPT="application/json")["Content-Type"].startswith("application/json")
        assert client.get(url)["Content-Type"].startswith("application/ld+json")  # no Accept: machine
    for url in (urls["Issuer"], urls["BadgeClass"]):
        page = client.get(url, **HTML)
        assert page["Content-Type"].startswith("text/html") and badge.name.encode() in page.content


def test_did_document_and_status_list(client, award):
    did = client.get(f"/issuers/{award.issuer.public_id}/did.json").json()
    assert did["id"].startswith("did:web:testserver") or did["id"].startswith("did:web:")
    assert len(did["assertionMethod"]) == 2
    status = client.get(f"/issuers/{award.issuer.public_id}/status/revocation")
    assert status["Content-Type"].startswith("application/vc+ld+json")
    assert "BitstringStatusListCredential" in status.json()["type"]
    assert client.get(f"/issuers/{award.issuer.public_id}/status/suspension").status_code == 404


def test_private_badge_page_shows_no_learner_data_without_the_claim_token(client, award):
    url = f"/assertions/{award.public_id}"
    page = client.get(url, **HTML)
    # Private (decision 0010): the page says which badge it is and that it verifies, but not who holds it.
    assert page.status_code == 200 and b"Ada Example" not in page.content and b"A private badge" in page.content
    assert client.get(f"{url}/badge.png").status_code == 404
    holder = client.get(url, {"claim": claim_token(award)}, **HTML)
    assert holder.status_code == 200 and b"Ada Example" in holder.content
    forged = client.get(url, {"claim": "forged"}, **HTML)
    assert b"Ada Example" not in forged.content and b"A private badge" in forged.content
    award.public = True
    award.save()
    public = client.get(url, **HTML).content.decode()
    assert "Ada Example" in public and 'property="og:image"' in public and 'property="og:title"' in public


def test_revoked_assertion_answers_410_with_the_reason(client, award):
    award_revoke(actor=None, award=award, reason="Issued in error")
    response = client.get(f"/assertions/{award.public_id}", **JSONLD)
    assert response.status_code == 410
    body = response.json()
    assert body["revoked"] is True and body["revocationReason"] == "Issued in error"
    assert body["id"].endswith(f"/assertions/{award.public_id}")
    page = client.get(f"/assertions/{award.public_id}", **HTML)
    assert page.status_code == 410 and b"Issued in error" in page.content and b"Ada Example" not in page.content
    revoked_ids = {
        e["id"] for e in client.get(f"/issuers/{award.issuer.public_id}/revocations").json()["revokedAssertions"]
    }
    assert f"urn:uuid:{award.uuid}" in revoked_ids


def test_downloads_unbake_to_what_was_signed(client, award):
    claim = {"claim": claim_token(award)}
    png = client.get(f"/assertions/{award.public_id}/badge.png", claim).content
    assert unbake_png(image=png, keyword="openbadges") == award.ob2_jws
    assert json.loads(unbake_png(image=png, keyword="openbadgecredential")) == award.ob3_credential
    hosted = client.get(f"/assertions/{award.public_id}/badge-hosted.png", claim).content
    assert json.loads(unbake_png(image=hosted, keyword="openbadges")) == award.ob2_assertion
    key = signing_key_active(issuer=award.issuer, algorithm=KeyAlgorithm.RSA2048)
    assert verify_assertion(token=award.ob2_jws, public_key=key.public_key_pem)["badge"].endswith(
        award.badge_class.public_id
    )
    credential = client.get(f"/assertions/{award.public_id}/credential.json", claim)
    assert credential["Content-Type"] == "application/vc+ld+json" and credential.json()["proof"]
    assert client.get(f"/assertions/{award.public_id}/credential.jwt", claim).content.decode() == award.ob3_jwt
    assert client.get(f"/assertions/{award.public_id}/badge.svg", claim).status_code == 404  # PNG artwork
    assert client.get(f"/assertions/{award.public_id}/nothing.txt", claim).status_code == 404


def test_pending_award_is_not_published(client):
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    assert client.get(f"/assertions/{created.public_id}", **JSONLD).status_code == 404


HOSTILE_UPLOADS = [c for c in corpus() if c.artwork == "error"]


@pytest.mark.parametrize("case", HOSTILE_UPLOADS, ids=lambda c: c.name)
def test_hostile_artwork_upload_gets_a_form_error_not_a_500(client, case):
    membership = MembershipFactory(role=Role.EDITOR)
    client.force_login(membership.user)
    response = client.post(
        reverse("admin:badges_badgeclass_add"),
        {
            "issuer": membership.issuer.pk,
            "name": "Hostile",
            "description": "d",
            "criteria_narrative": "c",
            "achievement_type": "Badge",
            "image": SimpleUploadedFile(case.filename or "upload.png", case.data),
            "alignments-TOTAL_FORMS": "0",
            "alignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "image" in errors and errors["image"][0]
    assert not BadgeClass.objects.filter(name="Hostile").exists()


def test_svg_artwork_is_sanitised_on_upload(client):
    membership = MembershipFactory(role=Role.EDITOR)
    client.force_login(membership.user)
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" onload="alert(1)">'
        b'<script>alert(2)</script><circle cx="32" cy="32" r="30" fill="green"/></svg>'
    )
    response = client.post(
        reverse("admin:badges_badgeclass_add"),
        {
            "issuer": membership.issuer.pk,
            "name": "Clean",
            "description": "d",
            "criteria_narrative": "c",
            "achievement_type": "Badge",
            "image": SimpleUploadedFile("art.svg", svg),
            "alignments-TOTAL_FORMS": "0",
            "alignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    stored = BadgeClass.objects.get(name="Clean").image.read()
    assert b"<circle" in stored and b"script" not in stored and b"onload" not in stored
