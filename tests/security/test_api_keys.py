"""API keys: institution owners create and revoke them in the admin; a key is shown once, stored hashed, scoped to
one institution and to what it may do, can expire, and the API refuses it on another institution's objects.

User tokens (rest_framework.authtoken) are gone: the completions API accepts only institution keys (and the admin
session of a staff member). See docs/decisions/0011-institution-api-keys.md.
"""

import hashlib
import logging
import re
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from badges.models import Award
from issuers.api_keys import api_key_authenticate, api_key_create, api_key_revoke
from issuers.models import ApiKey, ApiKeyScope, AuditEvent, Role
from tests.factories import CourseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_SHAPE = re.compile(r"lk_[0-9a-f]{12}\.[A-Za-z0-9_-]{43}")
ADD = "admin:issuers_apikey_add"
LIST = "admin:issuers_apikey_changelist"


@pytest.fixture(autouse=True)
def _fresh_counts():
    """Refused keys are counted per client address (all tests share 127.0.0.1): each test starts at zero."""
    cache.clear()


@pytest.fixture
def world():
    """Two institutions, each with a course and an owner."""
    data = {}
    for name in ("a", "b"):
        course = CourseFactory()
        data[name] = {
            "issuer": course.issuer,
            "course": course,
            "owner": MembershipFactory(issuer=course.issuer, role=Role.OWNER).user,
        }
    return data


def key_for(world, name="a", scope=ApiKeyScope.COMPLETE, **extra):
    return api_key_create(actor=world[name]["owner"], issuer=world[name]["issuer"], name="Moodle", scope=scope, **extra)


def api(secret: str, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return client


def complete(client, course, **extra):
    return client.post(
        "/api/v1/completions",
        {"course": course.public_id, "email": "ann@example.org", "name": "Ann", **extra},
        format="json",
    )


def add_form(issuer, **extra):
    return {
        "issuer": issuer.pk,
        "name": "Moodle sync",
        "scope": ApiKeyScope.COMPLETE,
        "expires_at_0": "",
        "expires_at_1": "",
        **extra,
    }


# -- the admin ---------------------------------------------------------------------------------------------------


def test_owner_creates_a_key_and_sees_the_secret_once_and_only_its_digest_is_stored(client, world, caplog):
    """Attack: the secret is kept somewhere after it was shown (database, audit trail, messages, logs, a cached
    page) where a later reader of the admin, the logs or a proxy cache can take it."""
    caplog.set_level(logging.DEBUG)
    client.force_login(world["a"]["owner"])
    response = client.post(reverse(ADD), add_form(world["a"]["issuer"]))
    assert response.status_code == 200, response.content[:2000]
    page = response.content.decode()
    secret = SECRET_SHAPE.search(page).group(0)
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    assert key.issuer == world["a"]["issuer"] and key.created_by == world["a"]["owner"]
    assert key.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret.startswith(key.prefix + ".")
    assert secret not in str(list(ApiKey.objects.values()))
    audit = AuditEvent.objects.get(action="api_key.create")
    assert audit.issuer == world["a"]["issuer"] and secret not in str(audit.details)
    assert secret not in caplog.text
    # Nor can the digest be probed through the list's lookups (?secret_hash__startswith=…).
    probe = client.get(reverse(LIST), {"secret_hash__startswith": key.secret_hash[:1]})
    assert probe.status_code == 400 or key.prefix not in probe.content.decode()
    # Never again: not on the list, the key's page, nor the next page (no message carrying it).
    for url in (reverse(LIST), reverse("admin:issuers_apikey_change", args=[key.pk]), reverse("admin:index")):
        again = client.get(url)
        assert again.status_code == 200 and secret not in again.content.decode()
        assert key.secret_hash not in again.content.decode()
    assert complete(api(secret), world["a"]["course"]).status_code == 201


def test_viewers_awarders_editors_learners_and_anonymous_cannot_see_or_create_keys(client, world):
    """Attack: a member below owner, a learner or an anonymous visitor lists the institution's keys or makes one
    (an awarder's key would outlive their membership)."""
    key_for(world)
    for role in (Role.VIEWER, Role.AWARDER, Role.EDITOR):
        member = MembershipFactory(issuer=world["a"]["issuer"], role=role).user
        client.force_login(member)
        assert client.get(reverse(LIST)).status_code == 403, role
        assert client.get(reverse(ADD)).status_code == 403, role
        assert client.post(reverse(ADD), add_form(world["a"]["issuer"])).status_code == 403, role
        assert "apikey" not in client.get(reverse("admin:index")).content.decode(), role
    client.logout()
    for who in ("anonymous", "learner"):
        if who == "learner":
            client.force_login(UserFactory(is_staff=False))
        assert client.get(reverse(LIST)).status_code == 302, who  # to the sign-in page
        assert client.post(reverse(ADD), add_form(world["a"]["issuer"])).status_code == 302, who
    assert ApiKey.objects.count() == 1


def test_owner_of_a_cannot_see_make_or_revoke_keys_of_b(client, world):
    """Attack: institution A's owner lists, opens, revokes, or creates a key for institution B."""
    theirs = key_for(world, "b").key
    client.force_login(world["a"]["owner"])
    listing = client.get(reverse(LIST))
    assert listing.status_code == 200 and theirs.prefix not in listing.content.decode()
    assert client.get(reverse("admin:issuers_apikey_change", args=[theirs.pk])).status_code == 404
    revoke = client.post(reverse(LIST), {"action": "revoke_keys", ACTION_CHECKBOX_NAME: [theirs.pk]})
    assert revoke.status_code == 403
    response = client.post(reverse(ADD), add_form(world["b"]["issuer"]))
    assert response.status_code == 200 and "issuer" in response.context["adminform"].form.errors
    theirs.refresh_from_db()
    assert theirs.revoked_at is None and ApiKey.objects.count() == 1


def test_owner_revokes_a_key_and_it_stops_working_at_once(client, world):
    """Attack: a leaked key keeps working after its owner revoked it."""
    created = key_for(world)
    client.force_login(world["a"]["owner"])
    response = client.post(reverse(LIST), {"action": "revoke_keys", ACTION_CHECKBOX_NAME: [created.key.pk]})
    assert response.status_code == 302
    created.key.refresh_from_db()
    assert created.key.revoked_at is not None and AuditEvent.objects.filter(action="api_key.revoke").count() == 1
    refused = complete(api(created.secret), world["a"]["course"])
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "Moodle\r\nBcc: x@evil.example"),
        ("scope", "admin"),
        ("expires_at_0", "2001-01-01"),
    ],
)
def test_hostile_add_form_values_get_a_form_error(client, world, field, value):
    """Attack: a name with CR/LF, an unknown scope or an expiry in the past makes a key (or a 500)."""
    client.force_login(world["a"]["owner"])
    extra = {field: value}
    if field == "expires_at_0":
        extra["expires_at_1"] = "10:00"
    response = client.post(reverse(ADD), add_form(world["a"]["issuer"], **extra))
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert ApiKey.objects.count() == 0


# -- the API -----------------------------------------------------------------------------------------------------


def test_key_of_a_on_a_course_of_b_is_the_same_404_as_an_unknown_course(world):
    """Attack: institution A's key records completions on B's course, or learns that B's course id exists."""
    client = api(key_for(world).secret)
    foreign = complete(client, world["b"]["course"])
    unknown = client.post(
        "/api/v1/completions", {"course": "nosuchcourse", "email": "a@b.org", "name": "A"}, format="json"
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    assert Award.objects.count() == 0
    assert complete(client, world["a"]["course"]).status_code == 201


def test_read_scope_cannot_record_completions(world):
    """Attack: a key meant for reading (a dashboard) issues badges."""
    response = complete(api(key_for(world, scope=ApiKeyScope.READ).secret), world["a"]["course"])
    assert response.status_code == 403 and "read" in response.json()["detail"]
    assert Award.objects.count() == 0


def test_expired_revoked_unknown_and_malformed_keys_are_401(world):
    """Attack: an expired, revoked, forged or garbled key is accepted (or crashes the server)."""
    course = world["a"]["course"]
    expired = key_for(world, expires_at=timezone.now() + timedelta(seconds=1))
    ApiKey.objects.filter(pk=expired.key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = key_for(world)
    api_key_revoke(actor=world["a"]["owner"], key=revoked.key)
    good = key_for(world)
    forged = good.secret[:-4] + ("AAAA" if not good.secret.endswith("AAAA") else "BBBB")
    cases = {
        "expired": expired.secret,
        "revoked": revoked.secret,
        "forged": forged,
        "unknown prefix": "lk_000000000000." + "A" * 43,
        "garbage": "x" * 5000,
        "empty-ish": "Bearer",
    }
    for label, secret in cases.items():
        response = complete(api(secret), course)
        assert response.status_code == 401, (label, response.status_code)
        assert "WWW-Authenticate" in response
    assert "expired" in complete(api(expired.secret), course).json()["detail"]
    for header in ("Bearer", "Bearer a b", "Bearer \u00e9t\u00e9", "Token", "Basic dXNlcjpwYXNz"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        assert complete(client, course).status_code in (401, 403), header
    assert Award.objects.count() == 0


def test_guessing_keys_is_rate_limited_per_client_address(world, settings):
    """Attack: an attacker tries key after key from one address; past the limit even a right guess gets no answer
    (429), while a client at another address is not affected."""
    settings.API_KEY_FAILURES_PER_MINUTE = 3
    good = key_for(world)
    course = world["a"]["course"]
    for attempt in range(3):
        assert complete(api(f"lk_00000000000{attempt}." + "A" * 43), course).status_code == 401
    assert complete(api(good.secret), course).status_code == 429
    elsewhere = api(good.secret)
    elsewhere.defaults["REMOTE_ADDR"] = "203.0.113.9"
    assert complete(elsewhere, course).status_code == 201


def test_token_keyword_and_last_used_are_supported(world):
    """The `Token <key>` form old clients send works with an institution key; use is recorded cheaply."""
    created = key_for(world)
    assert created.key.last_used_at is None
    assert complete(api(created.secret, "Token"), world["a"]["course"]).status_code == 201
    created.key.refresh_from_db()
    first_use = created.key.last_used_at
    assert first_use is not None
    assert api_key_authenticate(secret=created.secret).pk == created.key.pk
    created.key.refresh_from_db()
    assert created.key.last_used_at == first_use  # not rewritten on every request


def test_user_tokens_no_longer_authenticate(world):
    """Attack: a personal user token (rest_framework.authtoken, made by a superuser) acts for every institution of
    its user forever; it must not be accepted at all any more."""
    from django.conf import settings

    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    response = complete(api("0123456789abcdef0123456789abcdef01234567", "Token"), world["a"]["course"])
    assert response.status_code == 401


def test_schema_describes_the_key_and_builds_without_warnings(client):
    """The OpenAPI schema says how to authenticate, and still builds with no warnings."""
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", "/dev/null")
    schema = client.get("/api/v1/schema", {"format": "json"}).json()
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values())
    assert "tokenAuth" not in schemes


# -- in a browser ------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_owner_creates_a_key_in_the_admin_sees_it_once_and_it_works(site, new_page):
    """In Chromium: an owner adds a key through the admin form, sees the secret once (on a page no cache may keep),
    never again on the list, and the key alone — no session — records a completion on the API."""
    from django.conf import settings
    from django.test import Client

    from tests.learners.helpers import make_account

    course = CourseFactory()
    owner = make_account("owner@institute.example")  # a verified address, as the admin requires of staff
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    MembershipFactory(issuer=course.issuer, user=owner, role=Role.OWNER)
    session = Client()
    session.force_login(owner)

    page = new_page()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": site,
            }
        ]
    )
    page.goto(f"{site}/admin/issuers/apikey/add/")
    page.locator("#id_issuer").select_option(label=course.issuer.name)
    page.locator("#id_name").fill("Moodle sync")
    page.locator("#id_scope").select_option("complete")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("input[name=_save]").click()
    assert "no-store" in answer.value.headers["cache-control"]
    secret = page.locator("#api-key-secret").input_value()
    assert SECRET_SHAPE.fullmatch(secret)
    assert page.get_by_text("it is shown only this once").is_visible()

    page.get_by_role("link", name="Done").click()
    page.wait_for_url("**/admin/issuers/apikey/")
    assert page.get_by_role("link", name="Moodle sync").is_visible() and secret not in page.content()
    page.reload()
    assert secret not in page.content()

    caller = new_page()  # no cookies: the key is the only credential
    response = caller.request.post(
        f"{site}/api/v1/completions",
        data={"course": course.public_id, "email": "ann@example.org", "name": "Ann"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status == 201, response.text()
    assert ApiKey.objects.get().last_used_at is not None
