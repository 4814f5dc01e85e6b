"""Bitstring Status List bitstrings: encode/decode ``encodedList``, read/set bits, pick random free indexes.

W3C Bitstring Status List v1.0, https://www.w3.org/TR/vc-bitstring-status-list/ — §3.2 (bitstring generation:
``"u"`` + base64url-no-pad(GZIP(bitstring)), at least 131,072 entries, index 0 is the most significant bit of
the first byte), §3.3 (validate: decompress, read bit), §6.1 (choose indexes at random for herd privacy).

The status list *credential* that carries an encoded list is composed in :mod:`.compose`.
"""

from __future__ import annotations

import base64
import gzip
import secrets
import zlib
from collections.abc import Iterable

__all__ = [
    "MIN_ENTRIES",
    "StatusListError",
    "decode_list",
    "encode_list",
    "get_bit",
    "new_bitstring",
    "random_free_index",
    "set_bit",
]

#: Minimum list length (bits) required by the spec, for group privacy (§3.2 / §6.1): 16 KiB.
MIN_ENTRIES = 131_072
#: Refuse to inflate more than this (a decompression-bomb guard for fetched lists): 16 Mi entries.
_MAX_DECODED_BYTES = 2 * 1024 * 1024


class StatusListError(ValueError):
    """An ``encodedList`` is malformed, too short, or an index is out of range."""


def new_bitstring(*, entries: int = MIN_ENTRIES) -> bytearray:
    """A fresh all-zero bitstring with ``entries`` bits (a multiple of 8, at least 131,072)."""
    if entries < MIN_ENTRIES or entries % 8:
        raise StatusListError(f"A status list needs a multiple of 8 entries, at least {MIN_ENTRIES}.")
    return bytearray(entries // 8)


def encode_list(bitstring: bytes | bytearray) -> str:
    """``encodedList`` for ``bitstring``: ``"u"`` + base64url without padding of its GZIP compression.

    The GZIP header's mtime is fixed at 0 so the same bits always encode to the same string.
    """
    if len(bitstring) * 8 < MIN_ENTRIES:
        raise StatusListError(f"A status list needs at least {MIN_ENTRIES} entries ({MIN_ENTRIES // 8} bytes).")
    compressed = gzip.compress(bytes(bitstring), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded_list: str, *, minimum_entries: int = MIN_ENTRIES) -> bytearray:
    """The bitstring of an ``encodedList`` (multibase ``u`` prefix required; padding tolerated)."""
    if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
        raise StatusListError("encodedList must be a multibase base64url string starting with 'u'.")
    body = encoded_list[1:].rstrip("=")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        bits = inflater.decompress(compressed, _MAX_DECODED_BYTES)
    except (ValueError, zlib.error) as exc:
        raise StatusListError(f"encodedList is not base64url-encoded GZIP data: {exc}.") from exc
    if inflater.unconsumed_tail:
        raise StatusListError("encodedList inflates to more than the allowed size.")
    if len(bits) * 8 < minimum_entries:
        raise StatusListError(f"Status list has {len(bits) * 8} entries; at least {minimum_entries} are required.")
    return bytearray(bits)


def _locate(bitstring: bytes | bytearray, index: int) -> tuple[int, int]:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(bitstring) * 8:
        raise StatusListError(f"Status list index {index!r} is outside 0..{len(bitstring) * 8 - 1}.")
    return index // 8, 7 - index % 8  # index 0 = most significant bit of byte 0


def get_bit(bitstring: bytes | bytearray, index: int) -> bool:
    """Whether bit ``index`` is set (e.g. the credential at that index is revoked)."""
    byte, shift = _locate(bitstring, index)
    return bool(bitstring[byte] >> shift & 1)


def set_bit(bitstring: bytearray, index: int, value: bool = True) -> None:
    """Set (or with ``value=False`` clear) bit ``index`` in place."""
    byte, shift = _locate(bitstring, index)
    if value:
        bitstring[byte] |= 1 << shift
    else:
        bitstring[byte] &= ~(1 << shift) & 0xFF


def random_free_index(*, size: int, used: Iterable[int] | set[int], attempts: int = 64) -> int:
    """A uniformly random index in ``0..size-1`` that is not in ``used`` (spec §6.1: assign indexes at
    random).

    ``used`` is the set of indexes already handed out for this list (the caller stores assignments, typically
    with a unique constraint, and retries on a race). Raises StatusListError when the list is nearly full.
    """
    taken = used if isinstance(used, (set, frozenset)) else set(used)
    if len(taken) >= size:
        raise StatusListError("The status list is full; start a new list.")
    for _ in range(attempts):
        candidate = secrets.randbelow(size)
        if candidate not in taken:
            return candidate
    free = [i for i in range(size) if i not in taken]  # very full list: fall back to an exact draw
    return free[secrets.randbelow(len(free))]
