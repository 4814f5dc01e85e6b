"""Which fast results the guard recomputes: the first few of every shape of document, then the sample rate."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from badges.openbadges.ob3 import proof
from badges.openbadges.ob3.fastpath import guard, sampling
from tests.interop.ob3_kit import IssuerKit

NEVER = 1e-12  # sampling on, but the random share never drawn: only new shapes are sampled


@pytest.fixture(autouse=True)
def fresh_switch() -> Iterator[None]:
    guard.reset_fast_path()
    guard.set_sample_rate(NEVER)
    assert proof.self_test_fast_path()
    guard._switch.shapes.clear()  # the self-test's own documents are not the test's
    yield
    guard.reset_fast_path()
    guard.set_sample_rate(guard.DEFAULT_SAMPLE_RATE)


def _sampled(documents) -> list[bool]:
    return [proof.canonicalize_traced(document).sampled for document in documents]


def test_the_first_three_of_a_shape_are_sampled_then_only_the_rate():
    kit = IssuerKit()
    credentials = [kit.credential(index=n, email=f"learner{n}@example.org") for n in range(6)]
    assert _sampled(credentials) == [True, True, True, False, False, False]
    assert proof.fast_path_status().sampled == 3


def test_another_shape_is_sampled_again():
    kit = IssuerKit()
    assert _sampled([kit.credential(index=n) for n in range(4)]) == [True, True, True, False]
    with_tags = kit.credential(index=9)
    with_tags["credentialSubject"]["achievement"]["tag"] = ["one", "two", "three"]  # one more statement
    non_ascii = kit.credential(index=10)
    non_ascii["credentialSubject"]["achievement"]["name"] = "Données ouvertes"
    escaped = kit.credential(index=11)
    escaped["credentialSubject"]["achievement"]["description"] = 'Says "hello"'
    for other in (with_tags, non_ascii, escaped):
        assert _sampled([other, copy.deepcopy(other), copy.deepcopy(other), copy.deepcopy(other)]) == [
            True,
            True,
            True,
            False,
        ]


def test_proof_configurations_have_shapes_of_their_own():
    kit = IssuerKit()
    credential = kit.credential()
    configs = [
        proof.proof_config(context=credential["@context"], verification_method=kit.method_id(), created=f"{s}")
        for s in ("2025-01-01T00:00:01Z", "2025-01-01T00:00:02Z", "2025-01-01T00:00:03Z", "2025-01-01T00:00:04Z")
    ]
    assert [guard.canonicalize_proof_config(c).sampled for c in configs] == [True, True, True, False]


def test_a_rate_of_zero_samples_nothing_not_even_a_new_shape():
    guard.set_sample_rate(0)
    kit = IssuerKit()
    assert _sampled([kit.credential(index=n) for n in range(3)]) == [False, False, False]
    assert guard._switch.shapes.seen == {}


def test_the_rate_still_samples_shapes_already_seen():
    guard.set_sample_rate(1.0)
    kit = IssuerKit()
    assert _sampled([kit.credential(index=n) for n in range(5)]) == [True] * 5


def test_a_reset_forgets_the_shapes():
    kit = IssuerKit()
    assert _sampled([kit.credential(index=n) for n in range(4)]) == [True, True, True, False]
    guard.reset_fast_path()
    assert proof.self_test_fast_path()
    assert _sampled([kit.credential(index=n) for n in range(4)])[0] is True


def test_shapes_do_not_depend_on_names_ids_or_dates():
    kit = IssuerKit()
    one, other = kit.credential(index=1), kit.credential(index=2, email="someone.else@example.org")
    other["credentialSubject"]["achievement"]["name"] = "Another achievement name, of another length"
    first, second = (guard.canonicalize_fast(c) for c in (one, other))
    assert first != second
    assert sampling.shape_of("document", first) == sampling.shape_of("document", second)
    assert sampling.shape_of("document", first) != sampling.shape_of("proof config", first)


def test_shape_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(sampling, "SHAPES_REMEMBERED", 4)
    memory = sampling.ShapeMemory()
    shapes = [("document", n, True, False) for n in range(5)]
    for shape in shapes[:4]:
        assert memory.is_new(shape)
    assert len(memory.seen) == 4
    assert memory.is_new(shapes[0])  # seen once: still new until the third time
    assert memory.is_new(shapes[4])  # a fifth shape: the memory starts again
    assert list(memory.seen) == [shapes[4]]
