"""Proof configurations from a per-shape template (fastpath.proofconfig) against full pyld processing.

Whatever ``created`` a configuration has, and whatever its other options, the guard's template answer is
byte-identical to full JSON-LD processing and to building the configuration through the fast path — or no
template applies and the configuration is canonicalized the normal way. Template results are sampled like any
fast result, and nothing made before a change of the switch is used after it.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

import pytest

from badges.openbadges.ob3 import proof
from badges.openbadges.ob3.fastpath import (
    FastPathRefusal,
    canonicalize_fast,
    canonicalize_full,
    canonicalize_proof_config,
    guard,
    proofconfig,
)
from badges.openbadges.ob3.safety import UnsafeDocumentError
from tests.badges.openbadges.ob3_generators import Generator

_UNUSUAL_CREATED = [
    "2025-03-01T12:00:00Z",
    "2025-03-01T12:00:00.123456789+05:30",
    "",
    " ",
    "not a date",
    "0000-00-00T00:00:00",
    "9999-12-31T23:59:59Z",
    proofconfig._SENTINEL,
    "~!#$%&'()*+,-./:;<=>?@[]^_`{|}",
    "<https://example.org/x>",
    '"^^<http://www.w3.org/2001/XMLSchema#string>',
    '2025-03-01T12:00:00Z" .\n_:c14n0 <https://example.org/p> "x',
    "back\\slash",
    'quote"d',
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "Ünïcödé 𝄞",
    "e\u0301",
    "\u200f2025",
    "control\x01",
    "del\x7f",
    "surrogate\ud800",
    "x" * 5000,
    "did:web:badges.example.edu#key-1",
    "https://w3id.org/security#DataIntegrityProof",
]


@pytest.fixture(autouse=True)
def _enabled_fast_path() -> Iterator[None]:
    guard.reset_fast_path()
    rate = guard.sample_rate()
    guard.set_sample_rate(0.0)
    assert guard.self_test_fast_path()
    try:
        yield
    finally:
        guard.set_sample_rate(rate)
        guard.reset_fast_path()


def _expected(config: dict[str, Any]) -> str | None:
    """Full processing's canonical N-Quads, or None when it refuses (or fails on) the configuration."""
    try:
        full = canonicalize_full(config)
    except (UnsafeDocumentError, ValueError):  # a lone surrogate fails in pyld's hashing (UnicodeEncodeError)
        return None
    with contextlib.suppress(FastPathRefusal):
        assert canonicalize_fast(config) == full
    return full


def _check(config: dict[str, Any]) -> bool:
    """The guard's answer is full processing's; True if the template gave it."""
    templated = proofconfig.proof_config_nquads(config, guard.fast_path_epoch())
    expected = _expected(config)
    if expected is None:
        assert templated is None, config
        with pytest.raises(ValueError):  # UnsafeDocumentError or pyld's failure, as without the template
            canonicalize_proof_config(config)
        return False
    if templated is not None:
        assert templated == expected, config
    assert canonicalize_proof_config(config).nquads == expected
    return templated is not None


def test_generated_configurations_use_the_template_and_equal_pyld() -> None:
    generator, templated = Generator(seed=1912), 0
    for number in range(300):
        document = generator.credential() if number % 3 else generator.status_list_credential()
        templated += _check(generator.proof_config(document))
    assert templated == 300


def test_unusual_created_values_equal_pyld() -> None:
    generator = Generator(seed=20)
    outcomes = {}
    for created in _UNUSUAL_CREATED:
        for document in (generator.credential(), generator.status_list_credential()):
            config = generator.proof_config(document)
            config["created"] = created
            outcomes[created] = _check(config)
    # Printable ASCII without quote or backslash is filled in; anything that needs escaping or checking is not.
    assert outcomes["2025-03-01T12:00:00Z"] and outcomes[""] and outcomes["not a date"]
    assert outcomes[proofconfig._SENTINEL] and outcomes["<https://example.org/x>"]
    assert not any(outcomes[value] for value in ('quote"d', "back\\slash", "new\nline", "Ünïcödé 𝄞", "del\x7f"))


def test_other_options_equal_pyld_or_are_not_templated() -> None:
    """Other cryptosuites, types, purposes and methods: either the template's answer is pyld's, or none applies."""
    generator, rng = Generator(seed=21), random.Random(21)
    variants = [
        ("cryptosuite", "ecdsa-rdfc-2019"),
        ("cryptosuite", "eddsa-jcs-2022"),
        ("cryptosuite", "bbs-2023"),
        ("cryptosuite", ""),
        ("cryptosuite", 'eddsa"rdfc'),
        ("type", "Ed25519Signature2020"),
        ("type", "MadeUpProof"),
        ("type", "https://example.org/MyProof"),
        ("proofPurpose", "authentication"),
        ("proofPurpose", "capabilityInvocation"),
        ("proofPurpose", "madeUpPurpose"),
        ("proofPurpose", "https://example.org/purpose"),
        ("verificationMethod", "relative#key-1"),
        ("verificationMethod", "_:b0"),
        ("verificationMethod", proofconfig._SENTINEL),
        ("verificationMethod", "https://example.org/a b"),
        ("@context", ["https://www.w3.org/ns/credentials/v2", "https://example.org/unknown"]),
        ("@context", "https://www.w3.org/ns/credentials/v2"),
    ]
    for key, value in variants:
        for created in ("2025-03-01T12:00:00Z", proofconfig._SENTINEL, rng.choice(_UNUSUAL_CREATED)):
            config = generator.proof_config(generator.credential()) | {key: value, "created": created}
            _check(config)


def test_only_the_proof_options_with_string_values_are_templated() -> None:
    generator = Generator(seed=22)
    base = generator.proof_config(generator.credential())
    assert proofconfig.proof_config_nquads(base, guard.fast_path_epoch()) is not None
    changed = [
        base | {"id": "urn:uuid:00000000-0000-4000-8000-000000000001"},
        base | {"challenge": "abc"},
        base | {"domain": "example.org"},
        base | {"created": ["2025-03-01T12:00:00Z"]},
        base | {"created": 20250301},
        base | {"cryptosuite": ["eddsa-rdfc-2022"]},
        base | {"@context": [*base["@context"], {"x": "https://example.org/x"}]},
        {key: value for key, value in base.items() if key != "proofPurpose"},
    ]
    for config in changed:
        assert proofconfig.proof_config_nquads(config, guard.fast_path_epoch()) is None, config
        expected = _expected(config)
        if expected is not None:
            assert canonicalize_proof_config(config).nquads == expected


def test_signatures_and_verification_use_the_template_and_verify_with_the_full_path() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    generator, key = Generator(seed=23), Ed25519PrivateKey.generate()
    for _ in range(20):
        credential = generator.credential()
        signed = proof.sign_credential(
            credential=credential,
            private_key=key,
            verification_method="did:web:x.example#k",
            created=generator.moment(),
        )
        assert proof.verify_proof(document=signed, public_key=key.public_key()).ok
        with proof.fast_path_bypassed():
            assert proof.verify_proof(document=signed, public_key=key.public_key()).ok
        signed["proof"]["created"] = "2001-01-01T00:00:00Z"
        assert not proof.verify_proof(document=signed, public_key=key.public_key()).ok


def test_template_results_are_sampled_like_any_fast_result() -> None:
    generator = Generator(seed=24)
    config = generator.proof_config(generator.credential())
    guard.set_sample_rate(1.0)
    before = guard.fast_path_status()
    result = canonicalize_proof_config(config)
    after = guard.fast_path_status()
    assert result.path == "fast" and result.sampled
    assert after.sampled == before.sampled + 1 and after.fast == before.fast + 1


def test_a_wrong_template_is_caught_by_sampling_and_trips_the_guard() -> None:
    """A template that gave other N-Quads than full processing: the sample catches it, the caller gets pyld's."""
    generator = Generator(seed=25)
    config = generator.proof_config(generator.credential())
    epoch = guard.fast_path_epoch()
    shape = proofconfig._shape(config)
    good = proofconfig._template_of(shape, epoch)
    assert good is not None
    # Plant a template with a line changed in the cache, as a bug in the template code would.
    proofconfig._template_of.cache_clear()
    wrong = proofconfig.ConfigTemplate(good.fixed[1:], good.before, good.after)
    planted = proofconfig.functools.lru_cache(maxsize=1)(lambda shape, epoch: wrong)
    original, proofconfig._template_of = proofconfig._template_of, planted
    try:
        guard.set_sample_rate(1.0)
        result = canonicalize_proof_config(config)
    finally:
        proofconfig._template_of = original
    assert result.nquads == canonicalize_full(config) and result.path == "full"
    assert guard.fast_path_status().state == "disabled"
    # Disabled: everything is computed by the full path, and templates made before are not used.
    assert canonicalize_proof_config(config).path == "full"
    assert proofconfig.proof_config_nquads(config, guard.fast_path_epoch()) is not None  # only the guard decides


def test_templates_are_made_again_after_the_switch_changes() -> None:
    generator = Generator(seed=26)
    config = generator.proof_config(generator.credential())
    canonicalize_proof_config(config)
    first = guard.fast_path_epoch()
    guard.reset_fast_path()
    assert guard.self_test_fast_path()
    assert guard.fast_path_epoch() != first
    misses = proofconfig._template_of.cache_info().misses
    assert canonicalize_proof_config(config).path == "fast"
    assert proofconfig._template_of.cache_info().misses == misses + 1
    with proof.fast_path_bypassed():
        assert canonicalize_proof_config(config).path == "full"
