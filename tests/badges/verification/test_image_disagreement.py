"""A baked OB 2.0 hosted image whose assertion differs from the copy its issuer hosts (decision 0023), through the
API and the page, with the hosted copy answered by the live test server — locally and fetched over HTTP:
another recipient or another badge is refused, a cosmetic difference is a warning, an unchanged image is valid,
and a private badge's hosted copy leaving out the holder's evidence is not a difference."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings

from badges.openbadges.baking import png, svg
from badges.openbadges.ob2 import compose
from badges.services import award_revoke
from badges.verification.fetching import fetch_cache
from courses.services import enrolment_complete, enrolment_enrol
from tests.badges.verification.issued import SVG_ART, download, issue

pytestmark = pytest.mark.django_db(transaction=True)

DIFFER = "The image's contents differ from the issuer's record; the issuer's record is shown."
MODES = {
    "local": {},
    "over_http": {"VERIFY_RESOLVE_LOCALLY": False, "VERIFY_ALLOW_PRIVATE_NETWORKS": True},
}


def _rebaked(image: bytes, change) -> bytes:
    """The image with its OB 2.0 assertion changed by ``change`` and baked again (its OB 3.0 chunk untouched)."""
    assertion = json.loads(png.unbake_png(image=image, keyword=png.KEYWORD_OB2))
    change(assertion)
    return png.bake_png(image=image, keyword=png.KEYWORD_OB2, text=json.dumps(assertion))


def _with_evidence(issuer):
    from badges.issuing import award_issue
    from badges.models import Award
    from tests.factories import CourseFactory

    course = CourseFactory(issuer=issuer, badge_class__issuer=issuer)
    enrolment = enrolment_enrol(actor=None, course=course, email="private@example.org", name="Private Learner")
    award = enrolment_complete(actor=None, enrolment=enrolment, evidence_url="https://example.org/portfolio")
    assert award_issue(award_id=award.id)
    return Award.objects.get(pk=award.id)


def _ask(client, image: bytes, email: str = "") -> tuple[dict, str]:
    data = {"file": SimpleUploadedFile("badge", image)}
    if email:
        data["email"] = email
    api = client.post("/api/v1/verify", data)
    page = client.post("/verify", {**data, "file": SimpleUploadedFile("badge", image)})
    assert api.status_code == 200 and page.status_code == 200, api.content[:300]
    return api.json(), page.content.decode()


@pytest.fixture(scope="module")
def answers(live_server, django_db_setup, django_db_blocker):
    out: dict[str, dict[str, tuple[dict, str]]] = {}
    common = {"PUBLIC_BASE_URL": live_server.url, "VERIFY_THROTTLE_RATE": "100000/minute"}
    with django_db_blocker.unblock(), override_settings(**common):
        try:
            client = Client()
            ada = issue(email="ada@example.org")
            other = issue(email="ada@example.org", issuer=ada.issuer)  # another badge class, same issuer and person
            private = _with_evidence(ada.issuer)
            assert not private.public and "evidence" in private.ob2_assertion
            expired = issue(email="late@example.org", expired=True, issuer=ada.issuer)
            image = download(client, ada, "badge-hosted.png")
            eve = compose.email_identity(email="eve@example.org", salt="pepper")
            images = {
                "identical": image,
                "private_with_evidence": download(client, private, "badge-hosted.png"),
                "recipient": _rebaked(image, lambda a: a.update(recipient=eve)),
                "badge": _rebaked(image, lambda a: a.update(badge=other.ob2_assertion["badge"])),
                "embedded_issuer": _rebaked(
                    image,
                    lambda a: a.update(
                        badge={
                            "id": a["badge"],
                            "type": "BadgeClass",
                            "issuer": "https://evil.example/issuer",
                        }
                    ),
                ),
                "cosmetic": _rebaked(
                    image, lambda a: a.update(issuedOn="2020-01-01T00:00:00+00:00", expires="2099-01-01T00:00:00Z")
                ),
                # The record of a private badge leaves out evidence and narrative: the image's are not shown, and
                # their absence from the record is not a difference (decision 0010).
                "narrative_only": _rebaked(image, lambda a: a.update(narrative="Top of the class.")),
                "case_only": _rebaked(
                    image,
                    lambda a: a.update(recipient={**a["recipient"], "identity": a["recipient"]["identity"].upper()}),
                ),
            }
            svg_award = issue(email="svg@example.org", svg=True, issuer=ada.issuer)
            svg_assertion = dict(svg_award.ob2_assertion, recipient=eve)
            images["svg_recipient"] = svg.bake_svg_ob2_hosted(
                image=SVG_ART, assertion_url=svg_assertion["id"], assertion_json=json.dumps(svg_assertion)
            )
            expired_image = download(client, expired, "badge-hosted.png")
            award_revoke(actor=None, award=expired, reason="Issued in error")
            images["expired_and_revoked"] = expired_image
            for mode, extra in MODES.items():
                fetch_cache().clear()
                with override_settings(**extra):
                    out[mode] = {name: _ask(client, data) for name, data in images.items()}
                    out[mode]["recipient_with_email"] = _ask(client, images["recipient"], email="ada@example.org")
                    pasted = dict(ada.ob2_assertion, recipient=eve)
                    out[mode]["pasted_recipient"] = (
                        client.post("/api/v1/verify", {"credential": pasted}, content_type="application/json").json(),
                        "",
                    )
        finally:
            fetch_cache().clear()
            call_command("flush", interactive=False, verbosity=0)
    return out


def _checks(api: dict, name: str) -> list[dict]:
    return [c for r in api["results"] if r["generation"] == "ob2" for c in r["checks"] if c["name"] == name]


def _disagreement(api: dict) -> dict | None:
    found = [c for c in _checks(api, "hosted") if not c["ok"]]
    assert len(found) <= 1, found
    return found[0] if found else None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["identical", "private_with_evidence", "narrative_only"])
def test_an_image_that_agrees_with_the_issuer_is_valid(answers, mode, name):
    api, page = answers[mode][name]
    assert api["verdict"] == "valid", api["reasons"] + api["warnings"]
    assert _disagreement(api) is None and "differ from the issuer" not in page


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("recipient", "it names another recipient than the one the issuer awarded this badge to"),
        ("badge", "it names another badge"),
        ("embedded_issuer", "its badge names another issuer"),
        ("svg_recipient", "it names another recipient"),
    ],
)
def test_another_recipient_badge_or_issuer_is_refused(answers, mode, name, says):
    api, page = answers[mode][name]
    check = _disagreement(api)
    assert api["verdict"] == "invalid" and check is not None and check["severity"] == "error"
    assert check["message"].startswith(DIFFER + " The image is not the badge the issuer awarded: ")
    assert says in check["message"] and check["message"] in api["reasons"]
    assert "Not valid" in page and "differ from the issuer" in page


@pytest.mark.parametrize("mode", MODES)
def test_the_issuers_record_is_what_is_shown(answers, mode):
    api, _page = answers[mode]["recipient"]
    (ob2,) = [r for r in api["results"] if r["generation"] == "ob2"]
    assert ob2["badge"]["name"] and ob2["issuer"]["name"]
    # The e-mail check reads the issuer's record, which names Ada: the image's claim for Eve is not what is checked.
    api_email, _ = answers[mode]["recipient_with_email"]
    assert next(c for c in _checks(api_email, "recipient")).get("ok") is True
    assert _disagreement(api_email)["severity"] == "error"


@pytest.mark.parametrize("mode", MODES)
def test_a_cosmetic_difference_is_a_warning_naming_what_differs(answers, mode):
    api, page = answers[mode]["cosmetic"]
    check = _disagreement(api)
    assert api["verdict"] == "valid_with_warnings" and check["severity"] == "warning"
    assert check["message"] == DIFFER + " They differ in: expires, issuedOn."
    assert check["message"] in api["warnings"] and "differ from the issuer" in page
    # What is shown is the issuer's date, not the image's.
    (ob2,) = [r for r in api["results"] if r["generation"] == "ob2"]
    assert not ob2["issued_on"].startswith("2020") and ob2["expires"] is None


@pytest.mark.parametrize("mode", MODES)
def test_the_same_recipient_written_differently_is_cosmetic(answers, mode):
    api, _page = answers[mode]["case_only"]
    check = _disagreement(api)
    assert api["verdict"] == "valid_with_warnings" and check["severity"] == "warning"
    assert check["message"] == DIFFER + " They differ in: recipient."


@pytest.mark.parametrize("mode", MODES)
def test_a_revoked_image_reports_its_expiry_too(answers, mode):
    api, _page = answers[mode]["expired_and_revoked"]
    assert api["verdict"] == "invalid"
    failed = {c["name"]: c["message"] for r in api["results"] for c in r["checks"] if not c["ok"]}
    assert "410" in failed["status"] or "revoked" in failed["status"]
    assert "Issued in error" in " ".join(api["reasons"])
    assert "expired on" in failed["expiration"]
    ob2_expiry = [c for c in _checks(api, "expiration") if not c["ok"]]
    assert ob2_expiry and ob2_expiry[0]["message"].endswith("(as the image says).")


@pytest.mark.parametrize("mode", MODES)
def test_pasted_json_is_told_apart_from_an_image(answers, mode):
    api, _page = answers[mode]["pasted_recipient"]
    check = _disagreement(api)
    assert api["verdict"] == "invalid" and check["severity"] == "error"
    assert check["message"].startswith(
        "The badge you gave differs from the issuer's record; the issuer's record is shown. What you gave is not"
    )


@pytest.mark.parametrize("mode", MODES)
def test_the_headline_reason_says_the_image_is_another_badge_or_differs(answers, mode):
    api, _page = answers[mode]["recipient"]
    (badge,) = api["badges"]
    assert badge["outcome"] == "not_valid"
    assert badge["reason"].startswith("What you gave is not the badge the issuer awarded")
    api, _page = answers[mode]["cosmetic"]
    (badge,) = api["badges"]
    assert badge["outcome"] == "valid" and "differs from the issuer's record" in badge["reason"]
