"""PNG baking: one iTXt chunk, exact round trips, every other chunk byte-identical, re-baking replaces."""

import io
import json
import zlib

import pytest
from openbadges_bakery import unbake as reference_unbake
from PIL import Image, PngImagePlugin

from badges.openbadges.baking.png import (
    KEYWORD_OB2,
    KEYWORD_OB3,
    BakingError,
    bake_png,
    read_chunks,
    unbake_png,
)
from tests.badges.openbadges.hostile_images import chunk, itxt, small_png, with_chunks_before_iend

ASSERTION_JSON = json.dumps({"id": "https://e.org/a/1", "narrative": 'Ünïcödé ✓ and "quotes"'})
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6InVybjp1dWlkOjEifQ.c2ln"


@pytest.fixture(scope="module")
def artwork() -> bytes:
    """A PNG with several ancillary chunks (text, gamma, pHYs) besides IHDR/IDAT/IEND."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "Laurel tests")
    info.add_itxt("Title", "Badge ✓", lang="en", tkey="Titre")
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 90)).save(buf, "PNG", pnginfo=info, dpi=(72, 72))
    return buf.getvalue()


def _chunk_bytes(png: bytes) -> list[tuple[bytes, bytes]]:
    return [(c.type, png[c.start : c.end]) for c in read_chunks(png)]


@pytest.mark.parametrize("keyword", [KEYWORD_OB2, KEYWORD_OB3])
@pytest.mark.parametrize("text", [ASSERTION_JSON, JWS, "https://e.org/a/1"])
def test_round_trip_returns_exactly_the_baked_text(artwork, keyword, text):
    baked = bake_png(image=artwork, keyword=keyword, text=text)
    assert unbake_png(image=baked, keyword=keyword) == text
    other = KEYWORD_OB3 if keyword == KEYWORD_OB2 else KEYWORD_OB2
    assert unbake_png(image=baked, keyword=other) is None


def test_other_chunks_are_copied_byte_for_byte(artwork):
    baked = bake_png(image=artwork, keyword=KEYWORD_OB2, text=ASSERTION_JSON)
    before = _chunk_bytes(artwork)
    after = _chunk_bytes(baked)
    assert [c for c in after if c[0] != b"iTXt" or b"openbadges\x00" not in c[1][:20]] == before
    types = [t for t, _ in after]
    assert types[-1] == b"IEND" and types[-2] == b"iTXt"
    # The image still decodes to the same pixels.
    assert Image.open(io.BytesIO(baked)).tobytes() == Image.open(io.BytesIO(artwork)).tobytes()


def test_itxt_layout_is_uncompressed_with_empty_language_and_translation(artwork):
    baked = bake_png(image=artwork, keyword=KEYWORD_OB2, text="x")
    ours = [baked[c.start + 8 : c.end - 4] for c in read_chunks(baked) if c.type == b"iTXt"]
    assert b"openbadges\x00\x00\x00\x00\x00x" in ours


def test_baking_twice_leaves_one_chunk(artwork):
    once = bake_png(image=artwork, keyword=KEYWORD_OB2, text="first")
    twice = bake_png(image=once, keyword=KEYWORD_OB2, text="second")
    assert unbake_png(image=twice, keyword=KEYWORD_OB2) == "second"
    assert len(twice) == len(once) + 1
    ours = [c for c in read_chunks(twice) if twice[c.start + 8 : c.start + 19] == b"openbadges\x00"]
    assert len(ours) == 1


def test_baking_replaces_legacy_text_chunks_with_the_keyword(artwork):
    legacy = with_chunks_before_iend(
        artwork,
        chunk(b"tEXt", b"openbadges\x00https://old"),
        chunk(b"zTXt", b"openbadges\x00\x00" + zlib.compress(b"x")),
    )
    baked = bake_png(image=legacy, keyword=KEYWORD_OB2, text="new")
    assert unbake_png(image=baked, keyword=KEYWORD_OB2) == "new"
    assert b"https://old" not in baked


def test_reads_legacy_text_and_compressed_itxt(artwork):
    assert (
        unbake_png(
            image=with_chunks_before_iend(artwork, chunk(b"tEXt", b"openbadges\x00https://a")),
            keyword=KEYWORD_OB2,
        )
        == "https://a"
    )
    packed = itxt(b"openbadges", zlib.compress('{"é":1}'.encode()), flag=1)
    assert unbake_png(image=with_chunks_before_iend(artwork, packed), keyword=KEYWORD_OB2) == '{"é":1}'


def test_reference_bakery_reads_our_bake(artwork):
    baked = bake_png(image=artwork, keyword=KEYWORD_OB2, text=ASSERTION_JSON)
    assert reference_unbake(io.BytesIO(baked)) == ASSERTION_JSON


def test_bytes_after_iend_are_dropped():
    png = small_png() + b"trailing garbage"
    baked = bake_png(image=png, keyword=KEYWORD_OB2, text="t")
    assert baked.endswith(b"IEND\xaeB`\x82")
    assert unbake_png(image=png, keyword=KEYWORD_OB2) is None


@pytest.mark.parametrize("keyword", ["", " lead", "x" * 80, "nul\x00", "snow☃"])
def test_bad_keywords_are_refused(keyword):
    with pytest.raises(BakingError):
        bake_png(image=small_png(), keyword=keyword, text="t")


def test_bad_text_is_refused():
    with pytest.raises(BakingError, match="UTF-8"):
        bake_png(image=small_png(), keyword=KEYWORD_OB2, text="\ud800")
    with pytest.raises(BakingError, match="str"):
        bake_png(image=small_png(), keyword=KEYWORD_OB2, text=b"bytes")  # type: ignore[arg-type]
    with pytest.raises(BakingError, match="bytes"):
        bake_png(image="not bytes", keyword=KEYWORD_OB2, text="t")  # type: ignore[arg-type]
