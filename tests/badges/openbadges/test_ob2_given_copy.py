"""The plain OB 2.0 verifier comparing a hosted Assertion it was given (baked or pasted) with the issuer's record
(decision 0023), against the small fake internet of test_ob2_verify: the words for an image and for pasted JSON,
a re-salted recipient, a record that withholds evidence, and the expiry of a revoked badge's copy."""

import json
from datetime import timedelta

import pytest

from badges.openbadges.ob2 import compose
from badges.openbadges.ob2.verify import verify, verify_hosted
from tests.badges.verification.test_ob2_verify import NOW, Web, clock


@pytest.fixture
def web():
    return Web()


def disagreement(result):
    found = [c for c in result.checks if c.name == "hosted" and not c.ok]
    return found[0] if found else None


def test_the_same_copy_says_nothing_and_a_url_is_not_compared(web):
    url = web.hosted()
    given = dict(web.docs[url][1])
    assert verify(badge=given, fetch=web.fetch, now=clock, given_as="image").verdict == "valid"
    assert verify(badge=url, fetch=web.fetch, now=clock).verdict == "valid"


def test_the_words_say_image_or_what_you_gave(web):
    url = web.hosted()
    given = {**web.docs[url][1], "issuedOn": (NOW - timedelta(days=30)).isoformat()}
    image = disagreement(verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image"))
    pasted = disagreement(verify_hosted(assertion=given, fetch=web.fetch, now=clock))
    assert image.message == (
        "The image's contents differ from the issuer's record; the issuer's record is shown. They differ in: issuedOn."
    )
    assert pasted.message.startswith("The badge you gave differs from the issuer's record; the issuer's record is")
    assert image.severity == pasted.severity == "warning"


def test_a_re_salted_recipient_is_the_same_person_only_when_the_email_shows_it(web):
    url = web.hosted()
    given = {**web.docs[url][1], "recipient": compose.email_identity(email="ada@example.org", salt="other-salt")}
    unknown = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image")
    assert unknown.verdict == "invalid" and "another recipient" in disagreement(unknown).message
    known = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image", email="ada@example.org")
    assert known.verdict == "valid_with_warnings"
    assert disagreement(known).message.endswith("They differ in: recipient.")
    eve = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image", email="eve@example.org")
    assert "another recipient" in disagreement(eve).message


def test_another_badge_is_refused_and_the_record_is_what_is_verified(web):
    url = web.hosted()
    given = {**web.docs[url][1], "badge": "https://a.example/another-badge"}
    result = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image")
    assert result.verdict == "invalid" and "another badge" in disagreement(result).message
    assert result.assertion["badge"] == "https://a.example/badge" and result.badge_class["name"] == "Welding"


def test_evidence_the_record_withholds_is_not_a_difference_but_other_evidence_is(web):
    url = web.hosted()
    record = dict(web.docs[url][1])
    given = {**record, "evidence": [{"id": "https://example.org/portfolio"}], "narrative": "Welded a bridge."}
    assert verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image").verdict == "valid"
    web.put(url, {**record, "evidence": [{"id": "https://example.org/other"}]})
    changed = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image")
    assert disagreement(changed).message.endswith("They differ in: evidence.")


def test_a_revoked_badge_reports_the_expiry_its_copy_states(web):
    url = web.hosted(expires=NOW - timedelta(days=1))
    given = dict(web.docs[url][1])
    web.put(url, {"id": url, "revoked": True, "revocationReason": "Cheated"}, status=410)
    result = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image")
    failed = {c.name: c.message for c in result.checks if not c.ok}
    assert "Cheated" in failed["status"]
    assert failed["expiration"] == f"The badge expired on {given['expires']} (as the image says)."
    # Not yet expired: only the revocation is said.
    url = web.hosted("https://a.example/assertions/2", expires=NOW + timedelta(days=1))
    given = dict(web.docs[url][1])
    web.put(url, {"id": url, "revoked": True}, status=410)
    result = verify_hosted(assertion=given, fetch=web.fetch, now=clock)
    assert {c.name for c in result.checks if not c.ok} == {"status"}


def test_a_property_the_record_does_not_have_is_a_difference_unless_it_may_be_withheld(web):
    url = web.hosted()
    given = {**web.docs[url][1], "expires": (NOW + timedelta(days=365)).isoformat()}
    result = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image")
    assert result.verdict == "valid_with_warnings"
    assert disagreement(result).message.endswith("They differ in: expires.")


def test_a_hash_written_in_capitals_is_the_same_recipient(web):
    url = web.hosted()
    record = web.docs[url][1]
    shouted = {**record["recipient"], "identity": record["recipient"]["identity"].upper().replace("SHA256$", "sha256$")}
    result = verify_hosted(assertion={**record, "recipient": shouted}, fetch=web.fetch, now=clock, given_as="image")
    assert result.verdict == "valid_with_warnings"
    assert disagreement(result).message.endswith("They differ in: recipient.")


def test_a_hashed_recipient_is_not_the_records_plain_text_of_the_same_characters(web):
    url = web.hosted()
    record = dict(web.docs[url][1])
    web.put(url, {**record, "recipient": {k: v for k, v in record["recipient"].items() if k != "hashed"}})
    result = verify_hosted(assertion=record, fetch=web.fetch, now=clock, given_as="image")
    assert result.verdict == "invalid" and "another recipient" in disagreement(result).message


def test_an_email_that_matches_only_the_given_copy_does_not_make_it_the_same_recipient(web):
    url = web.hosted()
    given = {**web.docs[url][1], "recipient": compose.email_identity(email="eve@example.org", salt="other-salt")}
    result = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image", email="eve@example.org")
    assert "another recipient" in disagreement(result).message


def test_an_embedded_badge_class_must_name_the_records_issuer(web):
    url = web.hosted()
    record = web.docs[url][1]
    badge_class = web.docs["https://a.example/badge"][1]
    same = verify_hosted(assertion={**record, "badge": badge_class}, fetch=web.fetch, now=clock, given_as="image")
    assert same.verdict == "valid_with_warnings"
    assert disagreement(same).message.endswith("They differ in: badge.")
    forged = {**badge_class, "issuer": "https://b.example/issuer"}
    other = verify_hosted(assertion={**record, "badge": forged}, fetch=web.fetch, now=clock, given_as="image")
    assert other.verdict == "invalid"
    assert disagreement(other).message.endswith("is not the badge the issuer awarded: its badge names another issuer.")


def test_a_given_copy_whose_badge_class_cannot_be_read_is_still_compared(web):
    url = web.hosted()
    del web.docs["https://a.example/badge"]
    given = {**web.docs[url][1], "issuedOn": (NOW - timedelta(days=30)).isoformat()}
    result = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image")
    assert result.verdict == "invalid" and result.badge_class is None
    assert disagreement(result).message.endswith("They differ in: issuedOn.")


def test_verify_passes_on_what_the_json_came_in(web):
    url = web.hosted()
    given = {**web.docs[url][1], "issuedOn": (NOW - timedelta(days=30)).isoformat()}
    for badge in (given, json.dumps(given)):
        result = verify(badge=badge, fetch=web.fetch, now=clock, given_as="image")
        assert disagreement(result).message.startswith("The image's contents differ from the issuer's record")


def test_a_revoked_badge_whose_copy_expires_this_very_moment_is_expired(web):
    url = web.hosted(expires=NOW)
    given = dict(web.docs[url][1])
    web.put(url, None, status=410)
    result = verify_hosted(assertion=given, fetch=web.fetch, now=clock)
    failed = {c.name: c.message for c in result.checks if not c.ok}
    assert failed["expiration"] == f"The badge expired on {given['expires']} (as what you gave says)."


def test_an_email_that_matches_only_the_record_does_not_make_the_given_copy_the_same_recipient(web):
    url = web.hosted()  # awarded to ada@example.org
    given = {**web.docs[url][1], "recipient": compose.email_identity(email="eve@example.org", salt="other-salt")}
    result = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image", email="ada@example.org")
    assert "another recipient" in disagreement(result).message


def test_an_identity_that_is_not_hashed_is_compared_as_written(web):
    # Only a hash is compared without regard to case; a plain-text identity such as a URL is case-sensitive.
    url = web.hosted()
    record = dict(web.docs[url][1])
    web.put(url, {**record, "recipient": {"type": "url", "hashed": False, "identity": "https://example.org/ada"}})
    given = {**record, "recipient": {"type": "url", "hashed": False, "identity": "https://example.org/ADA"}}
    result = verify_hosted(assertion=given, fetch=web.fetch, now=clock, given_as="image")
    assert result.verdict == "invalid" and "another recipient" in disagreement(result).message
