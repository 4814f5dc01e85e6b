"""One result per badge, and the outcome a recruiter acts on: valid / not valid / could not check, with one reason.

Real verifications of badges issued here (a baked image with both generations, revoked, altered, expired), real
failed fetches (a closed port, a server that never answers) for "could not check", and hand-made reports only where
the real case needs a foreign issuer this machine cannot host.
"""

import http.server
import json
import re
import socket
import threading

import pytest
from django.utils import translation

from badges.openbadges.baking import png as png_baking
from badges.openbadges.checks import Check
from badges.services import award_revoke
from badges.verification.presenting import ob2_recipient_name, ob3_recipient_name
from badges.verification.reports import BadgeReport
from badges.verification.services import verify_input
from badges.verification.summary import badge_summaries, long_date, parse_date
from tests.badges.verification.issued import download, issue
from tests.badges.verification.test_services import tamper
from tests.factories import badge_png

pytestmark = pytest.mark.django_db


def only_badge(report) -> dict:
    badges = report.to_dict()["badges"]
    assert len(badges) == 1, badges
    return badges[0]


def test_a_baked_image_with_both_generations_is_one_badge_with_two_proofs(client):
    award = issue()
    report = verify_input(upload=download(client, award, "badge.png"))
    data = report.to_dict()
    assert len(data["results"]) == 2  # unchanged for API clients
    badge = only_badge(report)
    assert badge["outcome"] == "valid" and badge["headline"] == "Valid"
    assert badge["name"] == award.badge_class.name and badge["issuer"]["name"] == award.issuer.name
    assert [(p["result"], p["generation"]) for p in badge["proofs"]] == [(0, "ob3"), (1, "ob2")]
    assert badge["reason"] == "The issuer's signature holds, the issuer has not revoked it and it has not expired."


def test_two_different_badges_in_one_image_are_not_valid():
    first, second = issue(), issue(email="bob@example.org")
    image = png_baking.bake_png(image=badge_png(), keyword=png_baking.KEYWORD_OB2, text=first.ob2_jws)
    image = png_baking.bake_png(image=image, keyword=png_baking.KEYWORD_OB3, text=json.dumps(second.ob3_credential))
    report = verify_input(upload=image)
    assert [r.verdict for r in report.results] == ["valid", "valid"]  # each proof holds on its own
    badge = only_badge(report)
    assert badge["outcome"] == "not_valid"
    assert badge["reason"] == (
        f"The image holds two different badges (“{second.badge_class.name}” and “{first.badge_class.name}”)."
    )


def test_revoked_says_so_with_the_issuers_reason():
    award = issue()
    award_revoke(actor=None, award=award, reason="Issued in error")
    hosted = only_badge(verify_input(url=award.ob2_assertion["id"]))
    assert hosted["outcome"] == "not_valid" and hosted["headline"] == "Not valid"
    assert hosted["reason"] == "The issuer revoked this badge, giving this reason: Issued in error"
    ob3 = only_badge(verify_input(text=award.ob3_jwt))
    assert (ob3["outcome"], ob3["reason"]) == ("not_valid", "The issuer revoked this badge.")


def test_altered_badges_say_they_were_altered():
    award = issue()
    credential = dict(award.ob3_credential, name="Brain Surgery")
    jwt = award.ob3_jwt
    for given in (
        tamper(award.ob2_jws),
        json.dumps(credential),
        jwt[:-6] + ("AAAAAA" if not jwt.endswith("AAAAAA") else "BBBBBB"),
    ):
        badge = only_badge(verify_input(text=given))
        assert (badge["outcome"], badge["reason"]) == ("not_valid", "The badge was altered after it was signed.")


def test_expired_gives_the_date_in_words():
    award = issue(expired=True)
    badge = only_badge(verify_input(text=award.ob3_jwt))
    assert badge["outcome"] == "not_valid"
    assert re.fullmatch(r"This badge expired on \d{1,2} [A-Z][a-z]+ \d{4}\.", badge["reason"]), badge["reason"]
    assert long_date(award.ob3_credential["validUntil"]) in badge["reason"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_fetches(settings):
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = True
    settings.VERIFY_FETCH_TIMEOUT = 1
    settings.VERIFY_TOTAL_TIMEOUT = 3


def test_an_unreachable_issuer_site_is_could_not_check(private_fetches):
    badge = only_badge(verify_input(url=f"http://127.0.0.1:{_closed_port()}/assertions/abc"))
    assert badge["outcome"] == "could_not_check" and badge["headline"] == "Could not check"
    assert badge["reason"] == "The issuer's site could not be reached."


def test_an_issuer_site_that_never_answers_is_could_not_check(private_fetches):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
    thread.start()
    try:
        badge = only_badge(verify_input(url=f"http://127.0.0.1:{listener.getsockname()[1]}/assertions/abc"))
    finally:
        for connection, _ in accepted:
            connection.close()
        listener.close()
    assert (badge["outcome"], badge["reason"]) == ("could_not_check", "The issuer's site did not answer in time.")


def test_unreachable_issuer_keys_are_could_not_check(private_fetches):
    award = issue()
    did = f"did:web:127.0.0.1%3A{_closed_port()}"
    credential = dict(award.ob3_credential)
    credential.pop("credentialStatus", None)
    credential["issuer"] = dict(credential["issuer"], id=did)
    credential["proof"] = dict(credential["proof"], verificationMethod=f"{did}#key-1")
    badge = only_badge(verify_input(text=json.dumps(credential)))
    assert (badge["outcome"], badge["reason"]) == ("could_not_check", "The issuer's public keys could not be fetched.")


def _report(*checks: Check, generation="ob3", **fields) -> BadgeReport:
    return BadgeReport(generation, "data_integrity", "text", checks=list(checks), **fields)


def test_an_unreachable_revocation_list_is_could_not_check_not_valid():
    # The verifier's own message (badges/openbadges/ob3/verify.py) for a status list whose fetch failed: a warning.
    status = Check(
        "status",
        False,
        "The revocation list could not be fetched from https://example.org/status/1: Could not connect to x.",
        "warning",
    )
    report = _report(Check("signature", True, "The signature is valid."), status)
    assert report.verdict == "valid_with_warnings"
    [summary] = badge_summaries([report])
    assert summary.outcome == "could_not_check"
    assert (
        summary.reason() == "The issuer's revocation list could not be fetched, so whether it was revoked is unknown."
    )


def test_a_warning_without_a_failed_fetch_is_still_valid():
    warning = Check("status", False, "The credential's status uses a method this verifier cannot check.", "warning")
    [summary] = badge_summaries([_report(Check("signature", True, "ok"), warning)])
    assert summary.outcome == "valid" and "could not be confirmed" in summary.reason()


def test_proof_of_falsity_outweighs_a_failed_fetch():
    unreachable = Check(
        "status", False, "The revocation list could not be fetched from https://x: timed out.", "warning"
    )
    altered = Check("signature", False, "The signature does not match: the credential was changed after signing.")
    [summary] = badge_summaries([_report(altered, unreachable)])
    assert (summary.outcome, summary.reason_code) == ("not_valid", "tampered")


def test_nothing_found_gives_no_badge():
    assert badge_summaries([]) == []


def test_dates_in_the_readers_language_and_malformed_dates_as_text():
    with translation.override("en"):
        assert long_date("2026-12-02T10:00:00Z") == "2 December 2026"
        assert long_date("2026-12-02") == "2 December 2026"
    with translation.override("fr"):
        assert long_date("2026-12-02T23:30:00-05:00") == "2 décembre 2026"  # the date as the issuer wrote it
    assert long_date("next Tuesday") == "next Tuesday" and parse_date("2026-13-45") is None
    assert long_date(None) == ""


def test_recipient_names_from_both_generations():
    assert ob2_recipient_name({"extensions:recipientProfile": {"name": "  Ada\n Lovelace "}}) == "Ada Lovelace"
    assert ob2_recipient_name({"recipient": {"identity": "ada@example.org"}}) is None
    assert ob2_recipient_name({"extensions:recipientProfile": {"name": {"x": 1}}}) is None
    assert ob3_recipient_name({"name": "Ada Lovelace"}) == "Ada Lovelace"
    named = {"identifier": [{"identityType": "name", "hashed": False, "identityHash": "Grace Hopper"}]}
    assert ob3_recipient_name(named) == "Grace Hopper"
    hashed = {"identifier": [{"identityType": "name", "hashed": True, "identityHash": "sha256$00"}]}
    assert ob3_recipient_name(hashed) is None
    assert ob3_recipient_name({"identifier": "nonsense"}) is None


def test_our_badges_carry_no_recipient_name(client):
    # The learner's name is shown only on a public badge's page (decision 0010); our credentials never carry it.
    award = issue()
    report = verify_input(upload=download(client, award, "badge.png"))
    assert [r.recipient_name for r in report.results] == [None, None]


def test_a_private_address_is_refused_not_an_outage(settings):
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = False
    badge = only_badge(verify_input(url="http://10.0.0.7/assertions/abc"))
    assert badge["outcome"] == "not_valid"
    assert badge["reason"] == "The badge's address is not a public web address, so it cannot be verified."


def test_a_server_error_is_could_not_check_and_a_404_is_not_valid(private_fetches):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — the stdlib's name
            self.send_response(503 if "down" in self.path else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        down = only_badge(verify_input(url=f"{base}/down/assertion"))
        gone = only_badge(verify_input(url=f"{base}/gone/assertion"))
    finally:
        server.shutdown()
        server.server_close()
    assert (down["outcome"], down["reason"]) == ("could_not_check", "The issuer's site could not be reached.")
    assert (gone["outcome"], gone["reason"]) == ("not_valid", "The issuer's site no longer confirms this badge.")


def test_the_api_answers_one_badge_entry_and_documents_it(client):
    award = issue()
    answer = client.post("/api/v1/verify", {"url": award.ob2_assertion["id"]}, content_type="application/json").json()
    assert [b["outcome"] for b in answer["badges"]] == ["valid"] and len(answer["results"]) == 1
    by_id = client.get(f"/api/v1/awards/{award.public_id}/verify").json()
    assert [(b["headline"], len(b["proofs"])) for b in by_id["badges"]] == [("Valid", 2)]
    schema = json.loads(client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    components = schema["components"]["schemas"]
    assert "badges" in components["VerifyResponse"]["properties"]
    assert set(components["BadgeSummary"]["properties"]) >= {"outcome", "headline", "reason", "proofs"}


def test_the_api_answers_in_english_whatever_the_readers_language(client):
    award = issue(expired=True)
    answer = client.post(
        "/api/v1/verify", {"credential": award.ob3_jwt}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr"
    ).json()
    [badge] = answer["badges"]
    assert badge["headline"] == "Not valid" and badge["reason"].startswith("This badge expired on ")
    with translation.override("en"):
        assert long_date(award.ob3_credential["validUntil"]) in badge["reason"]
