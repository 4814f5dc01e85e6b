"""SVG baking, OB 2.0 and 3.0: first child, exact round trips, artwork unchanged, replaced not duplicated."""

import json
import re

import pytest
from defusedxml import ElementTree as ET

from badges.openbadges.baking.svg import (
    BakingError,
    bake_svg,
    bake_svg_ob2_hosted,
    bake_svg_ob2_signed,
    bake_svg_ob3_json,
    bake_svg_ob3_jwt,
    unbake_svg,
)

ARTWORK = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<!-- made by hand -->\n"
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"\n'
    b'     width="120" height="120" viewBox="0 0 120 120">\n'
    b'  <defs><linearGradient id="g"><stop offset="0" stop-color="#fc0"/></linearGradient></defs>\n'
    b'  <circle cx="60" cy="60" r="50" fill="url(#g)"/>\n'
    b"  <text x='60' y='65' text-anchor=\"middle\">Caf\xc3\xa9 &amp; co</text>\n"
    b"</svg>\n"
)
ASSERTION = {"id": "https://e.org/a/1", "narrative": "has ]]> inside, and <tags> & \u00fcnicode"}
ASSERTION_JSON = json.dumps(ASSERTION, ensure_ascii=False)
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6InVybjp1dWlkOjEifQ.c2lnbmF0dXJl"
SVG = "{http://www.w3.org/2000/svg}"


def _children(svg: bytes) -> list:
    return list(ET.fromstring(svg))


def _strip_badge(svg: bytes) -> bytes:
    """The baked file minus what baking adds: the element and the namespace declaration."""
    svg = re.sub(rb"<openbadges:(assertion|credential)\b.*?(/>|</openbadges:\1>)", b"", svg, flags=re.S)
    return re.sub(rb' xmlns:openbadges="[^"]*"', b"", svg)


def test_ob2_hosted_round_trip_and_layout():
    baked = bake_svg_ob2_hosted(image=ARTWORK, assertion_url="https://e.org/a/1", assertion_json=ASSERTION_JSON)
    assert unbake_svg(image=baked, version="ob2") == ASSERTION_JSON
    first = _children(baked)[0]
    assert first.tag == "{http://openbadges.org}assertion"
    assert first.get("verify") == "https://e.org/a/1"
    assert b'xmlns:openbadges="http://openbadges.org"' in baked
    assert b"]]]]><![CDATA[>" in baked  # the "]]>" inside the JSON was split, not left to end the CDATA
    assert _strip_badge(baked) == ARTWORK


def test_ob2_signed_is_self_closing():
    baked = bake_svg_ob2_signed(image=ARTWORK, jws=JWS)
    assert f'<openbadges:assertion verify="{JWS}"/>'.encode() in baked
    assert unbake_svg(image=baked, version="ob2") == JWS
    assert _strip_badge(baked) == ARTWORK


def test_ob3_jwt_and_json():
    jwt_baked = bake_svg_ob3_jwt(image=ARTWORK, jwt=JWS)
    assert f'<openbadges:credential verify="{JWS}"></openbadges:credential>'.encode() in jwt_baked
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in jwt_baked
    assert unbake_svg(image=jwt_baked, version="ob3") == JWS
    assert unbake_svg(image=jwt_baked, version="ob2") is None

    json_baked = bake_svg_ob3_json(image=ARTWORK, credential_json=ASSERTION_JSON)
    element = _children(json_baked)[0]
    assert element.tag == "{https://purl.imsglobal.org/ob/v3p0}credential" and element.get("verify") is None
    assert unbake_svg(image=json_baked, version="ob3") == ASSERTION_JSON
    assert _strip_badge(json_baked) == ARTWORK


def test_rebaking_replaces_instead_of_duplicating():
    once = bake_svg_ob2_hosted(image=ARTWORK, assertion_url="https://e.org/a/1", assertion_json="{}")
    twice = bake_svg_ob2_signed(image=once, jws=JWS)
    thrice = bake_svg_ob2_signed(image=twice, jws=JWS)
    assert twice == thrice
    assert twice.count(b"<openbadges:assertion") == 1 and twice.count(b"xmlns:openbadges") == 1
    assert unbake_svg(image=twice, version="ob2") == JWS
    assert _children(twice)[0].tag == "{http://openbadges.org}assertion"


def test_existing_element_with_another_prefix_is_replaced():
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="http://openbadges.org">'
        b'<rect/><ob:assertion verify="old"/></svg>'
    )
    baked = bake_svg_ob2_signed(image=svg, jws=JWS)
    assert b"old" not in baked and unbake_svg(image=baked, version="ob2") == JWS


def test_self_closing_root_and_no_namespace_root():
    baked = bake_svg_ob3_json(image=b'<svg xmlns="http://www.w3.org/2000/svg" width="1"/>', credential_json="{}")
    assert unbake_svg(image=baked, version="ob3") == "{}"
    assert baked.endswith(b"</svg>")
    assert unbake_svg(image=bake_svg_ob2_signed(image=b"<svg></svg>", jws=JWS), version="ob2") == JWS


def test_attribute_escaping_round_trips():
    verify = 'https://e.org/a?x=1&y="2"<>\ttab\nline'
    baked = bake_svg_ob2_signed(image=ARTWORK, jws=verify)
    assert unbake_svg(image=baked, version="ob2") == verify


@pytest.mark.parametrize("text", ["]]>", "a]]>b]]>c", "]]]]>", "]", "]]", "x]]"])
def test_cdata_terminator_variants(text):
    baked = bake_svg_ob3_json(image=ARTWORK, credential_json=text)
    assert unbake_svg(image=baked, version="ob3") == text


def test_unusable_inputs():
    with pytest.raises(BakingError, match="carry"):
        bake_svg_ob3_json(image=ARTWORK, credential_json="bad \x01 control")
    with pytest.raises(BakingError, match="carry"):
        bake_svg_ob3_json(image=ARTWORK, credential_json="cr\r\nlf")
    with pytest.raises(BakingError, match="either"):
        bake_svg(image=ARTWORK, version="ob3", verify="a", body="b")
    with pytest.raises(BakingError, match="verify"):
        bake_svg(image=ARTWORK, version="ob2", body="b")
    with pytest.raises(BakingError, match="version"):
        unbake_svg(image=ARTWORK, version="ob9")  # type: ignore[arg-type]
    with pytest.raises(BakingError, match="binds the prefix"):
        bake_svg_ob3_jwt(image=bake_svg_ob2_signed(image=ARTWORK, jws=JWS), jwt=JWS)


def test_nothing_baked_is_none():
    assert unbake_svg(image=ARTWORK, version="ob2") is None
    nested = (
        b'<svg xmlns="http://www.w3.org/2000/svg">'
        b'<g><a:assertion xmlns:a="http://openbadges.org" verify="x"/></g></svg>'
    )
    assert unbake_svg(image=nested, version="ob2") is None  # only a direct child of the root counts
