"""The compiled canonicalization path against full pyld processing, over thousands of generated documents.

For every document: the fast path's canonical N-Quads are byte-identical to full JSON-LD processing (pyld, pinned
in pyproject.toml and constraints.txt, with the safe-mode checks), or the fast path refused it — and it never
accepts a document that full processing refuses. Every credential the generators compose (5,000 seeded, plus
hypothesis examples) must be accepted: those are the platform's shapes. A sample is also checked against stock
``jsonld.normalize`` without Laurel's caches.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pyld import jsonld

from badges.openbadges.loader import document_loader
from badges.openbadges.ob3 import compose, proof
from badges.openbadges.ob3.fastpath import FastPathRefusal, canonicalize_fast, canonicalize_full
from badges.openbadges.ob3.fastpath.dataset import build_dataset, build_statements
from badges.openbadges.ob3.fastpath.rdfc import canonical_nquads_pyld
from badges.openbadges.ob3.safety import json_problems
from tests.badges.openbadges.ob3_generators import Generator, hostile

CREDENTIALS = 5_000
STOCK_EVERY = 50  # every 50th document is also compared with stock pyld (no caches, no safety wrapper)


def _stock(document: dict[str, Any]) -> str:
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader}
    return jsonld.normalize(document, options)


def differential(document: dict[str, Any], *, stock: bool = False) -> bool:
    """True if the fast path accepted ``document`` (and then agreed with pyld), False if it refused."""
    try:
        fast: str | None = canonicalize_fast(document)
    except FastPathRefusal:
        fast = None
    try:
        full: str | None = canonicalize_full(document)
    except Exception as exc:  # full processing refuses (UnsafeDocumentError) or fails (JsonLdError)
        assert fast is None, f"the fast path accepted a document full processing rejects: {exc!r}"
        return False
    if fast is None:
        return False
    assert fast == full
    if stock:
        assert fast == _stock(document)
    return True


def test_seeded_credentials_are_identical_to_pyld() -> None:
    generator = Generator(seed=20250301)
    for number in range(CREDENTIALS):
        credential = generator.credential()
        assert differential(credential, stock=number % STOCK_EVERY == 0), f"refused platform credential {number}"


def test_seeded_status_lists_and_proof_configs_are_identical_to_pyld() -> None:
    generator = Generator(seed=7)
    for number in range(300):
        status_list = generator.status_list_credential()
        assert differential(status_list, stock=number % 25 == 0)
        assert differential(generator.proof_config(status_list), stock=number % 25 == 0)
        assert differential(generator.proof_config(generator.credential()), stock=number % 25 == 0)


def test_hostile_changes_are_refused_or_identical() -> None:
    """Undefined terms, relative IRIs, control characters, numbers…: never a wrong answer, never accepted when
    pyld refuses; and every change that :func:`json_problems` refuses, the fast path refuses too."""
    generator, rng, outcomes = Generator(seed=99, long_text=0), random.Random(5), Counter()
    for _ in range(600):
        name, document = hostile(generator.credential(), rng)
        accepted = differential(document)
        if accepted:
            assert json_problems(document) == [], name
        outcomes[(name, accepted)] += 1
    must_refuse = {
        "undefined property", "undefined top-level property", "undefined type", "schema type without extensions",
        "relative id", "relative evidence", "blank node id", "compact IRI", "IRI with a space",
        "IRI with a newline", "control character", "DEL", "null", "number", "float", "integer index",
        "padded index", "listed index", "nested context", "inline context", "unknown context", "keyword key",
        "value object", "nested array", "lone surrogate", "proof present", "conflicting scoped contexts", "tuple",
    }  # fmt: skip
    assert not [name for (name, accepted) in outcomes if accepted and name in must_refuse]


def test_the_dataset_form_is_what_pyld_canonicalizes() -> None:
    """pyld's own URDNA2015 on the built dataset gives the same N-Quads as the inline RDFC-1.0 and as full
    processing — including documents whose identical blank nodes need the N-degree search."""
    generator, duplicated = Generator(seed=3, long_text=0), 0
    for _ in range(300):
        credential = generator.credential()
        statements = build_statements(credential)
        assert canonical_nquads_pyld(statements) == canonicalize_fast(credential) == canonicalize_full(credential)
        alignments = credential["credentialSubject"]["achievement"].get("alignment", [])
        duplicated += len(alignments) != len({repr(a) for a in alignments})
    assert duplicated, "the generator should produce identical blank nodes now and then"
    dataset = build_dataset(generator.credential())
    assert set(dataset) == {"@default"}
    assert all(set(quad) == {"subject", "predicate", "object"} for quad in dataset["@default"])


_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(['"', "\\", "\n", "\r", "\t", "\u0301", "\u200f", "𝄞", "\x00", "\x7f"]),
    ),
    max_size=40,
)
_REQUIRED = _TEXT.filter(lambda value: value.strip() != "")
_URL = st.builds(
    lambda host, path: f"https://{host}/{path}",
    st.sampled_from(["example.org", "badges.example.edu", "例え.jp"]),
    # No whitespace, controls or IRIREF-forbidden characters: those identifiers are refused (hostile test).
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters='<>"{}|^`\\'),
        max_size=12,
    ),
)


@st.composite
def _credentials(draw: st.DrawFn) -> dict[str, Any]:
    optional = st.one_of(st.none(), _TEXT)
    image = st.one_of(st.none(), st.builds(compose.Image, id=_URL, caption=optional))
    achievement = compose.Achievement(
        id=draw(_URL),
        name=draw(_REQUIRED),
        description=draw(_REQUIRED),
        criteria=compose.Criteria(id=draw(_URL), narrative=draw(optional)),
        image=draw(image),
        achievement_type=draw(st.one_of(st.none(), st.sampled_from(["Badge", "MicroCredential", "ext:Ünï"]))),
        alignments=draw(
            st.lists(
                st.builds(
                    compose.Alignment,
                    target_name=_REQUIRED,
                    target_url=_URL,
                    target_type=optional,
                    target_code=optional,
                    target_framework=optional,
                    target_description=optional,
                ),
                max_size=3,
            )
        ),
        tags=draw(st.lists(_TEXT, max_size=4)),
    )
    evidence = st.builds(
        compose.Evidence,
        id=_URL,
        narrative=optional,
        name=optional,
        description=optional,
        genre=optional,
        audience=optional,
    )
    moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
    valid_from = draw(moments)
    return compose.open_badge_credential(
        issuer=compose.IssuerProfile(id=draw(_URL), name=draw(_REQUIRED), url=draw(_URL), image=draw(image)),
        achievement=achievement,
        recipient=compose.Recipient(
            did=draw(st.sampled_from([None, "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"])),
            email="learner@example.com",
            salt=draw(_REQUIRED),
        ),
        valid_from=valid_from,
        awarded_date=draw(st.one_of(st.none(), moments)),
        evidence=draw(st.lists(evidence, max_size=2)),
        status=draw(
            st.one_of(
                st.none(),
                st.builds(compose.StatusEntry, status_list_credential=_URL, index=st.integers(0, 131_071)),
            )
        ),
        include_schema=draw(st.booleans()),
    )


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credential=_credentials())
def test_hypothesis_credentials_are_identical_or_refused(credential: dict[str, Any]) -> None:
    accepted = differential(credential)
    problems = json_problems(credential)
    # The platform's shapes are refused only for what the signer refuses anyway (control characters).
    assert accepted == (problems == []), problems


@pytest.mark.parametrize("include_schema", [True, False])
def test_signing_uses_the_fast_path_and_verifies(include_schema: bool) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    credential = Generator(seed=11).credential()
    if not include_schema:
        credential["@context"] = credential["@context"][:2]
        credential.pop("credentialSchema", None)
    assert proof.canonicalize_traced(credential).path == "fast"
    signed = proof.sign_credential(
        credential=credential, private_key=key, verification_method="did:web:example.org#k", created="2025-01-01"
    )
    assert proof.verify_proof(document=signed, public_key=key.public_key()).ok
    with proof.fast_path_bypassed():
        assert proof.verify_proof(document=signed, public_key=key.public_key()).ok
