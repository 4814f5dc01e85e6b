"""The verification page: an accessible form, a link that verifies at once (?url=), the e-mail never echoed, and the
result a recruiter reads: one verdict per badge, dates in the reader's language, sanitised criteria, our own images
only, the recipient's name, the issuer's identity lines, and the technical details folded away."""

import re
import socket
from urllib.parse import quote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import translation

from badges.openbadges.checks import Check
from badges.services import award_revoke
from badges.verification.forms import VerifyForm
from badges.verification.reports import BadgeReport, VerificationReport
from badges.verification.views import _page
from tests.badges.verification.issued import download, issue

pytestmark = pytest.mark.django_db


def test_form_has_labels_and_help(client):
    page = client.get("/verify").content.decode()
    for name in ("url", "file", "text", "email"):
        assert f'<label for="id_{name}">' in page and f'aria-describedby="id_{name}-help"' in page
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page


def test_verify_link_from_a_badge_page(client):
    award = issue()
    page = client.get("/verify", {"url": award.ob2_assertion["id"]})
    body = page.content.decode()
    assert page.status_code == 200 and "Valid" in body and award.badge_class.name in body
    assert "known by its hosted profile" in body and "no-store" in page["Cache-Control"]


def test_recipient_answer_does_not_repeat_the_address(client):
    award = issue()
    page = client.post("/verify", {"text": award.ob3_jwt, "email": "someone.else@example.org"}).content.decode()
    assert "was not issued to the e-mail address you gave" in page
    assert "someone.else@example.org" not in page.split("</form>")[0].split('class="verify-form"')[0]


# --- the result page (issue 14): hand-made reports where another helper or a foreign issuer fills the fields


def _report(**changes) -> VerificationReport:
    data = {
        "generation": "ob3",
        "form": "data_integrity",
        "source": "text",
        "id": "urn:uuid:2f7e0a59-1d7c-4c36-9f0c-6c2f5c1f0c11",
        "issuer": {"id": "did:web:northfield.edu", "name": "Northfield College", "known_by": "did"},
        "badge": {"id": None, "name": "Data Literacy", "description": "Reads charts.", "criteria": {}},
        "issued_on": "2026-12-02T09:00:00Z",
        "expires": None,
        "recipient_name": None,
        "checks": [{"name": "signature", "ok": True, "message": "The signature is valid.", "severity": "error"}],
    }
    for key, value in changes.items():
        if key in ("issuer", "badge"):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return VerificationReport([BadgeReport.from_dict(data)])


def _render(report: VerificationReport, *, language: str = "en") -> str:
    request = RequestFactory().get("/verify")
    request.user = AnonymousUser()
    with translation.override(language):
        return _page(request, VerifyForm(), report=report).content.decode()


def test_issuer_domain_line_only_when_confirmed():
    confirmed = {"domain": {"confirmed": True, "domain": "northfield.edu", "message": "Linked."}}
    assert "Issuer's domain confirmed: northfield.edu" in _render(_report(issuer=confirmed))
    refused = {"domain": {"confirmed": False, "domain": "northfield.edu", "message": "Signed by another key."}}
    page = _render(_report(issuer=refused))
    assert "domain confirmed" not in page and "northfield.edu</dd>" not in page
    assert "domain confirmed" not in _render(_report(issuer={"domain": "northfield.edu"}))  # not the agreed shape


def test_registry_lines_name_each_registry():
    registries = [
        {"name": "DCC Issuer Registry", "listed": True, "message": "Listed."},
        {"name": "EU Register", "listed": False, "message": "Not listed."},
        {"name": "", "listed": True, "message": "nameless: left out"},
    ]
    page = _render(_report(issuer={"registries": registries}))
    assert "Listed in DCC Issuer Registry" in page and "Not listed in EU Register" in page
    assert page.count('class="registry-') == 2


def test_dates_in_the_readers_language_and_malformed_dates_as_text():
    report = _report(issued_on="2026-12-02T09:00:00Z", expires="sometime soon")
    english, french = _render(report), _render(report, language="fr")
    assert '<time datetime="2026-12-02">2 December 2026</time>' in english
    assert '<time datetime="2026-12-02">2 décembre 2026</time>' in french
    assert "sometime soon" in english and "2026-12-02T09:00:00Z" not in english.split("Technical details")[0]


def test_criteria_rendered_from_markdown_and_sanitised():
    narrative = "**Pass** the exam.\n\n- one\n- two\n\n<script>alert(1)</script> [x](javascript:alert(2))"
    page = _render(_report(badge={"criteria": {"id": "javascript:alert(3)", "narrative": narrative}}))
    assert "<strong>Pass</strong>" in page and "<li>one</li>" in page
    assert "<script>alert" not in page and 'href="javascript:' not in page
    assert "<code>javascript:alert(3)</code>" in page  # a criteria id that is not a web address stays text


def test_badge_image_only_from_our_own_origin():
    ours = _render(_report(badge={"image": "/verify/images/0f3a.png"}))
    assert '<img class="verified-image" src="http://testserver/verify/images/0f3a.png" alt="Data Literacy"' in ours
    for foreign in ("https://tracker.example/pixel.png", "//tracker.example/p.png", "javascript:x", "/\\evil"):
        page = _render(_report(badge={"image": foreign}))
        assert "verified-image" not in page and "tracker.example" not in page


def test_recipient_name_with_the_email_check_offered_beside_it():
    page = _render(_report(recipient_name="Ada Lovelace"))
    assert "Ada Lovelace" in page and 'href="#id_email"' in page
    checked = _report(recipient_name="Ada Lovelace")
    checked.results[0].checks.append(Check("recipient", True, "It was issued to that address."))
    assert "issued to the e-mail address you gave" in _render(checked)


def test_headline_verdict_status_and_technical_details_folded():
    page = _render(_report())
    status = page.split('role="status"')[1].split("</div>")[0]
    assert "<h2" in status and ">Valid</h2>" in status
    summary = page.split('<details class="technical">')[0]
    assert "Open Badges 3.0" not in summary and "Data Integrity" not in summary and "did:web" not in summary
    details = page.split('<details class="technical">')[1].split("</details>")[0]
    assert "<summary>Technical details</summary>" in details and "<code>did:web:northfield.edu</code>" in details


def test_headings_follow_in_order(client):
    award = issue()
    page = client.get("/verify", {"url": award.ob2_assertion["id"]}).content.decode()
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", page)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_a_baked_png_gives_one_verdict_with_both_proofs(client):
    award = issue()
    png = download(client, award, "badge.png")
    page = client.post("/verify", {"file": SimpleUploadedFile("badge.png", png, "image/png")}).content.decode()
    assert page.count('role="status"') == 1 and page.count('class="verified-badge"') == 1
    details = page.split('<details class="technical">')[1]
    assert "Open Badges 3.0" in details and "Open Badges 2.0" in details
    assert "eddsa-rdfc-2022" in details and "JWS RS256" in details


def test_revoked_badge_says_why_in_one_sentence(client):
    award = issue()
    award_revoke(actor=None, award=award, reason="Issued in error")
    page = client.get("/verify", {"url": award.ob2_assertion["id"]}).content.decode()
    status = page.split('role="status"')[1].split("</div>")[0]
    assert (
        ">Not valid</h2>" in status and "The issuer revoked this badge, giving this reason: Issued in error" in status
    )


def test_public_badge_page_links_to_a_verification_of_itself(client):
    award = issue()
    award.public = True
    award.save(update_fields=["public"])
    page = client.get(f"/assertions/{award.public_id}", HTTP_ACCEPT="text/html").content.decode()
    assert f'href="/verify?url={quote(award.ob2_assertion["id"], safe="")}"' in page


def test_could_not_check_when_the_issuers_site_is_unreachable(client, settings):
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS, settings.VERIFY_FETCH_TIMEOUT = True, 1
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again once the block ends: nothing listens there
    page = client.get("/verify", {"url": f"http://127.0.0.1:{port}/assertions/abc"}).content.decode()
    status = page.split('role="status"')[1].split("</div>")[0]
    assert ">Could not check</h2>" in status and "The issuer&#x27;s site could not be reached." in status
    assert "The badge does not name its recipient." in page
