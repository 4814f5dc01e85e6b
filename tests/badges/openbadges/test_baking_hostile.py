"""Hostile and broken images: unbaking gives BakingError (with a message) or None, never another exception."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from badges.openbadges.baking.png import KEYWORD_OB2, KEYWORD_OB3, BakingError, bake_png, unbake_png
from badges.openbadges.baking.svg import bake_svg_ob2_hosted, unbake_svg
from tests.badges.openbadges.hostile_images import Case, corpus, small_png

CASES = corpus()


def test_corpus_is_big_and_names_are_unique():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


def _expect(outcome: str, call) -> None:
    if outcome == "none":
        assert call() is None
        return
    with pytest.raises(BakingError) as info:
        call()
    assert str(info.value).strip(), "a BakingError must say what is wrong"
    assert type(info.value) is BakingError


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_unbake_png(case: Case):
    _expect(case.png, lambda: unbake_png(image=case.data, keyword=KEYWORD_OB2))
    _expect(case.png_ob3_outcome, lambda: unbake_png(image=case.data, keyword=KEYWORD_OB3))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_unbake_svg(case: Case):
    _expect(case.svg, lambda: unbake_svg(image=case.data, version="ob2"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bake_png_refuses_or_produces_a_clean_bake(case: Case):
    """Baking refuses a broken PNG, or yields one that unbakes to exactly the new text (old chunks dropped)."""
    try:
        baked = bake_png(image=case.data, keyword=KEYWORD_OB2, text="{}")
    except BakingError as exc:
        assert str(exc).strip()
        assert case.png_ob3_outcome == "error", "only a structurally broken file may be refused"
    else:
        assert case.png_ob3_outcome == "none"
        assert unbake_png(image=baked, keyword=KEYWORD_OB2) == "{}"


_FUZZ = hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_only_raise_baking_error(data: bytes):
    for call in (
        lambda: unbake_png(image=data, keyword=KEYWORD_OB2),
        lambda: unbake_png(image=b"\x89PNG\r\n\x1a\n" + data, keyword=KEYWORD_OB2),
        lambda: unbake_svg(image=data, version="ob2"),
        lambda: unbake_svg(image=b"<svg>" + data + b"</svg>", version="ob3"),
    ):
        try:
            call()
        except BakingError as exc:
            assert str(exc)


_BAKED_PNG = bake_png(image=small_png(), keyword=KEYWORD_OB2, text='{"id":"x"}')
_BAKED_SVG = bake_svg_ob2_hosted(
    image=b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
    assertion_url="https://e.org/a",
    assertion_json='{"id":"https://e.org/a"}',
)


@_FUZZ
@given(st.data())
def test_mutated_baked_images_only_raise_baking_error(data):
    for original, unbake in (
        (_BAKED_PNG, lambda b: unbake_png(image=b, keyword=KEYWORD_OB2)),
        (_BAKED_SVG, lambda b: unbake_svg(image=b, version="ob2")),
    ):
        mutated = bytearray(original)
        for _ in range(data.draw(st.integers(1, 4))):
            position = data.draw(st.integers(0, len(mutated) - 1))
            mutated[position] = data.draw(st.integers(0, 255))
        cut = data.draw(st.integers(0, len(mutated)))
        for candidate in (bytes(mutated), bytes(mutated[:cut])):
            try:
                result = unbake(candidate)
            except BakingError as exc:
                assert str(exc)
            else:
                assert result is None or isinstance(result, str)
