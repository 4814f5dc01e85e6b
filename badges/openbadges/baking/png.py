"""Bake and unbake Open Badges in PNG files at the byte level: one ``iTXt`` chunk, all other chunks copied
verbatim.

OB 2.0 PNG baking: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html#png
OB 3.0 PNG baking: https://www.imsglobal.org/spec/ob/v3p0/#png
PNG chunk layout, iTXt/tEXt/zTXt: https://www.w3.org/TR/png-3/#5Chunk-layout and #11textinfo

Image data is never decoded: chunks are walked by their length fields, every CRC is checked with
``zlib.crc32``, and the untouched chunks are copied as byte slices. Hostile input (bad signature, truncation,
lengths past the end, bad CRCs, no ``IEND``, ambiguous duplicate badges, bad UTF-8, oversized compressed text)
raises :class:`BakingError` with a plain message and nothing else.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from badges.openbadges.baking.errors import BakingError

__all__ = [
    "KEYWORD_OB2",
    "KEYWORD_OB3",
    "MAX_TEXT_BYTES",
    "PNG_SIGNATURE",
    "BakingError",
    "bake_png",
    "read_chunks",
    "unbake_png",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD_OB2 = "openbadges"
KEYWORD_OB3 = "openbadgecredential"
#: Largest baked text accepted, before or after decompression (a badge is a few KB; a JWS with images maybe 1
#: MB).
MAX_TEXT_BYTES = 8 * 1024 * 1024
_MAX_CHUNK_LENGTH = 2**31 - 1  # PNG spec: chunk lengths are at most 2^31-1.
_TEXT_TYPES = (b"iTXt", b"tEXt", b"zTXt")
_HEADER = struct.Struct(">I4s")  # chunk length, chunk type
_CRC = struct.Struct(">I")


@dataclass(frozen=True, slots=True)
class Chunk:
    """One PNG chunk: its 4-byte type and its ``start``/``end`` offsets (length field to CRC, inclusive)."""

    type: bytes
    start: int
    end: int

    @property
    def data_start(self) -> int:
        return self.start + 8

    @property
    def data_end(self) -> int:
        return self.end - 4


def _as_bytes(image: object) -> bytes:
    if isinstance(image, bytes):
        return image
    if isinstance(image, (bytearray, memoryview)):
        return bytes(image)
    raise BakingError(f"expected the image as bytes, got {type(image).__name__}")


def read_chunks(image: bytes) -> list[Chunk]:
    """Return the chunks of a PNG up to and including ``IEND``, checking signature, lengths and every CRC.

    Bytes after ``IEND`` are ignored. Raises :class:`BakingError` for anything that is not a well-formed PNG
    chunk stream.
    """
    data = _as_bytes(image)
    if len(data) < len(PNG_SIGNATURE) or data[:8] != PNG_SIGNATURE:
        raise BakingError("not a PNG file: the 8-byte PNG signature is missing")
    view = memoryview(data)
    chunks: list[Chunk] = []
    offset = 8
    total = len(data)
    while True:
        if offset + 12 > total:
            raise BakingError(f"PNG is truncated: no complete chunk at byte {offset} and no IEND chunk")
        length, chunk_type = _HEADER.unpack_from(data, offset)
        if length > _MAX_CHUNK_LENGTH:
            raise BakingError(f"PNG chunk at byte {offset} declares an impossible length ({length} bytes)")
        if not chunk_type.isalpha() or not chunk_type.isascii():
            raise BakingError(f"PNG chunk at byte {offset} has an invalid type {chunk_type!r}")
        end = offset + 12 + length
        if end > total:
            raise BakingError(
                f"PNG chunk {chunk_type.decode('ascii')} at byte {offset} runs past the end of the file "
                f"({length} bytes declared, {total - offset - 12} available)"
            )
        if zlib.crc32(view[offset + 4 : end - 4]) != _CRC.unpack_from(data, end - 4)[0]:
            raise BakingError(f"PNG chunk {chunk_type.decode('ascii')} at byte {offset} has a bad CRC")
        if not chunks and chunk_type != b"IHDR":
            raise BakingError("PNG does not start with an IHDR chunk")
        chunks.append(Chunk(chunk_type, offset, end))
        if chunk_type == b"IEND":
            return chunks
        offset = end


def _check_keyword(keyword: str) -> bytes:
    try:
        raw = keyword.encode("latin-1")
    except (UnicodeEncodeError, AttributeError) as exc:
        raise BakingError("a PNG text keyword must be Latin-1 text") from exc
    if not 1 <= len(raw) <= 79 or b"\x00" in raw or raw != raw.strip(b" "):
        raise BakingError("a PNG text keyword must be 1-79 characters without NUL or surrounding spaces")
    return raw


def _chunk_keyword(data: bytes, chunk: Chunk) -> bytes | None:
    """The keyword of a text chunk (bytes before its first NUL), or None if no NUL within 80 bytes."""
    head = data[chunk.data_start : min(chunk.data_end, chunk.data_start + 80)]
    nul = head.find(b"\x00")
    return None if nul < 0 else head[:nul]


def _make_chunk(chunk_type: bytes, payload: bytes) -> bytes:
    return (
        len(payload).to_bytes(4, "big")
        + chunk_type
        + payload
        + zlib.crc32(payload, zlib.crc32(chunk_type)).to_bytes(4, "big")
    )


def bake_png(*, image: bytes, keyword: str, text: str) -> bytes:
    """Return ``image`` with exactly one uncompressed ``iTXt`` chunk ``keyword`` holding ``text`` (UTF-8).

    Any existing ``iTXt``/``tEXt``/``zTXt`` chunk with the same keyword is dropped; every other chunk is
    copied byte for byte, and the new chunk goes right before ``IEND``. Bytes after ``IEND`` are not kept.
    """
    raw_keyword = _check_keyword(keyword)
    if not isinstance(text, str):
        raise BakingError(f"baked text must be a str, got {type(text).__name__}")
    try:
        raw_text = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BakingError("baked text is not encodable as UTF-8 (lone surrogate?)") from exc
    if len(raw_text) > MAX_TEXT_BYTES:
        raise BakingError(f"baked text is {len(raw_text)} bytes, more than the {MAX_TEXT_BYTES}-byte limit")
    data = _as_bytes(image)
    chunks = read_chunks(data)
    # iTXt: keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL,
    # text.
    new_chunk = _make_chunk(b"iTXt", raw_keyword + b"\x00\x00\x00\x00\x00" + raw_text)
    # Runs of kept chunks are copied as single memoryview slices: one copy of the image data, in the final join.
    view = memoryview(data)
    parts: list[bytes | memoryview] = []
    run_start = 0
    for chunk in chunks:
        if chunk.type in _TEXT_TYPES and _chunk_keyword(data, chunk) == raw_keyword:
            parts.append(view[run_start : chunk.start])
            run_start = chunk.end
        elif chunk.type == b"IEND":
            parts += (view[run_start : chunk.start], new_chunk, view[chunk.start : chunk.end])
    return b"".join(parts)


def _inflate(compressed: bytes, *, what: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, MAX_TEXT_BYTES + 1)
    except zlib.error as exc:
        raise BakingError(f"{what} is not valid zlib data") from exc
    if len(out) > MAX_TEXT_BYTES or inflater.unconsumed_tail:
        raise BakingError(f"{what} decompresses to more than the {MAX_TEXT_BYTES}-byte limit")
    if not inflater.eof:
        raise BakingError(f"{what} is truncated zlib data")
    return out


def _decode_text_chunk(data: bytes, chunk: Chunk, keyword_length: int) -> str:
    body = data[chunk.data_start + keyword_length + 1 : chunk.data_end]
    kind = chunk.type.decode("ascii")
    if chunk.type == b"tEXt":
        return body.decode("latin-1")
    if chunk.type == b"zTXt":
        if not body or body[0] != 0:
            raise BakingError("zTXt chunk uses an unknown compression method")
        return _inflate(body[1:], what="zTXt text").decode("latin-1")
    # iTXt: compression flag, method, language tag NUL, translated keyword NUL, text.
    if len(body) < 4:
        raise BakingError("iTXt chunk is too short to hold its header fields")
    flag, method = body[0], body[1]
    lang_end = body.find(b"\x00", 2)
    translated_end = body.find(b"\x00", lang_end + 1) if lang_end >= 0 else -1
    if translated_end < 0:
        raise BakingError("iTXt chunk is missing its language tag or translated keyword terminator")
    text = body[translated_end + 1 :]
    if flag == 1:
        if method != 0:
            raise BakingError("iTXt chunk uses an unknown compression method")
        text = _inflate(text, what=f"{kind} text")
    elif flag != 0:
        raise BakingError(f"iTXt chunk has an invalid compression flag ({flag})")
    if len(text) > MAX_TEXT_BYTES:
        raise BakingError(f"baked text is larger than the {MAX_TEXT_BYTES}-byte limit")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BakingError("baked iTXt text is not valid UTF-8") from exc


def unbake_png(*, image: bytes, keyword: str) -> str | None:
    """Return the text baked under ``keyword``, or ``None`` when the PNG carries none.

    Reads ``iTXt`` (compressed or not; decompression is capped at :data:`MAX_TEXT_BYTES`), and legacy ``tEXt``
    / ``zTXt`` chunks. Two or more chunks with the keyword are refused as ambiguous rather than guessed
    between.
    """
    raw_keyword = _check_keyword(keyword)
    data = _as_bytes(image)
    found = [
        chunk for chunk in read_chunks(data) if chunk.type in _TEXT_TYPES and _chunk_keyword(data, chunk) == raw_keyword
    ]
    if not found:
        return None
    if len(found) > 1:
        raise BakingError(
            f"PNG holds {len(found)} text chunks with keyword {keyword!r}: refusing to guess which badge is meant"
        )
    return _decode_text_chunk(data, found[0], len(raw_keyword))
