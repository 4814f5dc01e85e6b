"""Artwork uploads: PNG/SVG by content, size and pixel limits, decompression bombs, SVG sanitising."""

import io

import pytest
from defusedxml import ElementTree as SafeET
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from badges.artwork import ArtworkError, CleanArtwork, validate_artwork
from badges.openbadges.baking.png import KEYWORD_OB2, bake_png, unbake_png
from tests.badges.openbadges.hostile_images import SVG_OPEN, Case, corpus, small_png

CASES = corpus()
SVG = SVG_OPEN + b'<circle cx="4" cy="4" r="3" fill="url(#g)"/><a href="#x"><text>hi</text></a></svg>'


def _png(width: int, height: int, mode: str = "RGBA") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (width, height)).save(buf, "PNG")
    return buf.getvalue()


def test_valid_png_is_returned_unchanged():
    data = _png(256, 128)
    art = validate_artwork(data=data, filename="badge.png")
    assert art == CleanArtwork("png", data, 256, 128)


def test_valid_svg_keeps_every_byte():
    art = validate_artwork(data=SVG)
    assert (art.kind, art.data, art.width, art.height, art.removed) == ("svg", SVG, 8, 8, ())


def test_kind_comes_from_content_not_name():
    assert validate_artwork(data=SVG, filename="looks.png").kind == "svg"
    assert validate_artwork(data=small_png(), filename="looks.svg").kind == "png"


def test_size_limit():
    data = _png(64, 64)
    with pytest.raises(ArtworkError, match="limit"):
        validate_artwork(data=data, max_bytes=len(data) - 1)


def test_pixel_limits_are_read_before_decoding():
    with pytest.raises(ArtworkError, match="4097x10"):
        validate_artwork(data=_png(4097, 10, "1"))
    with pytest.raises(ArtworkError, match="largest"):
        validate_artwork(data=_png(100, 100), max_width=99, max_height=99)


def test_decompression_bomb_is_refused_before_decoding(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("Pillow must not be asked to open a bomb")

    monkeypatch.setattr(Image, "open", boom)
    bomb = next(c for c in CASES if c.name == "bomb-100000x100000")
    with pytest.raises(ArtworkError, match="100000x100000"):
        validate_artwork(data=bomb.data)


def test_pillow_bomb_guard_applies_below_our_limit(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ArtworkError, match="pixels"):
        validate_artwork(data=_png(100, 100))


def test_svg_sanitising_removes_only_the_dangerous_parts():
    dirty = (
        b'<?xml version="1.0"?>\n<?xml-stylesheet href="http://evil.example/x.css"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'width="10" height="20" onload="steal()">'
        b"<script>steal()</script>"
        b'<foreignObject><body xmlns="http://www.w3.org/1999/xhtml" onclick="x()"/></foreignObject>'
        b'<a xlink:href="javascript:steal()"><text>keep me</text></a>'
        b'<a href="#local"><rect width="1" height="1" fill="url(#g)"/></a>'
        b'<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>'
        b'<use href="https://evil.example/s.svg#i"/>'
        b"<style>@import url(https://evil.example/x.css); rect { fill: red }</style>"
        b"<style>rect { fill: url(#g) }</style>"
        b'<rect style="fill:url(http://evil.example/p#g)" width="2" height="2"/>'
        b"</svg>"
    )
    art = validate_artwork(data=dirty)
    clean = art.data
    for bad in (
        b"onload",
        b"<script",
        b"foreignObject",
        b"javascript",
        b"evil.example",
        b"onclick",
        b"@import",
    ):
        assert bad not in clean, bad
    for kept in (
        b"keep me",
        b'href="#local"',
        b"url(#g)",
        b"data:image/png;base64",
        b"rect { fill: url(#g) }",
    ):
        assert kept in clean, kept
    assert clean.startswith(b'<?xml version="1.0"?>\n')
    SafeET.fromstring(clean)  # still well-formed
    assert (art.width, art.height) == (10, 20)
    assert art.removed
    with pytest.raises(ArtworkError, match="unsafe content"):
        validate_artwork(data=dirty, strict=True)


def test_svg_size_from_viewbox():
    art = validate_artwork(data=b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150"/>')
    assert (art.width, art.height) == (300, 150)
    art = validate_artwork(data=b'<svg xmlns="http://www.w3.org/2000/svg" width="10cm"/>')
    assert (art.width, art.height) == (None, None)


def test_validated_png_can_be_baked():
    art = validate_artwork(data=_png(32, 32))
    assert unbake_png(image=bake_png(image=art.data, keyword=KEYWORD_OB2, text="t"), keyword=KEYWORD_OB2) == "t"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_corpus(case: Case):
    if case.artwork == "clean":
        assert validate_artwork(data=case.data, filename=case.filename).kind in ("png", "svg")
        return
    if case.artwork == "sanitize":
        art = validate_artwork(data=case.data, filename=case.filename)
        assert art.removed, "something dangerous must have been cut"
        validate_artwork(data=art.data, strict=True)  # and what is left is clean
    with pytest.raises(ArtworkError) as info:
        validate_artwork(data=case.data, filename=case.filename, strict=True)
    assert str(info.value).strip()
    assert type(info.value) is ArtworkError


def test_at_least_thirty_hostile_files_are_refused_in_strict_mode():
    assert sum(c.artwork in ("error", "sanitize") for c in CASES) >= 30


def test_wrong_types_and_names_in_messages():
    with pytest.raises(ArtworkError, match="badge.png"):
        validate_artwork(data=b"GIF89a....", filename="badge.png")
    with pytest.raises(ArtworkError, match="bytes"):
        validate_artwork(data="text")  # type: ignore[arg-type]


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_only_raise_artwork_error(data: bytes):
    for candidate in (
        data,
        b"\x89PNG\r\n\x1a\n" + data,
        b"<svg>" + data + b"</svg>",
        small_png()[:33] + data,
    ):
        try:
            validate_artwork(data=candidate)
        except ArtworkError as exc:
            assert str(exc)
