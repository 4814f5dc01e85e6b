"""The OB 3.0 verifier's 1EdTech Revocation List status method (VCRL 1.0), beside the Bitstring Status List, on
credentials signed by a throw-away issuer: revoked with the reason, not listed, reinstated, unreachable, not a list,
both methods on one credential, both forms (Data Integrity and VC-JWT); and expiry reported with revocation."""

import pytest

from badges.openbadges.ob3 import revocation_list
from badges.openbadges.ob3 import verify as v
from tests.interop.ob3_kit import IssuerKit, utc

LIST_URL = "https://badges.example.edu/issuers/demo-institute/revocations"


class Lists:
    """The issuer's lists as a fetcher answers them: its Bitstring list credential and a 1EdTech revocation list."""

    def __init__(self, kit: IssuerKit):
        self.kit = kit
        self.revocations: dict | None = {"id": LIST_URL, "issuer": kit.did, "revokedCredentials": []}
        self.fetched: list[str] = []

    def fetch(self, url: str):
        self.fetched.append(url)
        if url == self.kit.status_list_url:
            return self.kit.signed_status_list()
        if url == LIST_URL and self.revocations is not None:
            return self.revocations
        raise ConnectionError(f"{url} did not answer")

    def revoke(self, credential_id: str, **extra):
        self.revocations["revokedCredentials"].append({"id": credential_id, **extra})


@pytest.fixture
def kit():
    return IssuerKit(base_url="https://badges.example.edu")


@pytest.fixture
def lists(kit):
    return Lists(kit)


def credential(kit, *, bitstring_index=None, valid_until=None):
    """A signed credential whose status is the 1EdTech list (and also a Bitstring entry when an index is given)."""
    unsigned = kit.credential(index=bitstring_index or 1, valid_until=valid_until)
    entries = [{"id": LIST_URL, "type": "1EdTechRevocationList"}]
    if bitstring_index is not None:
        entries.append(unsigned["credentialStatus"])
    unsigned["credentialStatus"] = entries[0] if len(entries) == 1 else entries
    return kit.sign(unsigned)


def verified(kit, lists, document, *, now=None):
    return v.verify(credential=document, resolve_did=kit.resolve_did, fetch_status_list=lists.fetch, now=kit.clock(now))


def failed(result):
    return {c.name: (c.message, c.severity) for c in result.checks if not c.ok}


def both_forms(kit, signed):
    return [("data_integrity", signed), ("jwt", kit.jwt(signed))]


def test_a_credential_not_in_the_list_is_valid_in_both_forms(kit, lists):
    signed = credential(kit)
    lists.revoke("urn:uuid:someone-else", revocationReason="Not this one")
    for form, document in both_forms(kit, signed):
        result = verified(kit, lists, document)
        assert result.verdict == "valid" and result.form == form, failed(result)
        assert result.check("status").message == "The issuer has not revoked this credential."
    assert lists.fetched == [LIST_URL, LIST_URL]


def test_a_listed_credential_is_revoked_with_the_issuers_reason_in_both_forms(kit, lists):
    signed = credential(kit)
    lists.revoke(signed["id"], revocationReason="Issued in error")
    for _form, document in both_forms(kit, signed):
        result = verified(kit, lists, document)
        assert result.verdict == "invalid"
        assert failed(result) == {
            "status": (
                "The issuer has revoked this credential (it is in their revocation list). "
                "Reason given: Issued in error",
                "error",
            )
        }


def test_listed_without_revoked_means_revoked_and_revoked_false_means_not(kit, lists):
    signed = credential(kit)
    lists.revoke(signed["id"])
    assert "revoked this credential" in failed(verified(kit, lists, signed))["status"][0]
    lists.revocations["revokedCredentials"] = [{"id": signed["id"], "revoked": False}]  # reinstated
    assert verified(kit, lists, signed).verdict == "valid"
    lists.revocations["revokedCredentials"] = [{"id": signed["id"], "revoked": True}]
    assert verified(kit, lists, signed).verdict == "invalid"


def test_the_spelling_1edtechs_validator_reads_is_understood(kit, lists):
    # The spec's text says revokedCredentials; 1EdTech's validator reads revokedCredential. Either is a list.
    signed = credential(kit)
    lists.revocations = {"id": LIST_URL, "revokedCredential": [{"id": signed["id"], "revocationReason": "Fraud"}]}
    assert "Reason given: Fraud" in failed(verified(kit, lists, signed))["status"][0]


def test_an_unreachable_list_is_a_warning_like_an_unreachable_bitstring_list(kit, lists):
    lists.revocations = None
    result = verified(kit, lists, credential(kit))
    assert result.verdict == "valid_with_warnings"
    message, severity = failed(result)["status"]
    assert severity == "warning" and message.startswith(f"The revocation list could not be fetched from {LIST_URL}")
    # The same words and severity as the Bitstring Status List gives when its list does not answer.
    bitstring = kit.signed_credential()
    offline = v.verify(
        credential=bitstring,
        resolve_did=kit.resolve_did,
        fetch_status_list=lambda url: (_ for _ in ()).throw(ConnectionError("down")),
        now=kit.clock(),
    )
    assert offline.verdict == "valid_with_warnings" and failed(offline)["status"][1] == "warning"


@pytest.mark.parametrize(
    "answer",
    [["not", "an", "object"], {"id": LIST_URL, "revokedCredentials": "everyone"}, "revoked"],
)
def test_what_is_not_a_revocation_list_is_an_error(kit, lists, answer):
    lists.revocations = answer
    result = verified(kit, lists, credential(kit))
    assert result.verdict == "invalid" and "not a 1EdTech revocation list" in failed(result)["status"][0]


def test_a_list_with_no_entries_lists_nothing(kit, lists):
    lists.revocations = {"id": LIST_URL, "issuer": kit.did}
    assert verified(kit, lists, credential(kit)).verdict == "valid"


def test_a_status_entry_without_a_list_url_is_malformed(kit, lists):
    unsigned = kit.credential()
    unsigned["credentialStatus"] = {"type": "1EdTechRevocationList", "id": "urn:uuid:not-a-place"}
    result = verified(kit, lists, kit.sign(unsigned))
    assert "malformed" in failed(result)["status"][0] and lists.fetched == []


def test_with_both_methods_revoked_in_either_list_is_revoked(kit, lists):
    signed = credential(kit, bitstring_index=77)
    assert verified(kit, lists, signed).verdict == "valid"
    assert set(lists.fetched) == {LIST_URL, kit.status_list_url}
    lists.revoke(signed["id"], revocationReason="Withdrawn")
    assert "Withdrawn" in failed(verified(kit, lists, signed))["status"][0]
    lists.revocations["revokedCredentials"] = []
    kit.revoke(77)
    assert failed(verified(kit, lists, signed))["status"][0] == "The issuer has revoked this credential."


def test_a_revocation_is_not_hidden_by_another_list_that_does_not_answer(kit, lists):
    signed = credential(kit, bitstring_index=78)
    kit.revoke(78)
    lists.revocations = None  # the 1EdTech list is down, the Bitstring list says revoked
    result = verified(kit, lists, signed)
    assert result.verdict == "invalid"
    assert failed(result)["status"] == ("The issuer has revoked this credential.", "error")


def test_expired_and_revoked_both_reported_with_the_date(kit, lists):
    signed = credential(kit, valid_until=utc(2025, 5, 1))
    lists.revoke(signed["id"], revocationReason="Issued in error")
    for _form, document in both_forms(kit, signed):
        result = verified(kit, lists, document)
        assert result.verdict == "invalid"
        assert set(failed(result)) == {"status", "expiration"}
        assert failed(result)["expiration"][0] == "The credential expired on 2025-05-01T00:00:00Z."
        assert "Issued in error" in failed(result)["status"][0]


def test_a_vc_1_1_expiration_date_is_read_as_the_expiry(kit, lists):
    # OB 3.0 §9.1: credentials made to VC DM 1.1 carry expirationDate instead of validUntil. (Such a credential has
    # other problems here — its format — but it is still reported as expired, with its date.)
    checks = v._date_checks(
        {"validFrom": "2025-01-01T00:00:00Z", "expirationDate": "2025-05-01T00:00:00Z"}, utc(2025, 6, 1)
    )
    assert checks[-1].name == "expiration" and not checks[-1].ok
    assert checks[-1].message == "The credential expired on 2025-05-01T00:00:00Z."


def test_revocation_status_reads_only_the_credentials_own_id():
    document = {"revokedCredentials": [{"id": "urn:a"}, "urn:b", {"id": "urn:c", "revoked": False}]}
    assert revocation_list.revocation_status(document, credential_id="urn:a").revoked
    assert not revocation_list.revocation_status(document, credential_id="urn:b").revoked
    assert not revocation_list.revocation_status(document, credential_id="urn:c").revoked
    long = {"revokedCredentials": [{"id": "urn:a", "revocationReason": "x" * 5000}]}
    assert len(revocation_list.revocation_status(long, credential_id="urn:a").reason) == 500


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        ("y" * 500, "y" * 500),  # exactly the limit: shown whole, nothing cut
        ("y" * 501, "y" * 499 + "…"),  # one over: cut to the limit, and marked as cut
        ("  Exam   voided\n", "Exam voided"),  # the issuer's spacing is not the reader's problem
    ],
)
def test_a_reason_is_shown_whole_up_to_the_limit_and_visibly_cut_past_it(reason, shown):
    document = {"revokedCredentials": [{"id": "urn:a", "revocationReason": reason}]}
    assert revocation_list.revocation_status(document, credential_id="urn:a").reason == shown


def test_a_credential_listed_after_others_is_found():
    """Lists hold other credentials (and red herrings) before ours: each entry is read, not just the first."""
    document = {
        "revokedCredentials": [
            {"id": "urn:other", "revoked": True},
            "not an entry",
            {"id": "urn:reinstated", "revoked": False},
            {"id": "urn:a", "revocationReason": "Exam voided"},
        ]
    }
    assert revocation_list.revocation_status(document, credential_id="urn:a") == revocation_list.ListedStatus(
        True, "Exam voided"
    )


def test_a_list_that_says_both_revoked_and_not_for_one_credential_is_read_as_revoked():
    """An id listed twice, first as reinstated and then as revoked: the list cannot say "not revoked" plainly, so
    it is not taken to mean it (the same reading as an entry whose `revoked` is not a boolean)."""
    document = {"revokedCredentials": [{"id": "urn:a", "revoked": False}, {"id": "urn:a", "revocationReason": "Again"}]}
    assert revocation_list.revocation_status(document, credential_id="urn:a").revoked is True


def test_a_credential_without_an_id_cannot_be_looked_up_and_the_list_is_not_fetched(kit, lists):
    signed = credential(kit)
    del signed["id"]  # after signing: the signature fails too, but the status is judged and said on its own
    result = verified(kit, lists, signed)
    assert failed(result)["status"] == (
        "The credential has no id, so its revocation list cannot be read for it.",
        "error",
    )
    assert lists.fetched == []


def test_a_listed_credential_without_a_reason_is_revoked_in_plain_words(kit, lists):
    signed = credential(kit)
    lists.revoke(signed["id"])
    assert failed(verified(kit, lists, signed))["status"] == (
        "The issuer has revoked this credential (it is in their revocation list).",
        "error",
    )
