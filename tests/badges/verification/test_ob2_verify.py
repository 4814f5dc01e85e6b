"""The plain OB 2.0 verifier against a small fake internet of documents: each check's failure, both forms."""

import base64
import dataclasses
import functools
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.api_jws import PyJWS

from badges.openbadges.ob2 import compose, jws
from badges.openbadges.ob2.verify import CONTEXT, Fetched, verify, verify_hosted, verify_signed

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def clock():
    return NOW


@functools.cache
def _rsa_key(name):
    # One key per issuer for the whole module: generating 2048-bit keys for every test is most of its run time.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Web:
    """Two issuers, A and B, each with a profile, an RSA key and a revocation list, plus A's badge class."""

    def __init__(self):
        self.docs: dict[str, tuple[int, object]] = {}
        self.keys = {}
        for name in ("a", "b"):
            key = _rsa_key(name)
            self.keys[name] = key
            base = f"https://{name}.example"
            self.put(
                f"{base}/issuer",
                compose.issuer_profile(
                    id=f"{base}/issuer",
                    name=f"Issuer {name.upper()}",
                    url=base,
                    email=f"badges@{name}.example",
                    public_keys=[f"{base}/key"],
                    revocation_list=f"{base}/revocations",
                ),
            )
            self.put(
                f"{base}/key",
                compose.cryptographic_key(
                    id=f"{base}/key", owner=f"{base}/issuer", public_key_pem=jws.public_key_pem(key)
                ),
            )
            self.revoke(name, [])
        self.put(
            "https://a.example/badge",
            compose.badge_class(
                id="https://a.example/badge",
                name="Welding",
                description="d",
                image="https://a.example/i.png",
                issuer="https://a.example/issuer",
                criteria_narrative="Weld.",
            ),
        )

    def put(self, url, document, status=200):
        self.docs[url] = (status, document)

    def revoke(self, name, ids):
        base = f"https://{name}.example"
        self.put(
            f"{base}/revocations",
            compose.revocation_list(
                id=f"{base}/revocations",
                issuer=f"{base}/issuer",
                revoked=[compose.RevokedAssertion(id=i, reason="Cheated") for i in ids],
            ),
        )

    def fetch(self, url):
        if url not in self.docs:
            return Fetched(404, None)
        status, document = self.docs[url]
        return Fetched(status, document)

    def assertion(self, *, id, verification, expires=None, email="ada@example.org"):
        return compose.assertion(
            id=id,
            badge="https://a.example/badge",
            recipient=compose.email_identity(email=email, salt="s4lt"),
            verification=verification,
            issued_on=NOW - timedelta(days=10),
            expires=expires,
        )

    def signed(self, *, signer="a", creator="https://a.example/key", **kwargs):
        doc = self.assertion(
            id="urn:uuid:00000000-0000-4000-8000-000000000001",
            verification=compose.signed_verification(creator=creator),
            **kwargs,
        )
        return jws.sign_assertion(assertion=doc, private_key=self.keys[signer])

    def hosted(self, url="https://a.example/assertions/1", **kwargs):
        doc = self.assertion(id=url, verification=compose.hosted_verification(), **kwargs)
        self.put(url, doc)
        return url


@pytest.fixture
def web():
    return Web()


def failed(result):
    return {c.name: c.message for c in result.checks if not c.ok}


def test_valid_signed_and_hosted(web):
    signed = verify_signed(token=web.signed(), fetch=web.fetch, now=clock)
    assert signed.verdict == "valid", failed(signed)
    assert signed.issuer["name"] == "Issuer A" and signed.badge_class["name"] == "Welding"
    hosted = verify(badge=web.hosted(), fetch=web.fetch, now=clock)
    assert hosted.verdict == "valid" and hosted.form == "hosted", failed(hosted)


def test_tampered_signature(web):
    header, payload, signature = web.signed().split(".")
    other = web.signed(email="eve@example.org").split(".")[1]
    result = verify_signed(token=f"{header}.{other}.{signature}", fetch=web.fetch, now=clock)
    assert set(failed(result)) == {"signature"} and "does not match" in failed(result)["signature"]


def test_key_not_belonging_to_the_issuer(web):
    # Signed by B with B's key: the signature is fine, but the key's owner is not the badge's issuer (A).
    result = verify_signed(token=web.signed(signer="b", creator="https://b.example/key"), fetch=web.fetch, now=clock)
    assert failed(result).keys() == {"issuer_key"}
    assert "not to the badge's issuer" in failed(result)["issuer_key"]
    # B's key document forged to claim A as owner: A's profile does not list it.
    web.put(
        "https://b.example/key",
        compose.cryptographic_key(
            id="https://b.example/key",
            owner="https://a.example/issuer",
            public_key_pem=jws.public_key_pem(web.keys["b"]),
        ),
    )
    forged = verify_signed(token=web.signed(signer="b", creator="https://b.example/key"), fetch=web.fetch, now=clock)
    assert "does not list the key" in failed(forged)["issuer_key"]


def test_alg_none_is_refused_without_fetching(web):
    calls = []
    token = web.signed()
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    result = verify_signed(token=f"{header}.{token.split('.')[1]}.", fetch=lambda u: calls.append(u), now=clock)
    assert "RS256 only" in failed(result)["signature"] and calls == []


def test_revoked_signed_and_hosted(web):
    web.revoke("a", ["urn:uuid:00000000-0000-4000-8000-000000000001"])
    signed = verify_signed(token=web.signed(), fetch=web.fetch, now=clock)
    assert "revocation list" in failed(signed)["status"] and "Cheated" in failed(signed)["status"]
    url = web.hosted()
    web.put(url, {"id": url, "revoked": True, "revocationReason": "Plagiarism"}, status=410)
    hosted = verify_hosted(url=url, fetch=web.fetch, now=clock)
    assert "410" in failed(hosted)["status"] and "Plagiarism" in failed(hosted)["status"]


def test_expired(web):
    result = verify_signed(token=web.signed(expires=NOW - timedelta(days=1)), fetch=web.fetch, now=clock)
    assert set(failed(result)) == {"expiration"}


def test_hosted_url_that_no_longer_answers(web):
    url = web.hosted()
    del web.docs[url]
    result = verify_hosted(url=url, fetch=web.fetch, now=clock)
    assert "no longer answers" in failed(result)["hosted"] and "404" in failed(result)["hosted"]
    unreachable = verify_hosted(url=url, fetch=lambda u: (_ for _ in ()).throw(OSError("connection refused")))
    assert "could not be reached" in failed(unreachable)["hosted"]


def test_hosted_on_another_host_than_the_issuer(web):
    url = web.hosted("https://evil.example/assertions/1")
    result = verify_hosted(url=url, fetch=web.fetch, now=clock)
    assert "evil.example" in failed(result)["origin"]


def test_hosted_document_with_another_id(web):
    url = web.hosted()
    web.put(url, {**web.docs[url][1], "id": "https://a.example/assertions/2"})
    assert "says its id" in failed(verify_hosted(url=url, fetch=web.fetch, now=clock))["hosted"]


def test_recipient_email(web):
    right = verify_signed(token=web.signed(), fetch=web.fetch, now=clock, email="Ada@Example.org")
    assert right.check("recipient").ok
    wrong = verify_signed(token=web.signed(), fetch=web.fetch, now=clock, email="eve@example.org")
    assert failed(wrong) == {"recipient": "This badge was not issued to the e-mail address you gave."}


# --- each check's own failures, one by one, and the words a person reads
# ---------------------------------------------------------------------------------------------------


def said(result, name):
    """(ok, message) of the last check of that name: the words the verification page shows for it."""
    found = [c for c in result.checks if c.name == name]
    return (found[-1].ok, found[-1].message) if found else None


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hosted_with(web, url="https://a.example/assertions/1", **changes):
    url = web.hosted(url)
    web.put(url, {**web.docs[url][1], **changes})
    return url


def signed_with(web, *, signer="a", **changes):
    doc = web.assertion(
        id="urn:uuid:00000000-0000-4000-8000-000000000001",
        verification=compose.signed_verification(creator="https://a.example/key"),
    )
    return jws.sign_assertion(assertion={**doc, **changes}, private_key=web.keys[signer])


def change_issuer(web, **changes):
    """Issuer A's profile with some properties changed."""
    url = "https://a.example/issuer"
    web.put(url, {**web.docs[url][1], **changes})


def drop_from_issuer(web, key):
    url = "https://a.example/issuer"
    web.put(url, {k: v for k, v in web.docs[url][1].items() if k != key})


@pytest.mark.parametrize(
    ("change", "problems"),
    [
        (lambda d: d.pop("type"), "it has no type"),
        (lambda d: d.pop("recipient"), "it has no recipient"),
        (lambda d: d.pop("issuedOn"), "it has no issuedOn"),
        (lambda d: d.update(type="BadgeClass"), "its type is not Assertion"),
        (lambda d: d.update({"@context": "https://w3id.org/openbadges/v1"}), f"its @context is not {CONTEXT}"),
        (lambda d: d.update({"@context": ["https://w3id.org/openbadges/v1"]}), f"its @context is not {CONTEXT}"),
        (lambda d: d.update(issuedOn="2026-02-19T00:00:00"), "its issuedOn is not a date and time with a time zone"),
        (lambda d: d.update(expires="soon"), "its expires is not a date and time with a time zone"),
        (lambda d: d.update(expires=d["issuedOn"]), "it expires before it was issued"),
        (lambda d: d.update(recipient="ada@example.org"), "its recipient is not an IdentityObject"),
        (
            lambda d: d.update(image="data:image/png;base64,iVBORw0KGgo="),
            "its image is a data URI, which Assertions may not use",
        ),
    ],
)
def test_each_format_problem_is_named_alone(web, change, problems):
    url = web.hosted()
    doc = dict(web.docs[url][1])
    change(doc)
    web.put(url, doc)
    result = verify_hosted(url=url, fetch=web.fetch, now=clock)
    assert said(result, "format") == (False, f"This is not a well-formed Open Badges 2.0 Assertion: {problems}.")


@pytest.mark.parametrize(
    "changes",
    [
        {"@context": [CONTEXT, "https://example.org/extra-context"]},
        {"@context": None},
        {"image": "https://a.example/assertion.png"},
        {"expires": "2026-02-19T00:00:01Z"},
    ],
)
def test_well_formed_variants_pass_the_format_check(web, changes):
    doc = {k: v for k, v in {**web.docs[web.hosted()][1], **changes}.items() if v is not None}
    web.put(doc["id"], doc)
    result = verify_hosted(url=doc["id"], fetch=web.fetch, now=lambda: datetime(2026, 2, 19, 0, 0, 0, 5, tzinfo=UTC))
    assert said(result, "format") == (True, "This is a well-formed Open Badges 2.0 Assertion.")


def test_what_is_not_a_json_object_is_not_an_assertion(web):
    result = verify(badge=["an", "array"], fetch=web.fetch, now=clock)
    assert result.form == "unknown" and result.verdict == "invalid"
    assert said(result, "format") == (False, "This is not an Open Badges 2.0 Assertion (not a JSON object).")


@pytest.mark.parametrize(
    ("changes", "valid_from", "expiration"),
    [
        ({"issuedOn": "2026-03-01T00:00:00Z"}, (True, "The badge was issued on 2026-03-01T00:00:00Z."), None),
        (
            {"issuedOn": "2026-03-01T00:00:01+00:00"},
            (False, "The badge's issue date 2026-03-01T00:00:01+00:00 is in the future."),
            None,
        ),
        ({"issuedOn": None}, (False, "The badge has no readable issue date with a time zone."), None),
        ({}, None, (True, "The badge does not expire.")),
        ({"expires": "2026-03-01T00:00:00Z"}, None, (False, "The badge expired on 2026-03-01T00:00:00Z.")),
        ({"expires": "2026-03-01T00:00:01Z"}, None, (True, "The badge is valid until 2026-03-01T00:00:01Z.")),
        ({"expires": "next spring"}, None, (False, "The badge's expiry date cannot be read.")),
    ],
)
def test_issue_and_expiry_dates_against_the_clock(web, changes, valid_from, expiration):
    result = verify_hosted(url=hosted_with(web, **changes), fetch=web.fetch, now=clock)
    if valid_from:
        assert said(result, "valid_from") == valid_from
    if expiration:
        assert said(result, "expiration") == expiration


def test_an_embedded_badge_class_is_verified_as_given(web):
    url = hosted_with(web, badge=web.docs["https://a.example/badge"][1])
    result = verify_hosted(url=url, fetch=web.fetch, now=clock)
    assert result.verdict == "valid", failed(result)
    assert said(result, "badge_class") == (True, "The badge is “Welding”.")
    assert said(result, "issuer") == (True, "Issued by Issuer A, whose hosted profile is at https://a.example/issuer.")


BADGE = "https://a.example/badge"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda web: hosted_with(web, badge=42),
            "The Assertion's badge is neither a URL nor an embedded BadgeClass.",
        ),
        (
            lambda web: hosted_with(web, badge="https://a.example/no-such-badge"),
            "The badge class could not be fetched from https://a.example/no-such-badge (HTTP 404).",
        ),
        (
            lambda web: web.put(BADGE, ["not", "an", "object"]) or web.hosted(),
            f"What {BADGE} returned is not a badge class (not a JSON object).",
        ),
        (
            lambda web: (
                web.put(BADGE, {k: v for k, v in web.docs[BADGE][1].items() if k not in ("description", "criteria")})
                or web.hosted()
            ),
            "The badge class is not a well-formed BadgeClass (it has no description, criteria).",
        ),
        (
            lambda web: web.put(BADGE, {**web.docs[BADGE][1], "type": "Issuer"}) or web.hosted(),
            "The badge class is not a well-formed BadgeClass.",
        ),
    ],
)
def test_a_badge_class_that_cannot_be_read_stops_there(web, setup, message):
    result = verify_hosted(url=setup(web), fetch=web.fetch, now=clock)
    assert said(result, "badge_class") == (False, message)
    assert result.badge_class is None and said(result, "issuer") is None and said(result, "origin") is None


def test_a_badge_class_fetch_that_fails_is_reported(web):
    url = web.hosted()

    def flaky(address):
        if address == BADGE:
            raise TimeoutError("timed out")
        return web.fetch(address)

    result = verify_hosted(url=url, fetch=flaky, now=clock)
    assert said(result, "badge_class") == (False, f"The badge class could not be fetched from {BADGE}: timed out")


ISSUER = "https://a.example/issuer"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda web: web.put(BADGE, {**web.docs[BADGE][1], "issuer": "urn:uuid:issuer-a"}),
            "The badge class does not name its issuer by an HTTP(S) URL.",
        ),
        (
            lambda web: change_issuer(web, id="https://b.example/issuer"),
            f"The issuer profile served at {ISSUER} gives another id (https://b.example/issuer).",
        ),
        (lambda web: change_issuer(web, type="BadgeClass"), f"What {ISSUER} returned is not an issuer profile."),
        (lambda web: change_issuer(web, name=""), f"What {ISSUER} returned is not an issuer profile."),
        (lambda web: web.docs.pop(ISSUER), f"The issuer profile could not be fetched from {ISSUER} (HTTP 404)."),
    ],
)
def test_an_issuer_profile_that_cannot_be_trusted_is_said(web, setup, message):
    url = web.hosted()
    setup(web)
    result = verify_hosted(url=url, fetch=web.fetch, now=clock)
    assert said(result, "issuer") == (False, message)
    assert result.issuer is None and said(result, "origin") is None


@pytest.mark.parametrize(
    "setup",
    [
        lambda web: web.put(BADGE, {**web.docs[BADGE][1], "issuer": {"id": ISSUER, "type": "Profile"}}),
        lambda web: change_issuer(web, type="Profile"),
        lambda web: change_issuer(web, type=["Issuer", "Extension"]),
    ],
)
def test_an_embedded_issuer_reference_and_a_profile_type_are_accepted(web, setup):
    url = web.hosted()
    setup(web)
    result = verify_hosted(url=url, fetch=web.fetch, now=clock)
    assert result.verdict == "valid", failed(result)
    assert result.issuer["id"] == ISSUER


ALLOWED = "The badge is hosted where the issuer's verification policy allows."
BAD_PREFIX = "The badge's URL does not start with any prefix the issuer permits."


@pytest.mark.parametrize(
    ("policy", "url", "expected"),
    [
        ({"allowedOrigins": ["BADGES.example"]}, "https://badges.example/a/1", (True, ALLOWED)),
        ({"allowedOrigins": "badges.example"}, "https://badges.example/a/1", (True, ALLOWED)),
        (
            {"allowedOrigins": ["badges.example"]},
            "https://evil.example/a/1",
            (False, "The badge is hosted at evil.example, not in the issuer's allowed origins."),
        ),
        ({"startsWith": "https://badges.example/a/"}, "https://badges.example/a/1", (True, ALLOWED)),
        (
            {"startsWith": ["https://badges.example/b/", "https://badges.example/a/"]},
            "https://badges.example/a/1",
            (True, ALLOWED),
        ),
        ({"startsWith": ["https://badges.example/b/"]}, "https://badges.example/a/1", (False, BAD_PREFIX)),
        (
            {"allowedOrigins": ["badges.example"], "startsWith": ["https://badges.example/b/"]},
            "https://badges.example/a/1",
            (False, BAD_PREFIX),
        ),
        (
            {"type": "VerificationObject"},
            "https://a.example/assertions/1",
            (True, "The badge is hosted on the issuer's own site (a.example)."),
        ),
        (
            {"type": "VerificationObject"},
            "https://badges.example/a/1",
            (False, "The badge is hosted at badges.example, but its issuer's profile is at a.example."),
        ),
    ],
)
def test_the_issuers_verification_policy_decides_where_badges_may_be_hosted(web, policy, url, expected):
    change_issuer(web, verification=policy)
    result = verify_hosted(url=web.hosted(url), fetch=web.fetch, now=clock)
    assert said(result, "origin") == expected


SIGNED_ID = "urn:uuid:00000000-0000-4000-8000-000000000001"
REVOCATIONS = "https://a.example/revocations"


@pytest.mark.parametrize(
    ("setup", "expected", "verdict"),
    [
        (
            lambda web: drop_from_issuer(web, "revocationList"),
            (True, "The issuer publishes no revocation list; nothing says this badge was revoked."),
            "valid",
        ),
        (
            lambda web: change_issuer(web, revocationList={"id": REVOCATIONS}),
            (True, "The issuer has not revoked this badge."),
            "valid",
        ),
        (
            lambda web: change_issuer(web, revocationList="urn:uuid:revocations"),
            (False, "The issuer's revocation list address is not an HTTP(S) URL."),
            "valid_with_warnings",
        ),
        (
            lambda web: web.docs.pop(REVOCATIONS),
            (False, f"The revocation list could not be fetched from {REVOCATIONS} (HTTP 404)."),
            "valid_with_warnings",
        ),
        (
            lambda web: web.put(REVOCATIONS, {**web.docs[REVOCATIONS][1], "type": "Issuer"}),
            (False, f"What {REVOCATIONS} returned is not a RevocationList."),
            "valid_with_warnings",
        ),
        (
            lambda web: web.put(REVOCATIONS, {**web.docs[REVOCATIONS][1], "revokedAssertions": None}),
            (True, "The issuer has not revoked this badge."),
            "valid",
        ),
        (
            lambda web: web.put(
                REVOCATIONS, {**web.docs[REVOCATIONS][1], "revokedAssertions": ["urn:uuid:other", SIGNED_ID]}
            ),
            (False, "The issuer has revoked this badge (it is in their revocation list)."),
            "invalid",
        ),
    ],
)
def test_the_issuers_revocation_list_and_what_goes_wrong_with_it(web, setup, expected, verdict):
    setup(web)
    result = verify_signed(token=web.signed(), fetch=web.fetch, now=clock)
    assert said(result, "status") == expected
    assert result.verdict == verdict


def test_a_badge_that_says_it_is_revoked_is_revoked(web):
    with_reason = verify_signed(token=signed_with(web, revoked=True, revocationReason="Cheated"), fetch=web.fetch)
    assert said(with_reason, "status") == (False, "The issuer has revoked this badge. Reason given: Cheated")
    without = verify_signed(token=signed_with(web, revoked=True), fetch=web.fetch, now=clock)
    assert said(without, "status") == (False, "The issuer has revoked this badge.")
    assert said(verify_signed(token=signed_with(web, revoked=False), fetch=web.fetch, now=clock), "status")[0]


def test_a_hosted_badge_without_a_revocation_list_is_vouched_for_by_its_server(web):
    drop_from_issuer(web, "revocationList")
    result = verify_hosted(url=web.hosted(), fetch=web.fetch, now=clock)
    assert said(result, "status") == (
        True,
        "The issuer's server still answers for this badge: it has not been revoked.",
    )


def test_a_410_without_a_reason(web):
    url = web.hosted()
    web.put(url, None, status=410)
    result = verify_hosted(url=url, fetch=web.fetch, now=clock)
    assert [(c.name, c.ok, c.message) for c in result.checks] == [
        ("hosted", True, f"The issuer's server answers for this badge at {url}."),
        ("status", False, "The issuer has revoked this badge (its server answers 410 Gone)."),
    ]


@pytest.mark.parametrize("url", ["https://", "ftp://a.example/assertions/1", "a.example/assertions/1"])
def test_a_hosted_url_must_be_http_and_is_not_fetched(web, url):
    calls = []
    result = verify_hosted(url=url, fetch=calls.append, now=clock)
    assert [(c.name, c.ok, c.message) for c in result.checks] == [
        ("hosted", False, "A hosted badge must have an HTTP(S) URL as its id.")
    ]
    assert calls == []


def test_hosted_json_whose_id_is_not_a_url_is_checked_for_format_only(web):
    doc = {**web.docs[web.hosted()][1], "id": "urn:uuid:00000000-0000-4000-8000-000000000009"}
    result = verify(badge=doc, fetch=web.fetch, now=clock)
    assert [c.name for c in result.checks] == ["format", "hosted"]
    assert said(result, "hosted") == (False, "A hosted badge must have an HTTP(S) URL as its id.")


def test_what_the_issuers_server_answers_instead_of_an_assertion(web):
    url = web.hosted()
    web.put(url, None, status=500)
    assert said(verify_hosted(url=url, fetch=web.fetch, now=clock), "hosted") == (
        False,
        f"The issuer's server no longer answers for this badge at {url} (HTTP 500).",
    )
    web.put(url, ["not", "an", "assertion"])
    assert said(verify_hosted(url=url, fetch=web.fetch, now=clock), "hosted") == (
        False,
        f"What {url} returned is not an Open Badges Assertion.",
    )


def test_given_json_must_be_the_assertion_at_the_url_it_is_checked_against(web):
    url = web.hosted()
    other = {**web.docs[url][1], "id": "https://a.example/assertions/2"}
    result = verify_hosted(url=url, assertion=other, fetch=web.fetch, now=clock)
    assert said(result, "hosted") == (False, "The badge's id does not match the address it was fetched from.")
    assert result.verdict == "invalid"


def test_a_hosted_assertion_must_declare_hosted_verification(web):
    url = hosted_with(web, verification={"type": "SignedBadge", "creator": "https://a.example/key"})
    result = verify_hosted(url=url, fetch=web.fetch, now=clock)
    assert failed(result) == {"hosted": "The Assertion served at its URL is not a hosted badge."}
    as_words = verify_hosted(url=hosted_with(web, verification="hosted"), fetch=web.fetch, now=clock)
    assert as_words.verdict == "valid", failed(as_words)
    assert said(as_words, "hosted") == (True, f"The issuer's server confirms this badge at {url}.")


def test_a_signed_badge_must_name_a_key_that_can_be_read(web):
    no_creator = verify_signed(token=signed_with(web, verification={"type": "SignedBadge"}), fetch=web.fetch)
    assert said(no_creator, "signature") == (
        False,
        "The badge does not say which key signed it (verification.creator).",
    )
    assert said(no_creator, "issuer_key") is None and no_creator.key_id is None
    missing = "https://a.example/no-such-key"
    unknown = verify_signed(
        token=signed_with(web, verification=compose.signed_verification(creator=missing)), fetch=web.fetch
    )
    assert said(unknown, "signature") == (False, f"The signing key could not be fetched from {missing} (HTTP 404).")
    assert said(unknown, "issuer_key") is None


KEY = "https://a.example/key"


@pytest.mark.parametrize(
    "change",
    [
        lambda key: {**key, "id": "https://a.example/another-key"},
        lambda key: {k: v for k, v in key.items() if k != "publicKeyPem"},
    ],
)
def test_a_key_document_must_be_the_key_it_was_fetched_as(web, change):
    web.put(KEY, change(web.docs[KEY][1]))
    result = verify_signed(token=web.signed(), fetch=web.fetch, now=clock)
    assert said(result, "signature") == (False, f"What {KEY} returned is not a CryptographicKey with a publicKeyPem.")


def test_a_key_that_is_not_rsa_is_said_in_words(web):
    pem = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    web.put(KEY, {**web.docs[KEY][1], "publicKeyPem": pem})
    result = verify_signed(token=web.signed(), fetch=web.fetch, now=clock)
    assert said(result, "signature") == (False, "The issuer's key could not be read: the public key is not an RSA key.")


def test_a_key_that_is_not_pem_is_said_in_words(web):
    web.put(
        KEY, {**web.docs[KEY][1], "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----"}
    )
    result = verify_signed(token=web.signed(), fetch=web.fetch, now=clock)
    ok, message = said(result, "signature")
    assert not ok and message.startswith("The issuer's key could not be read: the public key is not a PEM RSA key")


@pytest.mark.parametrize("listed", [KEY, [{"id": KEY}], ["https://a.example/old-key", KEY]])
def test_the_issuer_may_list_its_key_as_a_url_or_an_object(web, listed):
    change_issuer(web, publicKey=listed)
    result = verify_signed(token=web.signed(), fetch=web.fetch, now=clock)
    assert result.verdict == "valid", failed(result)
    assert said(result, "issuer_key") == (
        True,
        "The signing key is published by the issuer and listed in its profile.",
    )


def test_a_key_cannot_be_tied_to_an_issuer_whose_profile_cannot_be_read(web):
    profile = web.docs.pop(ISSUER)[1]
    result = verify_signed(token=web.signed(), fetch=web.fetch, now=clock)
    assert said(result, "issuer_key") == (
        False,
        "Without the issuer's profile, the signing key cannot be tied to the issuer.",
    )
    web.put(ISSUER, {**profile, "publicKey": []})
    unlisted = verify_signed(token=web.signed(), fetch=web.fetch, now=clock)
    assert said(unlisted, "issuer_key") == (
        False,
        "The issuer's profile does not list the key that signed this badge.",
    )


def test_a_valid_signature_names_its_key_and_whitespace_around_the_token_is_ignored(web):
    result = verify_signed(token=f"  {web.signed()}\n", fetch=web.fetch, now=clock)
    assert result.verdict == "valid", failed(result)
    assert said(result, "signature") == (True, "The signature is valid (RS256).")
    assert result.key_id == KEY
    assert verify(badge=f"\n{web.signed()} ", fetch=web.fetch, now=clock).verdict == "valid"


def test_a_signed_assertion_must_declare_signed_verification(web):
    token = signed_with(web, verification={"type": "HostedBadge", "creator": KEY})
    result = verify_signed(token=token, fetch=web.fetch, now=clock)
    assert failed(result) == {"signature": "The signed Assertion does not declare SignedBadge verification."}
    assert result.check("signature").ok  # the signature itself is good


NOT_JSON = "The JWS header or payload is not base64url-encoded JSON."


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "This is not a compact JWS (three dot-separated parts)."),
        ("one.two", "This is not a compact JWS (three dot-separated parts)."),
        (f"{b64(b'not json')}.{b64(b'{}')}.sig", NOT_JSON),
        (f"{b64(b'{}')}.{b64(bytes([0xFF, 0xFE, 0x00]))}.sig", NOT_JSON),
        (f"{b64(b'{}')}.{b64(b'[' * 100_000)}.sig", NOT_JSON),
        (f"{b64(b'[]')}.{b64(b'{}')}.sig", "The JWS header or payload is not a JSON object."),
        (f"{b64(b'{}')}.{b64(b'[]')}.sig", "The JWS header or payload is not a JSON object."),
    ],
)
def test_what_is_not_a_compact_jws_is_said_before_anything_is_fetched(token, message):
    calls = []
    result = verify_signed(token=token, fetch=calls.append, now=clock)
    assert result.form == "signed" and result.assertion is None
    assert [(c.name, c.ok, c.message) for c in result.checks] == [("signature", False, message)]
    assert calls == []


def test_an_algorithm_that_is_not_a_string_is_refused_by_name(web):
    payload = web.signed().split(".")[1]
    calls = []
    result = verify_signed(token=f"{b64(json.dumps({'alg': 5}).encode())}.{payload}.", fetch=calls.append)
    assert [c.name for c in result.checks] == ["format", "signature"]
    assert said(result, "signature") == (
        False,
        "The signature algorithm 5 is refused: Open Badges 2.0 signs with RS256 only.",
    )
    assert calls == []


def test_any_input_form_is_recognised(web):
    url = web.hosted()
    assert verify(badge=f"  {url}\n", fetch=web.fetch, now=clock).form == "hosted"
    as_text = verify(badge=json.dumps(web.docs[url][1]), fetch=web.fetch, now=clock)
    assert as_text.form == "hosted" and as_text.verdict == "valid", failed(as_text)
    for text in ("{not json", '{"a":' * 100_000):
        broken = verify(badge=text, fetch=web.fetch, now=clock)
        assert broken.form == "unknown"
        assert [(c.name, c.ok, c.message) for c in broken.checks] == [("format", False, "This is not valid JSON.")]


def test_a_signed_assertion_given_without_its_signature_is_not_trusted(web):
    payload = json.loads(base64.urlsafe_b64decode(web.signed().split(".")[1] + "=="))
    calls = []
    result = verify(badge=json.dumps(payload), fetch=calls.append, now=clock)
    assert result.form == "signed" and result.assertion == payload
    assert [(c.name, c.ok) for c in result.checks] == [("format", True), ("signature", False)]
    assert said(result, "signature")[1] == (
        "This signed badge was given without its signature: give the JWS or the baked image."
    )
    assert calls == []


def test_the_result_as_plain_data(web):
    data = verify(badge=web.hosted(), fetch=web.fetch, now=clock).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["verdict"] == "valid" and data["form"] == "hosted"
    assert data["assertion"]["id"] == "https://a.example/assertions/1"
    assert data["checks"][0] == {
        "name": "format",
        "ok": True,
        "message": "This is a well-formed Open Badges 2.0 Assertion.",
        "severity": "error",
    }


@pytest.mark.parametrize("kid", ["k", "ke", "key", "keys"])
def test_a_jws_whose_header_carries_more_than_the_algorithm_verifies(web, kid):
    # Other issuers' signers add header fields (kid, typ): the header's base64url text then needs one or two "="
    # of padding to be read, where ours needs none.
    doc = web.assertion(id=SIGNED_ID, verification=compose.signed_verification(creator=KEY))
    token = PyJWS(algorithms=["RS256"]).encode(
        json.dumps(doc).encode(), web.keys["a"], algorithm="RS256", headers={"kid": kid}
    )
    result = verify_signed(token=token, fetch=web.fetch, now=clock)
    assert result.verdict == "valid", failed(result)


def test_what_the_fetcher_answers_cannot_be_changed_after_the_fact():
    answer = Fetched(200, {"id": "https://a.example/assertions/1"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.status = 410


@functools.cache
def _rsa_3072_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


@pytest.mark.parametrize("narrative", ["", "W", "We", "Wel"])
def test_a_badge_signed_with_a_3072_bit_key_verifies(web, narrative):
    # Issuers elsewhere sign with larger keys: the signature's base64url text is then a whole number of quanta and
    # each part of the token is padded by its own length, whatever the payload's length.
    key = _rsa_3072_key()
    web.put(KEY, {**web.docs[KEY][1], "publicKeyPem": jws.public_key_pem(key)})
    doc = web.assertion(id=SIGNED_ID, verification=compose.signed_verification(creator=KEY))
    token = jws.sign_assertion(assertion={**doc, "narrative": narrative}, private_key=key)
    result = verify_signed(token=token, fetch=web.fetch, now=clock)
    assert result.verdict == "valid", failed(result)
