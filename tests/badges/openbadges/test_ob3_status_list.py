"""Bitstring Status List encoding: the spec example, bit order, round trips, random free indexes."""

import base64
import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from badges.openbadges.ob3 import status_list as sl

# The example encodedList of W3C Bitstring Status List v1.0 (§2.2): a 16 KiB list of zeros.
SPEC_EXAMPLE = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"


def test_spec_example_decodes_to_16384_zero_bytes():
    bits = sl.decode_list(SPEC_EXAMPLE)
    assert bits == bytearray(16_384)
    assert len(bits) * 8 == sl.MIN_ENTRIES


def test_encoding_is_u_base64url_no_pad_gzip():
    bits = sl.new_bitstring()
    sl.set_bit(bits, 0)
    encoded = sl.encode_list(bits)
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw[0] == 0b1000_0000  # index 0 is the most significant bit of byte 0
    assert sl.encode_list(bits) == encoded  # deterministic (GZIP mtime fixed)


@given(st.sets(st.integers(min_value=0, max_value=sl.MIN_ENTRIES - 1), max_size=40))
def test_round_trip(indexes):
    bits = sl.new_bitstring()
    for index in indexes:
        sl.set_bit(bits, index)
    decoded = sl.decode_list(sl.encode_list(bits))
    assert {i for i in range(sl.MIN_ENTRIES) if decoded[i // 8] and sl.get_bit(decoded, i)} == indexes


def test_clear_bit():
    bits = sl.new_bitstring()
    sl.set_bit(bits, 9)
    assert sl.get_bit(bits, 9) and bits[1] == 0b0100_0000
    sl.set_bit(bits, 9, False)
    assert not sl.get_bit(bits, 9)


@pytest.mark.parametrize("bad", ["", "H4sI", "u!!!", "u" + base64.urlsafe_b64encode(b"not gzip").decode()])
def test_malformed_lists_are_refused(bad):
    with pytest.raises(sl.StatusListError):
        sl.decode_list(bad)


def test_short_lists_are_refused():
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100))).decode().rstrip("=")
    with pytest.raises(sl.StatusListError, match="at least"):
        sl.decode_list(short)
    with pytest.raises(sl.StatusListError):
        sl.encode_list(bytes(100))


def test_out_of_range_index():
    with pytest.raises(sl.StatusListError):
        sl.get_bit(sl.new_bitstring(), sl.MIN_ENTRIES)


def test_random_free_index_avoids_used_and_spreads():
    used = set(range(0, 1000, 2))
    picks = {sl.random_free_index(size=1000, used=used) for _ in range(200)}
    assert not picks & used and len(picks) > 50
    assert sl.random_free_index(size=3, used={0, 2}) == 1
    with pytest.raises(sl.StatusListError, match="full"):
        sl.random_free_index(size=2, used={0, 1})
