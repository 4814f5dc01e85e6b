"""The plain OB 2.0 verifier against a small fake internet of documents: each check's failure, both forms."""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from badges.openbadges.ob2 import compose, jws
from badges.openbadges.ob2.verify import Fetched, verify, verify_hosted, verify_signed

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def clock():
    return NOW


class Web:
    """Two issuers, A and B, each with a profile, an RSA key and a revocation list, plus A's badge class."""

    def __init__(self):
        self.docs: dict[str, tuple[int, object]] = {}
        self.keys = {}
        for name in ("a", "b"):
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
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
