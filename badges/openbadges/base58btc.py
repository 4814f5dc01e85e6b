"""base58btc (the Bitcoin alphabet), as multibase ``z`` values use it: proof values and Ed25519 multikeys.

The codec is the ``based58`` package (Rust's ``bs58`` crate): every OB 3.0 signature is encoded once and every
verification decodes one. The pure-Python ``base58`` package spent about 20 µs decoding each 64-byte signature,
close to a tenth of a fast verification, where this takes about 3 µs (``bench/ob3_bench.py`` prints both). The
pure-Python package stays in the tests as the reference the codec is compared with. Decision 0005, second addendum.
"""

from __future__ import annotations

import based58

__all__ = ["b58decode", "b58encode"]


def b58encode(data: bytes) -> str:
    """base58btc of ``data``, as text."""
    return based58.b58encode(bytes(data)).decode("ascii")


def b58decode(text: str) -> bytes:
    """The bytes of base58btc ``text``, or ValueError.

    The ``base58`` package's rules, which the tests hold it to: trailing whitespace is ignored, anything else
    outside the alphabet is refused (a non-ASCII character with UnicodeEncodeError, as there), and each leading
    ``1`` is a zero byte."""
    return based58.b58decode(text.rstrip().encode("ascii"))
