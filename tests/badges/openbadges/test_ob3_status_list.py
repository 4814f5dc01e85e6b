"""Bitstring Status List encoding: the spec example, bit order, round trips, random free indexes."""

import base64
import gzip
import random
import zlib

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


def _encoded(raw: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(gzip.compress(raw)).decode().rstrip("=")


def test_a_list_inflating_past_16_mi_entries_is_refused():
    # The decompression-bomb guard for fetched lists: 2 MiB of bits (16 Mi entries) is the most accepted.
    limit = 2 * 1024 * 1024
    assert len(sl.decode_list(_encoded(bytes(limit)))) == limit
    with pytest.raises(sl.StatusListError, match="more than the allowed size"):
        sl.decode_list(_encoded(bytes(limit + 1)))


def test_a_list_one_byte_short_of_the_minimum_is_refused():
    with pytest.raises(sl.StatusListError, match=r"at least 131072 entries \(16384 bytes\)"):
        sl.encode_list(bytes(sl.MIN_ENTRIES // 8 - 1))
    with pytest.raises(sl.StatusListError, match="has 131064 entries; at least 131072 are required"):
        sl.decode_list(_encoded(bytes(sl.MIN_ENTRIES // 8 - 1)))
    assert sl.decode_list(sl.encode_list(bytes(sl.MIN_ENTRIES // 8))) == bytes(sl.MIN_ENTRIES // 8)


def test_encoding_has_no_timestamp_and_maximum_compression():
    encoded = sl.encode_list(sl.new_bitstring())
    header = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))[:10]
    # RFC 1952 §2.3.1: MTIME 0 = no time stamp (the same bits encode alike whenever), XFL 2 = maximum compression.
    assert header[4:8] == bytes(4)
    assert header[8] == 2


def test_another_multibase_prefix_is_refused():
    valid = sl.encode_list(sl.new_bitstring())
    for bad in ("z" + valid[1:], "U" + valid[1:], valid.encode()):
        with pytest.raises(sl.StatusListError, match="starting with 'u'"):
            sl.decode_list(bad)


@pytest.mark.parametrize("index", [True, False, 1.0, "1", None, -1])
def test_an_index_that_is_not_a_plain_int_in_range_is_refused(index):
    bits = sl.new_bitstring()
    with pytest.raises(sl.StatusListError, match=r"outside 0\.\.131071\."):
        sl.get_bit(bits, index)
    with pytest.raises(sl.StatusListError):
        sl.set_bit(bits, index)
    assert bits == sl.new_bitstring()


def test_setting_and_clearing_a_bit_leave_its_neighbours_alone():
    bits = sl.new_bitstring()
    bits[1] = 0xFF
    sl.set_bit(bits, 9, False)
    assert bits[1] == 0b1011_1111 and bits[0] == bits[2] == 0
    sl.set_bit(bits, 15, False)  # the byte's least significant bit
    assert bits[1] == 0b1011_1110
    sl.set_bit(bits, 9)
    assert bits[1] == 0b1111_1110 and bits[0] == bits[2] == 0


def test_a_nearly_full_list_falls_back_to_an_exact_draw():
    # attempts=0 goes straight to the exact draw that a very full list reaches after its random tries.
    free = {3, 5, 8}
    picks = {
        # any iterable, not only a set: here a generator, which can be read only once
        sl.random_free_index(size=10, used=(i for i in range(10) if i not in free), attempts=0)
        for _ in range(200)
    }
    assert picks == free
    assert sl.random_free_index(size=10, used=set(range(10)) - {7}, attempts=0) == 7


def test_a_length_that_is_not_a_whole_number_of_bytes_is_refused():
    with pytest.raises(sl.StatusListError, match="multiple of 8"):
        sl.new_bitstring(entries=sl.MIN_ENTRIES + 1)
    assert len(sl.new_bitstring(entries=sl.MIN_ENTRIES + 8)) == sl.MIN_ENTRIES // 8 + 1


def test_only_gzip_is_accepted_with_its_full_32_kib_window():
    bare_zlib = "u" + base64.urlsafe_b64encode(zlib.compress(bytes(sl.MIN_ENTRIES // 8))).decode().rstrip("=")
    with pytest.raises(sl.StatusListError, match="not base64url-encoded GZIP"):
        sl.decode_list(bare_zlib)
    # A repeat 20 KB back: GZIP refers to it with a distance that only a 32 KiB window can follow.
    block = random.Random(3).randbytes(20_000)
    assert sl.decode_list(sl.encode_list(block * 2)) == block * 2
