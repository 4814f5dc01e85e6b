"""Script in our origin through foreign or user-supplied URLs: every href/src goes through ``safe_href``.

A foreign credential is verified on /verify and its URLs (criteria, issuer, ...) are shown; before the fix a
``javascript:`` criteria URL became a live link in our origin. Institutions' own URLs (website, criteria page,
alignment targets, evidence) are shown on public pages the same way.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template

from badges.openbadges.baking import png as png_baking
from badges.templatetags.laurel import safe_href
from badges.verification.fetching import fetch_cache
from tests.badges.verification.issued import issue
from tests.factories import IssuerFactory

pytestmark = pytest.mark.django_db

PAYLOAD = "javascript:alert(document.domain)"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\x00script:alert(1)",
    "\x01javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "jav&#x61;script:alert(1)",
    "//evil.example/x",
    "/relative/path",
    "http:alert(1)",
    "https://",
    "http:///x",
    "ftp://example.org/",
    "file:///etc/passwd",
    "http://exa mple.org/",
    "http://example.org/\u2028x",
    "",
    None,
    42,
    {"id": "https://example.org"},
]


class ForeignIssuer(BaseHTTPRequestHandler):
    """A foreign OB 2.0 issuer whose documents carry javascript: URLs."""

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        base = f"http://{self.headers['Host']}"
        docs = {
            "/assertion": {
                "@context": "https://w3id.org/openbadges/v2",
                "type": "Assertion",
                "id": f"{base}/assertion",
                "recipient": {"type": "email", "hashed": False, "identity": "ada@example.org"},
                "badge": f"{base}/badge",
                "verification": {"type": "HostedBadge"},
                "issuedOn": "2026-01-01T00:00:00Z",
                "evidence": PAYLOAD,
            },
            "/badge": {
                "@context": "https://w3id.org/openbadges/v2",
                "type": "BadgeClass",
                "id": f"{base}/badge",
                "name": "Evil badge",
                "description": "d",
                "image": PAYLOAD,
                "criteria": {"id": PAYLOAD, "narrative": "Click the criteria page."},
                "issuer": f"{base}/issuer",
            },
            "/issuer": {
                "@context": "https://w3id.org/openbadges/v2",
                "type": "Issuer",
                "id": f"{base}/issuer",
                "name": "Evil issuer",
                "url": PAYLOAD,
                "email": "evil@example.org",
            },
        }
        body = json.dumps(docs.get(self.path, {})).encode()
        self.send_response(200 if self.path in docs else 404)
        self.send_header("Content-Type", "application/ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def foreign():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ForeignIssuer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def fetch_foreign(settings):
    settings.VERIFY_ALLOW_PRIVATE_NETWORKS = True
    settings.VERIFY_THROTTLE_RATE = "100000/minute"
    fetch_cache().clear()
    yield
    fetch_cache().clear()


def _script_urls(html: str) -> list[str]:
    """Every href/src/action attribute value whose scheme is not http(s) or that is not a path of ours."""
    found = []
    for value in re.findall(r"""(?:href|src|action|formaction|xlink:href)\s*=\s*["']?([^"'\s>]*)""", html, re.I):
        value = value.replace("&#x3A;", ":").replace("&#58;", ":").strip().lower()
        if re.match(r"^[a-z][a-z0-9+.-]*:", value) and not value.startswith(("http:", "https:", "mailto:")):
            found.append(value)
    return found


def _ob3_credential_with(url: str) -> dict:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "id": "urn:uuid:6d2f0a8e-0000-4000-8000-000000000001",
        "issuer": {"id": "did:web:evil.example", "type": ["Profile"], "name": "Evil issuer", "url": url},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": "Evil badge",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://evil.example/achievement",
                "type": ["Achievement"],
                "name": "Evil badge",
                "description": "d",
                "criteria": {"id": url, "narrative": "Click the criteria page."},
                "image": {"id": url, "type": "Image"},
            },
        },
    }


# --- the filter


@pytest.mark.parametrize("value", HOSTILE_URLS)
def test_safe_href_refuses_everything_but_http_and_https(value):
    """A URL that is not an absolute http(s) URL with a host — however it is disguised — is not a link."""
    assert safe_href(value) == ""


@pytest.mark.parametrize(
    "value",
    ["https://example.org/criteria", "http://example.org", "HTTPS://Example.org/a?b=c#d", "https://例え.jp/パス"],
)
def test_safe_href_keeps_http_and_https(value):
    assert safe_href(value) == value


def test_safe_href_output_is_escaped_in_templates():
    """The filter does not mark its output safe: a quote cannot break out of the attribute."""
    html = Template('{% load laurel %}<a href="{{ u|safe_href }}">').render(Context({"u": 'https://x.org/"onx=1'}))
    assert html == '<a href="https://x.org/&quot;onx=1">'


# --- /verify, over HTTP


def test_javascript_criteria_url_of_a_foreign_hosted_badge_is_refused(client, foreign, fetch_foreign):
    """Attack: GET /verify?url=<foreign assertion> whose badge class has criteria.id = javascript:… (a link sent
    to an employer). The criteria URL must be shown as text, never as a link."""
    response = client.get("/verify", {"url": f"{foreign}/assertion"})
    body = response.content.decode()
    assert response.status_code == 200 and "Evil badge" in body
    assert _script_urls(body) == []
    assert "javascript:alert(document.domain)" in body  # shown, as text


def test_javascript_urls_of_an_uploaded_baked_image_are_refused(client, fetch_foreign):
    """Attack: upload a PNG with a baked OB 3.0 credential whose criteria, image and issuer URLs are
    javascript:/data: URLs. None becomes a link or image source."""
    art = issue().badge_class.image.read()
    for payload in (PAYLOAD, "data:text/html,<script>alert(1)</script>", " JAVASCRIPT:alert(1)"):
        baked = png_baking.bake_png(
            image=art, keyword=png_baking.KEYWORD_OB3, text=json.dumps(_ob3_credential_with(payload))
        )
        response = client.post("/verify", {"file": SimpleUploadedFile("badge.png", baked)})
        body = response.content.decode()
        assert response.status_code == 200 and "Evil badge" in body
        assert _script_urls(body) == [], payload


def test_http_criteria_url_stays_a_link(client, fetch_foreign):
    """The filter keeps real criteria pages clickable."""
    art = issue().badge_class.image.read()
    baked = png_baking.bake_png(
        image=art,
        keyword=png_baking.KEYWORD_OB3,
        text=json.dumps(_ob3_credential_with("https://evil.example/criteria")),
    )
    body = client.post("/verify", {"file": SimpleUploadedFile("badge.png", baked)}).content.decode()
    assert 'href="https://evil.example/criteria"' in body


# --- public pages: URLs an institution typed


def test_javascript_urls_typed_by_an_institution_are_refused_on_public_pages(client):
    """Attack: a staff member (or a compromised account) sets the issuer's website, the criteria URL and the
    evidence URL to javascript: URLs; the public issuer, badge class and award pages must not link them."""
    award = issue(issuer=IssuerFactory())
    issuer, badge = award.issuer, award.badge_class
    type(issuer).objects.filter(pk=issuer.pk).update(url=PAYLOAD)
    type(badge).objects.filter(pk=badge.pk).update(criteria_url=PAYLOAD)
    type(award).objects.filter(pk=award.pk).update(evidence_url=PAYLOAD, public=True)
    for path in (f"/issuers/{issuer.public_id}", f"/badges/{badge.public_id}", f"/assertions/{award.public_id}"):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
        assert _script_urls(response.content.decode()) == [], path


# --- the class: every template


_OWN_VARIABLES = {
    # Built by our own views from reversed URLs or PUBLIC_BASE_URL, never from input.
    "page_url",
    "claim_url",
    "linkedin_url",
    "request_login_code_url",
    "signup_url",
    "login_url",
    "verify_url",
    "redirect_url",
    "action_url",
    "site",
    # drf-spectacular's Swagger page (templates/api/swagger_ui.html): static files and the view's own script URL.
    "favicon_href",
    "swagger_ui_css",
    "swagger_ui_bundle",
    "swagger_ui_standalone",
    "script_url",
    "sign_in_url",  # issuers/views.py: the admin sign-in URL with ?next= the invitation
}
_URL_ATTRIBUTE = re.compile(r"""\b(href|src|action|formaction|poster|srcset)\s*=\s*(["'])(.*?)\2""", re.S)
_VARIABLE = re.compile(r"{{\s*(.*?)\s*}}")
_FILTERED_ALIAS = re.compile(r"{%\s*with\s+(\w+)=[^%]*\|safe_href\b")
_REVERSED_ALIAS = re.compile(r"{%\s*url\s[^%]*\sas\s+(\w+)\s*%}")


def test_every_template_url_from_a_variable_goes_through_safe_href():
    """The class: an href/src in any template that prints a variable either filters it with safe_href or prints
    a URL of our own (reversed, static, or built by our views). Anything else is a future XSS."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        # {% with href=x|safe_href %}, {% url 'name' as x %}; blocktranslate's "with url=x" renames one of those.
        filtered = set(_FILTERED_ALIAS.findall(text)) | set(_REVERSED_ALIAS.findall(text))
        for new, old in re.findall(r"\bwith\s+(\w+)=(\w+)\s*%}", text):
            if old in filtered:
                filtered.add(new)
        for match in _URL_ATTRIBUTE.finditer(text):
            value = match.group(3)
            first = _VARIABLE.match(value.strip())
            if not first:
                continue  # a literal, {% url %}, {% static %}, "#…", or mailto:{{ … }}: the scheme is ours
            expression = first.group(1)
            name = expression.split("|")[0].strip()
            if "safe_href" in expression or name in _OWN_VARIABLES | filtered:
                continue
            offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert offenders == []


# --- in a real browser


@pytest.mark.django_db(transaction=True)
def test_no_script_runs_when_a_visitor_clicks_a_foreign_criteria_url(new_page, site, foreign, fetch_foreign):
    """Attack, as the victim sees it: an employer opens a /verify?url=… link and clicks "Criteria page". No
    script may run in our origin (no dialog, no navigation to a javascript: URL)."""
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{site}/verify?url={foreign}/assertion")
    page.get_by_text("Evil badge").first.wait_for()
    page.get_by_text(PAYLOAD).first.click()
    page.wait_for_timeout(300)
    assert dialogs == [] and page.url.startswith(site)
    assert page.evaluate("document.querySelectorAll('a[href^=\"javascript\" i]').length") == 0


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "ftp://x"],
)
def test_markdown_links_in_criteria_and_narratives_are_http_only(link):
    """Attack: a criteria narrative or an award's narrative (typed by staff or sent through the API) holds a
    Markdown link [criteria](javascript:…). The rendered link keeps http(s) only, like safe_href."""
    html = Template("{% load laurel %}{{ text|markdown }}").render(
        Context({"text": f"[criteria]({link}) [ok](https://x.org/)"})
    )
    assert 'href="https://x.org/"' in html
    assert html.count("href=") == 1, html
