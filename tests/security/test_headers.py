"""Script in our origin, the second line of defence: a Content Security Policy on every page, no inline script to
allow, and in production HTTPS only (HSTS, redirect, secure cookies) with frames and referrers locked down.

Production is a separate configuration (settings read at import), so it is tested in a subprocess with
LAUREL_ENV=production, like a deployment would start; the CSP and the development headers in-process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.badges.verification.issued import issue
from tests.learners.helpers import make_account

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STATIC_JS = ROOT / "static" / "js"


def _policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _superuser():
    return get_user_model().objects.create_superuser("root", "root@example.org", "a long admin password 1")


def _pages(client) -> dict[str, str]:
    """The main HTML pages, as (name -> path), with the client signed in where the page needs it."""
    award = issue()
    type(award).objects.filter(pk=award.pk).update(public=True)
    return {
        "home": "/",
        "verify": "/verify",
        "public badge": f"/assertions/{award.public_id}",
        "badge class": f"/badges/{award.badge_class.public_id}",
        "issuer": f"/issuers/{award.issuer.public_id}",
        "sign-in": "/accounts/login/",
        "admin sign-in": "/admin/login/",
        "API docs": "/api/v1/docs",
        "_award": award,
    }


EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "img-src": ["'self'", "data:"],
}


def test_every_html_page_carries_a_policy_that_refuses_inline_and_foreign_script(client):
    """Attack: any script injected into a page (a missed escape, a foreign URL) runs in our origin. Every HTML page,
    anonymous, learner and staff, carries a CSP allowing scripts from our own origin only, no plugins, no <base>,
    no framing, forms only to us."""
    pages = _pages(client)
    award = pages.pop("_award")
    learner = Client()
    learner.force_login(make_account("learner@example.org"))
    staff = Client()
    staff.force_login(_superuser())
    responses = {name: client.get(path, HTTP_ACCEPT="text/html") for name, path in pages.items()}
    responses["backpack"] = learner.get("/backpack/")
    responses["admin change form"] = staff.get(f"/admin/badges/badgeclass/{award.badge_class.pk}/change/")
    responses["admin index"] = staff.get("/admin/")
    for name, response in responses.items():
        assert response.status_code == 200, (name, response.status_code)
        assert response["Content-Type"].startswith("text/html"), name
        policy = _policy(response)
        for directive, sources in EXPECTED.items():
            assert policy.get(directive) == sources, (name, directive, response.get("Content-Security-Policy"))
        for directive in ("script-src", "style-src", "default-src"):
            assert "'unsafe-inline'" not in policy.get(directive, []), (name, directive)
            assert "'unsafe-eval'" not in policy.get(directive, []), (name, directive)
        assert response["X-Frame-Options"] == "DENY", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["X-Content-Type-Options"] == "nosniff", name


_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
_INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)


def test_no_template_carries_inline_script_handlers_or_styles():
    """The class: inline <script>, on*= handlers and inline styles are what a CSP without 'unsafe-inline' blocks,
    so none may exist in a page template (e-mails excepted: they are not pages and mail clients need inline
    styles)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.relative_to(TEMPLATES).parts[0] == "emails":
            continue
        text = path.read_text()
        for pattern, what in ((_INLINE_SCRIPT, "inline script"), (_HANDLER, "handler"), (_INLINE_STYLE, "style")):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {what}")
    assert offenders == []


def test_api_docs_page_needs_no_inline_script(client):
    """Attack surface: drf-spectacular's default Swagger page is one big inline script, which the policy blocks
    (the docs would be blank) or forces 'unsafe-inline' on (XSS open). The page loads its script from a URL."""
    page = client.get("/api/v1/docs")
    html = page.content.decode()
    assert page.status_code == 200
    assert not _INLINE_SCRIPT.search(html) and not _INLINE_STYLE.search(html)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    own = [src for src in scripts if "script" in src and "/static/" not in src]
    assert len(own) == 1
    script = client.get(own[0].replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# --- production configuration, in a subprocess


PRODUCTION_ENV = {
    "LAUREL_ENV": "production",
    "SECRET_KEY": "x9$Kq2!vTz7#Lm4@Wp8^Rb1&Yc6*Hn3(Jd5)Fg0-Ue2+Ai9=Os7~Qt",
    "ALLOWED_HOSTS": "badges.example.edu,testserver",
    "PUBLIC_BASE_URL": "https://badges.example.edu",
    "KEY_ENCRYPTION_KEYS": "t2mj0dcbYw9oAfcbmHVn2MTh6EmVCkD6EFxvM8d6lZI=",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",  # read by nothing in these probes; a shared cache is a deploy check
}

_PROBE = r"""
import json, django
from django.conf import settings
django.setup()
from django.test import Client
from django.test.utils import override_settings
names = ["DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
         "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS",
         "SECURE_PROXY_SSL_HEADER", "SECURE_CONTENT_TYPE_NOSNIFF"]
out = {"settings": {n: getattr(settings, n, None) for n in names}}
# Static files are hashed by collectstatic in production; this probe has not run it, and static URLs are not
# what it checks.
static = dict(settings.STORAGES, staticfiles={"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"})
with override_settings(STORAGES=static):
    client = Client()
    plain = client.get("/admin/login/")
    secure = client.get("/admin/login/", secure=True)
    forwarded = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
out["plain"] = {"status": plain.status_code, "location": plain.get("Location")}
out["forwarded"] = {"status": forwarded.status_code}
out["secure"] = {
    "status": secure.status_code,
    "headers": dict(secure.items()),
    "cookies": {name: {k: str(v) for k, v in morsel.items()} | {"value": bool(morsel.value)}
                for name, morsel in secure.cookies.items()},
}
print(json.dumps(out))
"""


def _run_production(tmp_path, code: str, **extra: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LAUREL_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **PRODUCTION_ENV,
        **extra,
    }
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _probe(tmp_path, **extra: str) -> dict:
    result = _run_production(tmp_path, _PROBE, **extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_serves_https_only_with_secure_cookies_and_locked_frames(tmp_path):
    """Attack: a visitor on a café network is served plain HTTP (session cookie stolen, pages rewritten), or the
    admin is framed for clickjacking. In production: HSTS for a year including subdomains, plain HTTP
    redirected to https, session and CSRF cookies Secure (the session cookie also HttpOnly and SameSite), frames
    denied, referrers kept to our origin."""
    found = _probe(tmp_path)
    settings = found["settings"]
    assert settings["DEBUG"] is False
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] >= 31_536_000 and settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax" and settings["CSRF_COOKIE_SECURE"]
    assert found["plain"]["status"] == 301 and found["plain"]["location"].startswith("https://testserver/")
    secure = found["secure"]
    assert secure["status"] == 200
    headers = {name.lower(): value for name, value in secure["headers"].items()}
    assert headers["strict-transport-security"].startswith("max-age=31536000; includeSubDomains")
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in headers["content-security-policy"]
    csrf = secure["cookies"]["csrftoken"]
    assert csrf["secure"] == "True" and csrf["samesite"] == "Lax"


def test_forwarded_proto_is_not_trusted_without_a_trusted_proxy(tmp_path):
    """Attack: with no proxy of ours in front, a client's own X-Forwarded-Proto: https must not make Django
    believe the connection is secure (it would skip the HTTPS redirect). With TRUSTED_PROXY_COUNT set, our
    proxy's header is believed."""
    alone = _probe(tmp_path)
    assert alone["settings"]["SECURE_PROXY_SSL_HEADER"] is None
    assert alone["forwarded"]["status"] == 301
    proxied = _probe(tmp_path, TRUSTED_PROXY_COUNT="1")
    assert proxied["settings"]["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert proxied["forwarded"]["status"] == 200


def test_production_refuses_debug(tmp_path):
    """Attack: DEBUG=true left on in production shows settings, SQL and stack traces to anyone who triggers an
    error. The configuration refuses to load."""
    result = _run_production(tmp_path, "import django; django.setup()", DEBUG="true")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DEBUG" in result.stderr


def test_session_cookie_is_httponly_and_samesite(client):
    """Attack: a script (or a cross-site form) reads or rides the session. The session cookie a sign-in sets is
    HttpOnly and SameSite=Lax, in every environment."""
    make_account("ada@example.net")
    response = client.post("/accounts/login/", {"login": "ada@example.net", "password": "a long learner password"})
    assert response.status_code == 302, response.content[:500]
    morsel = response.cookies["sessionid"]
    assert morsel["httponly"] is True and morsel["samesite"] == "Lax"


# --- in the browser


def _violations_recorder(context) -> None:
    context.add_init_script(
        """
        window.__cspViolations = [];
        document.addEventListener("securitypolicyviolation", (e) => {
          window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "")
            + ":" + e.lineNumber);
        });
        """
    )


@pytest.mark.django_db(transaction=True)
def test_main_pages_work_under_the_policy_in_chromium(site, browser):
    """The policy must not break the site: in Chromium, the main pages (home, /verify, a public badge page, the
    backpack, admin sign-in, an admin change form, the API docs) load with zero CSP violations, and the admin's
    own JavaScript and Swagger UI still run."""
    pages = _pages(None)
    award = pages.pop("_award")
    learner = make_account("learner@example.org")
    staff = _superuser()
    violations: dict[str, list[str]] = {}
    console: list[str] = []

    def visit(context, name: str, path: str):
        page = context.new_page()
        page.on("console", lambda m: console.append(f"{name}: {m.text}") if "Content Security" in m.text else None)
        page.goto(f"{site}{path}")
        page.wait_for_load_state("networkidle")
        violations[name] = page.evaluate("window.__cspViolations")
        return page

    def signed_in(user):
        client = Client()
        client.force_login(user)
        context = browser.new_context()
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
        _violations_recorder(context)
        return context

    anonymous = browser.new_context()
    _violations_recorder(anonymous)
    try:
        for name, path in pages.items():
            page = visit(anonymous, name, path)
            if name == "API docs":
                page.locator(".swagger-ui .opblock").first.wait_for(timeout=15_000)
        visit(signed_in(learner), "backpack", "/backpack/")
        admin = signed_in(staff)
        change = visit(admin, "admin change form", f"/admin/badges/badgeclass/{award.badge_class.pk}/change/")
        rows = change.locator(".dynamic-alignments, tr.form-row:not(.empty-form)").count()
        change.locator(".add-row a").first.click()  # the admin's inlines.js adds a row
        assert change.locator(".dynamic-alignments, tr.form-row:not(.empty-form)").count() == rows + 1
        violations["admin change form"] += change.evaluate("window.__cspViolations")
    finally:
        for context in browser.contexts:
            context.close()
    assert {name: found for name, found in violations.items() if found} == {}
    assert console == []
