"""The fast path's switch and guards: the 1EdTech vector through the fast path, self-test, sampling, fallbacks."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from badges.openbadges.loader import vendored_documents
from badges.openbadges.ob3 import proof
from badges.openbadges.ob3.fastpath import contexts, dataset, guard, selftest
from badges.openbadges.ob3.fastpath.errors import UnknownTerm, UnknownType, UnsupportedIri, UnsupportedValue
from badges.openbadges.ob3.safety import UnsafeDocumentError
from tests.interop.ob3_kit import IssuerKit, utc

VECTOR = Path(__file__).resolve().parent / "vectors" / "ob3-eddsa-rdfc-2022"
SEED = bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4")
METHOD = "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
PROOF_VALUE = "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"


@pytest.fixture(autouse=True)
def fresh_switch() -> Iterator[None]:
    """Every test starts untested with the default sample rate and no callback, and leaves it that way."""
    guard.reset_fast_path()
    guard.set_sample_rate(guard.DEFAULT_SAMPLE_RATE)
    guard.set_alert_callback(None)
    yield
    guard.reset_fast_path()
    guard.set_sample_rate(guard.DEFAULT_SAMPLE_RATE)
    guard.set_alert_callback(None)


def _vector(name: str) -> str:
    return (VECTOR / name).read_text(encoding="utf-8")


def test_the_1edtech_vector_goes_through_the_fast_path() -> None:
    guard.set_sample_rate(0)  # no recomputation: what is returned is the fast path's own output
    credential = json.loads(_vector("credential.json"))
    config = json.loads(_vector("proof-config.json")) | {"@context": credential["@context"]}
    document, options = proof.canonicalize_traced(credential), proof.canonicalize_traced(config)
    assert (document.path, options.path) == ("fast", "fast")
    assert document.nquads == _vector("document-canon.nq")
    assert options.nquads == _vector("proof-canon.nq")
    assert hashlib.sha256(document.nquads.encode()).hexdigest().startswith("87f65a76")
    assert hashlib.sha256(options.nquads.encode()).hexdigest().startswith("d34009ce")
    key = ed25519.Ed25519PrivateKey.from_private_bytes(SEED)
    before = proof.fast_path_status().fast
    signed = proof.sign_credential(
        credential=credential, private_key=key, verification_method=METHOD, created=utc(2010, 1, 1, 19, 23, 24)
    )
    assert signed["proof"]["proofValue"] == PROOF_VALUE
    assert proof.fast_path_status().fast == before + 2  # the document and the proof configuration
    assert proof.verify_proof(document=signed, public_key=key.public_key()).ok
    assert proof.fast_path_status().fast == before + 4


def test_the_bundled_vector_is_the_published_one() -> None:
    for name in ("credential.json", "proof-config.json", "document-canon.nq", "proof-canon.nq"):
        assert (selftest.VECTOR_DIR / name).read_bytes() == (VECTOR / name).read_bytes(), name


def test_the_self_test_enables_the_fast_path() -> None:
    assert proof.fast_path_status().state == "untested"
    assert proof.self_test_fast_path() is True
    assert proof.fast_path_enabled() and proof.fast_path_status().state == "enabled"


def test_the_first_canonicalization_runs_the_self_test() -> None:
    proof.canonicalize(IssuerKit().credential())
    assert proof.fast_path_status().state == "enabled"


def test_a_failing_self_test_disables_the_fast_path_and_alerts(monkeypatch, caplog) -> None:
    alerts: list[guard.FastPathAlert] = []
    proof.set_alert_callback(alerts.append)
    monkeypatch.setattr(selftest, "_DOCUMENT_HASH", "0" * 64)  # as if pyld or a context file had changed
    with caplog.at_level(logging.ERROR, logger=guard.__name__):
        assert proof.self_test_fast_path() is False
    assert proof.fast_path_status().state == "disabled" and not proof.fast_path_enabled()
    assert [a.reason for a in alerts] == ["start-up self-test failed"]
    assert "canonical hashes differ" in str(alerts[0].detail)
    assert any(r.levelno == logging.ERROR and "disabled" in r.getMessage() for r in caplog.records)
    # Signing still works, through the full path, byte for byte as before.
    kit = IssuerKit()
    credential = kit.credential()
    traced = proof.canonicalize_traced(credential)
    assert traced.path == "full" and traced.nquads == guard.canonicalize_full(credential)
    assert proof.verify_proof(document=kit.sign(credential), public_key=kit.ed_keys[-1].public_key()).ok


def test_the_sampling_guard_catches_a_mismatch(monkeypatch, caplog) -> None:
    alerts: list[guard.FastPathAlert] = []
    proof.set_alert_callback(alerts.append)
    proof.set_sample_rate(1.0)
    assert proof.self_test_fast_path()
    genuine = guard.canonicalize_fast
    # A fast path gone wrong: one literal differs (as a pyld change or a compiler bug would make it).
    monkeypatch.setattr(guard, "canonicalize_fast", lambda d: genuine(d).replace("Data Literacy", "Data Literacx"))
    kit = IssuerKit()
    credential = kit.credential()
    with caplog.at_level(logging.ERROR, logger=guard.__name__):
        traced = proof.canonicalize_traced(credential)
    assert traced.path == "full" and traced.sampled
    assert traced.nquads == guard.canonicalize_full(credential)  # the caller gets the full path's result
    status = proof.fast_path_status()
    assert status.state == "disabled" and status.alert is not None
    assert [a.reason for a in alerts] == ["fast and full canonical N-Quads differ"]
    assert alerts[0].detail["document_id"] == credential["id"]
    assert alerts[0].detail["fast_sha256"] != alerts[0].detail["full_sha256"]
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    # From now on the fast path is not used, and signatures verify.
    assert proof.canonicalize_traced(credential).path == "full"
    signed = kit.sign(credential)
    assert proof.verify_proof(document=signed, public_key=kit.ed_keys[-1].public_key()).ok
    assert len(alerts) == 1


def test_the_sampling_guard_catches_a_document_only_the_fast_path_accepts(monkeypatch) -> None:
    alerts: list[guard.FastPathAlert] = []
    proof.set_alert_callback(alerts.append)
    proof.set_sample_rate(1.0)
    assert proof.self_test_fast_path()
    monkeypatch.setattr(guard, "canonicalize_fast", lambda d: "<urn:x> <urn:y> <urn:z> .\n")
    credential = IssuerKit().credential()
    credential["favouriteColour"] = "green"
    with pytest.raises(UnsafeDocumentError):
        proof.canonicalize(credential)
    assert proof.fast_path_status().state == "disabled"
    assert alerts[0].reason == "full JSON-LD processing refused a document the fast path accepted"


def test_an_unexpected_error_in_the_fast_path_trips_the_guard(monkeypatch) -> None:
    assert proof.self_test_fast_path()

    def broken(document):
        raise KeyError("bug")

    monkeypatch.setattr(guard, "canonicalize_fast", broken)
    credential = IssuerKit().credential()
    traced = proof.canonicalize_traced(credential)
    assert traced.path == "full" and traced.nquads == guard.canonicalize_full(credential)
    assert proof.fast_path_status().state == "disabled"


def test_sampling_rate_is_honoured(monkeypatch) -> None:
    assert proof.self_test_fast_path()
    calls = []
    monkeypatch.setattr(guard, "canonicalize_full", lambda d: calls.append(d) or guard.canonicalize_fast(d))
    credential = IssuerKit().credential()
    proof.set_sample_rate(0)
    for _ in range(200):
        assert proof.canonicalize_traced(credential).path == "fast"
    assert calls == []
    proof.set_sample_rate(0.25)
    sampled = sum(proof.canonicalize_traced(credential).sampled for _ in range(2000))
    assert 350 < sampled < 650 and len(calls) == sampled
    with pytest.raises(ValueError):
        proof.set_sample_rate(1.5)


def test_refusals_fall_back_and_sign_as_before() -> None:
    kit = IssuerKit()
    credential = kit.credential()
    credential["credentialSubject"]["achievement"]["favouriteColour"] = "green"
    with pytest.raises(UnsafeDocumentError):  # the fast path refused; the full path reports why
        proof.canonicalize_traced(credential)
    with pytest.raises(UnsafeDocumentError, match="'favouriteColour' is not defined"):
        kit.sign(credential)
    with pytest.raises(UnknownTerm, match="favouriteColour"):
        guard.canonicalize_fast(credential)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.__setitem__("name", "bell\x07"), "control character"),
        (lambda c: c["credentialStatus"].__setitem__("statusListIndex", "01"), "statusListIndex must be a decimal"),
        (lambda c: c.__setitem__("description", None), "is null"),
    ],
)
def test_json_level_refusals_are_applied_before_signing(mutate, message) -> None:
    """The fast path refuses what json_problems refuses, and the signer then reports json_problems' reason."""
    kit = IssuerKit()
    credential = kit.credential()
    mutate(credential)
    with pytest.raises((UnsupportedValue, UnknownTerm)):
        guard.canonicalize_fast(credential)
    with pytest.raises(UnsafeDocumentError, match=message):
        kit.sign(credential)


def test_bypass_uses_the_full_path_without_alerting() -> None:
    assert proof.self_test_fast_path()
    with proof.fast_path_bypassed():
        assert proof.canonicalize_traced(IssuerKit().credential()).path == "full"
    assert proof.canonicalize_traced(IssuerKit().credential()).path == "fast"
    assert proof.fast_path_status().alert is None


def test_operator_disable_and_reset() -> None:
    assert proof.self_test_fast_path()
    proof.disable_fast_path("maintenance")
    assert proof.fast_path_status().state == "disabled" and proof.fast_path_status().reason == "maintenance"
    assert proof.self_test_fast_path() is False  # a disabled path stays disabled until reset
    proof.reset_fast_path()
    assert proof.self_test_fast_path() is True


def test_contexts_are_compiled_from_the_pinned_vendored_files() -> None:
    top = contexts.context_for(list(next(iter(c for c in contexts.SUPPORTED_CONTEXT_LISTS if len(c) == 3))))
    ob3 = vendored_documents()["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]["@context"]
    # Whatever the file says, including its quirks: an undefined "xsd:" prefix stays an IRI of scheme "xsd".
    assert top.terms["awardedDate"].type_mapping == ob3["awardedDate"]["@type"] == "xsd:dateTime"
    achievement = top.for_types(("Achievement",))
    assert achievement.terms["tag"].iri == ob3["Achievement"]["@context"]["tag"]["@id"]
    assert achievement.terms["tag"].container == ("@set",)
    with pytest.raises(contexts.UnknownContext):
        contexts.context_for(["https://purl.imsglobal.org/spec/ob/v3p0/context.json"])


def test_deep_nesting_and_surrogates_are_refused_not_crashed() -> None:
    credential = IssuerKit().credential()
    node: dict = {"id": "https://example.org/i/0", "type": "Image"}
    for level in range(100):
        node = {"id": f"https://example.org/i/{level + 1}", "type": "Image", "image": node}
    credential["image"] = node
    with pytest.raises(UnsupportedValue, match="nested more than"):
        guard.canonicalize_fast(credential)
    credential = IssuerKit().credential()
    credential["name"] = "bad\ud800"
    with pytest.raises(UnsupportedValue, match="surrogate"):
        guard.canonicalize_fast(credential)


def test_remembered_identifiers_are_bounded_and_refusals_are_not_remembered() -> None:
    credential = IssuerKit().credential()
    known = dataset._reading(contexts.context_for(credential["@context"]))[2]
    for n in range(dataset._KNOWN_IRIS_MAX + 10):
        credential["id"] = f"urn:uuid:00000000-0000-0000-0000-{n:012d}"
        guard.canonicalize_fast(credential)
        assert len(known) <= dataset._KNOWN_IRIS_MAX
    credential["id"] = "relative/id"
    for _ in range(2):
        with pytest.raises(UnsupportedIri):
            guard.canonicalize_fast(credential)


def test_type_combinations_remembered_per_context_are_bounded() -> None:
    credential = IssuerKit().credential()
    top = contexts.context_for(credential["@context"])
    for n in range(contexts._TYPE_COMBINATIONS_CACHED + 10):
        credential["credentialSubject"]["type"] = ["AchievementSubject", f"Unknown{n}"]
        with pytest.raises(UnknownType):
            guard.canonicalize_fast(credential)
    assert len(top._by_types) <= contexts._TYPE_COMBINATIONS_CACHED
    assert len(top.memo["readings"]) <= dataset._READINGS_CACHED
    # The platform's own shapes are remembered again at their next use.
    guard.canonicalize_fast(IssuerKit().credential())
    assert ("AchievementSubject",) in top._by_types and ("AchievementSubject",) in top.memo["readings"]


def test_b58encode_matches_the_base58_package() -> None:
    samples = [b"", b"\0", b"\0\0\1", b"\xff" * 64, bytes(64), *(os.urandom(n) for n in range(1, 80))]
    for data in samples:
        assert proof.b58encode(data) == base58.b58encode(data).decode("ascii"), data.hex()


def test_b58decode_matches_the_base58_package() -> None:
    samples = [b"", b"\0", b"\0\0\1", b"\xff" * 64, bytes(64), *(os.urandom(n) for n in range(1, 80))]
    for data in samples:
        text = base58.b58encode(data).decode("ascii")
        # Trailing whitespace is ignored by both; anything else outside the alphabet is refused by both.
        for variant in (text, text + " \n", "1" + text, " " + text, text + "0", text + "l", text + "é"):
            try:
                expected: bytes | None = base58.b58decode(variant)
            except ValueError:
                expected = None
            if expected is None:
                with pytest.raises(ValueError):
                    proof.b58decode(variant)
            else:
                assert proof.b58decode(variant) == expected, variant


def test_b58decode_matches_the_base58_package_on_edge_cases() -> None:
    variants = [
        "",
        "1",
        "111",
        "11z",
        "z",
        "2",
        "1" * 70,
        "z\u3000",
        "z\x1c",
        "z\t\r\n ",
        "\u3000z",
        "0",
        "I",
        "O",
        "l",
    ]
    variants += ["1" + base58.b58encode(os.urandom(n)).decode("ascii") + "\u2003" for n in range(0, 70, 7)]
    for variant in variants:
        try:
            expected: bytes | None = base58.b58decode(variant)
        except ValueError as exc:
            with pytest.raises(type(exc)):
                proof.b58decode(variant)
        else:
            assert proof.b58decode(variant) == expected, repr(variant)
