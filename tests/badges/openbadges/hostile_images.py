"""A corpus of hostile or broken images, generated in code, for artwork validation and unbaking tests.

Each :class:`Case` says what every entry point must do with it: ``artwork`` is ``"error"`` (ArtworkError),
``"sanitize"`` (accepted only after cleaning; refused with ``strict=True``) or ``"clean"`` (a valid image);
``png`` / ``svg`` are the expected results of ``unbake_png`` / ``unbake_svg``: ``"error"`` (BakingError) or
``"none"`` (nothing baked). ``png_ob3`` is ``unbake_png`` with the OB 3.0 keyword when it differs (a PNG whose only
fault is its ``openbadges`` chunk has nothing under ``openbadgecredential``).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from functools import cache

from PIL import Image

PNG_SIG = b"\x89PNG\r\n\x1a\n"
SVG_OPEN = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8">'


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    artwork: str
    png: str
    svg: str = "error"
    filename: str | None = None
    png_ob3: str | None = None

    @property
    def png_ob3_outcome(self) -> str:
        return self.png_ob3 or self.png

    def __repr__(self) -> str:  # keeps pytest ids short
        return self.name


def chunk(chunk_type: bytes, payload: bytes, *, crc: int | None = None) -> bytes:
    value = zlib.crc32(chunk_type + payload) if crc is None else crc
    return struct.pack(">I", len(payload)) + chunk_type + payload + struct.pack(">I", value)


@cache
def small_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (16, 16), (30, 120, 200, 255)).save(buf, "PNG")
    return buf.getvalue()


def split_chunks(png: bytes) -> list[bytes]:
    out, offset = [], 8
    while offset < len(png):
        length = struct.unpack(">I", png[offset : offset + 4])[0]
        out.append(png[offset : offset + 12 + length])
        offset += 12 + length
    return out


def ihdr(width: int, height: int, *, depth: int = 8, color: int = 6) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0))


def itxt(keyword: bytes, text: bytes, *, flag: int = 0, method: int = 0) -> bytes:
    return chunk(b"iTXt", keyword + b"\x00" + bytes([flag, method]) + b"\x00\x00" + text)


def with_chunks_before_iend(png: bytes, *extra: bytes) -> bytes:
    parts = split_chunks(png)
    return PNG_SIG + b"".join(parts[:-1]) + b"".join(extra) + parts[-1]


def _svg(body: bytes, *, prolog: bytes = b"", open_tag: bytes = SVG_OPEN) -> bytes:
    return prolog + open_tag + body + b"</svg>"


def _png_cases() -> list[Case]:
    png = small_png()
    parts = split_chunks(png)
    ihdr_chunk, idat, iend = parts[0], parts[1], parts[-1]
    bad_ihdr_crc = ihdr_chunk[:-4] + bytes([ihdr_chunk[-4] ^ 0xFF]) + ihdr_chunk[-3:]
    bad_idat_crc = idat[:-1] + bytes([idat[-1] ^ 0x01])
    long_idat = struct.pack(">I", len(idat) - 12 + 1000) + idat[4:]
    bomb_idat = chunk(b"IDAT", zlib.compress(b"\x00" * 4096, 9))
    big_text = zlib.compress(b"A" * (9 * 1024 * 1024), 9)
    return [
        Case("empty-file", b"", "error", "error"),
        Case("zero-bytes", b"\x00" * 64, "error", "error"),
        Case("signature-only", PNG_SIG, "error", "error"),
        Case("truncated-in-ihdr", png[:20], "error", "error"),
        Case("truncated-in-idat", png[: len(png) // 2], "error", "error"),
        Case("truncated-no-iend-crc", png[:-2], "error", "error"),
        Case("wrong-magic", b"\x88" + png[1:], "error", "error"),
        Case("bad-ihdr-crc", PNG_SIG + bad_ihdr_crc + b"".join(parts[1:]), "error", "error"),
        Case("bad-idat-crc", PNG_SIG + ihdr_chunk + bad_idat_crc + b"".join(parts[2:]), "error", "error"),
        Case("chunk-length-past-eof", PNG_SIG + ihdr_chunk + long_idat + iend, "error", "error"),
        Case(
            "huge-chunk-length",
            PNG_SIG + ihdr_chunk + b"\xff\xff\xff\xffIDAT" + b"\x00" * 16,
            "error",
            "error",
        ),
        Case("no-iend", PNG_SIG + b"".join(parts[:-1]), "error", "error"),
        Case("idat-before-ihdr", PNG_SIG + idat + ihdr_chunk + iend, "error", "error"),
        Case("invalid-chunk-type", PNG_SIG + ihdr_chunk + chunk(b"I\x00AT", b"xx") + iend, "error", "error"),
        Case(
            "bomb-100000x100000",
            PNG_SIG + ihdr(100_000, 100_000, depth=1, color=0) + bomb_idat + iend,
            "error",
            "none",
        ),
        Case("too-wide-5000x1", PNG_SIG + ihdr(5000, 1, depth=1, color=0) + bomb_idat + iend, "error", "none"),
        Case("zero-width", PNG_SIG + ihdr(0, 16) + idat + iend, "error", "none"),
        Case(
            "undecodable-idat",
            PNG_SIG + ihdr_chunk + chunk(b"IDAT", b"not zlib at all") + iend,
            "error",
            "none",
        ),
        Case(
            "two-baked-chunks",
            with_chunks_before_iend(png, itxt(b"openbadges", b"{}"), itxt(b"openbadges", b"{}")),
            "clean",
            "error",
            png_ob3="none",
        ),
        Case(
            "itxt-and-text-same-keyword",
            with_chunks_before_iend(png, itxt(b"openbadges", b"a"), chunk(b"tEXt", b"openbadges\x00b")),
            "clean",
            "error",
            png_ob3="none",
        ),
        Case(
            "itxt-bad-utf8",
            with_chunks_before_iend(png, itxt(b"openbadges", b"\xff\xfe\xfa")),
            "clean",
            "error",
            png_ob3="none",
        ),
        Case(
            "itxt-compressed-bomb",
            with_chunks_before_iend(png, itxt(b"openbadges", big_text, flag=1)),
            "error",  # Pillow caps text chunks too
            "error",
            png_ob3="none",
        ),
        Case(
            "itxt-bad-zlib",
            with_chunks_before_iend(png, itxt(b"openbadges", b"garbage", flag=1)),
            "clean",
            "error",
            png_ob3="none",
        ),
        Case(
            "itxt-bad-flag",
            with_chunks_before_iend(png, itxt(b"openbadges", b"{}", flag=7)),
            "clean",
            "error",
            png_ob3="none",
        ),
        Case(
            "itxt-no-terminators",
            with_chunks_before_iend(png, chunk(b"iTXt", b"openbadges\x00\x00\x00")),
            "clean",
            "error",
            png_ob3="none",
        ),
        Case(
            "gif-named-png",
            b"GIF89a" + b"\x10\x00\x10\x00" + b"\x00" * 40,
            "error",
            "error",
            filename="badge.png",
        ),
        Case(
            "jpeg-named-png",
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40,
            "error",
            "error",
            filename="badge.png",
        ),
        Case("text-file", b"hello, I am not an image\n", "error", "error", filename="badge.png"),
    ]


def _svg_cases() -> list[Case]:
    lol = (
        b'<!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    xxe = b'<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return [
        Case(
            "svg-script",
            _svg(b"<script>alert(1)</script><rect width='1' height='1'/>"),
            "sanitize",
            "error",
            "none",
        ),
        Case("svg-external-entity", _svg(b"<text>&xxe;</text>", prolog=xxe), "error", "error", "error"),
        Case("svg-billion-laughs", _svg(b"<text>&c;</text>", prolog=lol), "error", "error", "error"),
        Case(
            "svg-doctype-only",
            _svg(
                b"",
                prolog=b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
            ),
            "error",
            "error",
            "error",
        ),
        Case(
            "svg-foreign-object",
            _svg(b"<foreignObject><div xmlns='http://www.w3.org/1999/xhtml'>x</div></foreignObject>"),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-onload",
            _svg(b"", open_tag=SVG_OPEN[:-1] + b' onload="alert(1)">'),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-javascript-href",
            _svg(b'<a href="javascript:alert(1)"><text>x</text></a>'),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-entity-encoded-javascript",
            _svg(b'<a xlink:href="&#106;avascript:alert(1)"><text>x</text></a>'),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-external-use",
            _svg(b'<use href="https://evil.example/sprite.svg#a"/>'),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-external-image",
            _svg(b'<image xlink:href="http://evil.example/track.png" width="8" height="8"/>'),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-svg-data-uri-image",
            _svg(b'<image href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/>'),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-style-import",
            _svg(b"<style>@import url(https://evil.example/x.css);</style>"),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-style-attr-url",
            _svg(b'<rect style="fill:url(http://evil.example/p#g)" width="1" height="1"/>'),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-set-href",
            _svg(b'<a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a>'),
            "sanitize",
            "error",
            "none",
        ),
        Case(
            "svg-stylesheet-pi",
            _svg(b"", prolog=b'<?xml-stylesheet href="http://evil.example/x.css"?>'),
            "sanitize",
            "error",
            "none",
        ),
        Case("svg-malformed", SVG_OPEN + b"<g><rect></g>", "error", "error", "error"),
        Case(
            "svg-not-svg-root",
            b'<html xmlns="http://www.w3.org/1999/xhtml"><script>1</script></html>',
            "error",
            "error",
            "error",
            filename="a.svg",
        ),
        Case("svg-utf16", _svg(b"<rect/>").decode().encode("utf-16"), "error", "error", "error"),
        Case(
            "svg-latin1",
            _svg(b"<text>\xe9</text>", prolog=b'<?xml version="1.0" encoding="ISO-8859-1"?>'),
            "error",
            "error",
            "error",
        ),
        Case(
            "svg-two-baked-assertions",
            _svg(
                b'<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="a.b.c"/>'
                b'<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="d.e.f"/>'
            ),
            "clean",
            "error",
            "error",
        ),
    ]


def corpus() -> list[Case]:
    """All cases; names are unique and make readable pytest ids."""
    return _png_cases() + _svg_cases()
