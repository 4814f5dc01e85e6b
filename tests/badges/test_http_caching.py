"""HTTP caching of public documents and images (decision 0026): each kind carries an ETag and a Cache-Control a CDN
can honour, a matching If-None-Match is answered 304, and what shows a learner never goes into a shared cache."""

import re

import pytest
from django.urls import reverse

from badges.forms import artwork_url
from badges.issuing import award_issue
from badges.models import Award
from badges.public_urls import claim_token
from badges.services import award_revoke
from courses.services import enrolment_complete
from issuers.models import KeyAlgorithm
from issuers.selectors import signing_key_active
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
JSONLD = {"HTTP_ACCEPT": "application/ld+json"}
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
STRONG_ETAG = re.compile(r'^"[0-9A-Za-z_-]{16,}"$')


@pytest.fixture
def award():
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    assert award_issue(award_id=created.id)
    return Award.objects.get(pk=created.id)


def directives(response) -> dict[str, str | bool]:
    out: dict[str, str | bool] = {}
    for part in response.get("Cache-Control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            out[name.lower()] = value or True
    return out


def assert_revalidates(client, url: str, first, **headers) -> None:
    """The ETag is strong; the same request with If-None-Match is a 304 without a body that keeps the caching
    headers; a different tag gets the full answer."""
    etag = first["ETag"]
    assert STRONG_ETAG.match(etag), etag
    again = client.get(url, HTTP_IF_NONE_MATCH=etag, **headers)
    assert again.status_code == 304, url
    assert again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == first["Cache-Control"]
    other = client.get(url, HTTP_IF_NONE_MATCH='"something-else-entirely"', **headers)
    assert other.status_code == first.status_code and other.content == first.content


def test_lists_have_short_public_lifetimes(client, award, settings):
    issuer = award.issuer.public_id
    for url in (f"/issuers/{issuer}/revocations", f"/issuers/{issuer}/status/revocation"):
        response = client.get(url, **JSONLD)
        assert response.status_code == 200, url
        cache = directives(response)
        assert cache.get("public") is True and cache["max-age"] == str(settings.HTTP_CACHE_LIST_SECONDS), url
        assert int(cache["max-age"]) <= 300 and "immutable" not in cache
        assert_revalidates(client, url, response, **JSONLD)


def test_a_revocation_changes_the_lists_etags(client, award, django_capture_on_commit_callbacks):
    issuer = award.issuer.public_id
    urls = (f"/issuers/{issuer}/revocations", f"/issuers/{issuer}/status/revocation", f"/assertions/{award.public_id}")
    before = {url: client.get(url, **JSONLD)["ETag"] for url in urls}
    with django_capture_on_commit_callbacks(execute=True):  # the public cache is dropped when the change commits
        award_revoke(actor=None, award=award, reason="Plagiarism")
    for url in urls:
        response = client.get(url, HTTP_IF_NONE_MATCH=before[url], **JSONLD)
        assert response.status_code in (200, 410), url  # not 304: the document changed
        assert response["ETag"] != before[url]


@pytest.mark.parametrize("kind", ["issuer", "did", "key", "badge_class"])
def test_issuer_and_badge_documents_are_public_for_minutes(client, award, settings, kind):
    issuer = award.issuer
    key = signing_key_active(issuer=issuer, algorithm=KeyAlgorithm.RSA2048)
    url = {
        "issuer": f"/issuers/{issuer.public_id}",
        "did": f"/issuers/{issuer.public_id}/did.json",
        "key": f"/issuers/{issuer.public_id}/keys/{key.public_id}",
        "badge_class": f"/badges/{award.badge_class.public_id}",
    }[kind]
    response = client.get(url, **JSONLD)
    assert response.status_code == 200
    cache = directives(response)
    assert cache.get("public") is True and cache["max-age"] == str(settings.HTTP_CACHE_DOCUMENT_SECONDS)
    assert response["Vary"] == "Accept"  # not Cookie or Accept-Language: one copy for every verifier
    assert_revalidates(client, url, response, **JSONLD)


def test_hosted_assertion_is_public_briefly_and_its_410_too(
    client, award, settings, django_capture_on_commit_callbacks
):
    url = f"/assertions/{award.public_id}"
    response = client.get(url, **JSONLD)
    cache = directives(response)
    assert cache.get("public") is True and cache["max-age"] == str(settings.HTTP_CACHE_ASSERTION_SECONDS)
    assert_revalidates(client, url, response, **JSONLD)
    with django_capture_on_commit_callbacks(execute=True):
        award_revoke(actor=None, award=award, reason="Plagiarism")
    gone = client.get(url, **JSONLD)
    assert gone.status_code == 410 and directives(gone)["max-age"] == str(settings.HTTP_CACHE_ASSERTION_SECONDS)


def test_each_media_type_has_its_own_etag(client, award):
    """One URL, two representations (JSON-LD and plain JSON) with the same bytes: a strong validator must tell
    them apart, or a cache could answer one client's If-None-Match with the other's type."""
    url = f"/assertions/{award.public_id}"
    ld = client.get(url, **JSONLD)
    plain = client.get(url, HTTP_ACCEPT="application/json")
    assert ld.content == plain.content and ld["ETag"] != plain["ETag"]
    assert client.get(url, HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH=ld["ETag"]).status_code == 200


def test_badge_artwork_is_immutable_under_its_versioned_url(client, award):
    stable = reverse("badge-class-image", args=[award.badge_class.public_id])
    response = client.get(stable)
    cache = directives(response)
    assert cache.get("public") is True and int(cache["max-age"]) <= 24 * 3600 and "immutable" not in cache
    assert_revalidates(client, stable, response)
    versioned = artwork_url(award.badge_class)
    forever = client.get(versioned)
    cache = directives(forever)
    assert cache.get("public") is True and cache.get("immutable") is True and int(cache["max-age"]) >= 31536000
    assert forever.content == response.content and forever["ETag"] == response["ETag"]
    assert "Vary" not in forever  # the same bytes for everyone
    stale = client.get(f"{stable}?v=000000000000")  # an old version's URL: today's artwork, not for ever
    assert "immutable" not in directives(stale)


def test_baked_badge_is_immutable_but_never_in_a_shared_cache(client, award):
    """The bytes of a bake never change (a name of their own), so browsers and wallets may keep them for ever;
    whether a stranger may see them changes with the learner's choice (decision 0010), so no CDN may."""
    award.public = True
    award.save(update_fields=["public"])
    url = f"/assertions/{award.public_id}/badge.png"
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
    cache = directives(response)
    assert cache.get("private") is True and "public" not in cache and "s-maxage" not in cache
    assert cache.get("immutable") is True and int(cache["max-age"]) >= 31536000
    assert_revalidates(client, url, response)


def test_private_award_downloads_for_the_holder_stay_private(client, award):
    assert award.public is False
    claim = {"claim": claim_token(award)}
    for name in ("badge.png", "credential.json", "credential.jwt", "assertion.jws", "badge-hosted.png"):
        url = f"/assertions/{award.public_id}/{name}"
        response = client.get(url, claim)
        assert response.status_code == 200, name
        cache = directives(response)
        assert cache.get("private") is True and "public" not in cache, name
        assert STRONG_ETAG.match(response["ETag"]), name
        again = client.get(url, claim, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304 and again.content == b"", name
    assert client.get(f"/assertions/{award.public_id}/badge.png").status_code == 404  # a stranger


def test_pages_with_learner_data_are_not_shared(client, award):
    page = client.get(f"/assertions/{award.public_id}", **HTML)  # private badge, stranger
    assert page.status_code == 200 and "no-store" in directives(page)
    award.public = True
    award.save(update_fields=["public"])
    page = client.get(f"/assertions/{award.public_id}", **HTML)
    assert page.status_code == 200 and directives(page).get("private") is True


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("suffix", ["", "/did.json", "/revocations", "/status/revocation", "assertion"])
def test_the_fast_path_answers_with_djangos_headers_and_304(suffix):
    """A cached document answered before Django carries the same ETag and Cache-Control as Django's answer, so a CDN
    sees one policy whichever answered; a matching If-None-Match is a 304 there too."""
    from config.wsgi import application
    from tests.issuers.test_public_fast_path import call

    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    award_issue(award_id=created.id)
    path = (
        f"/assertions/{created.public_id}" if suffix == "assertion" else f"/issuers/{created.issuer.public_id}{suffix}"
    )
    status, django_headers, _body, reached = call(path)
    assert reached and status == "200 OK"
    status, fast_headers, body, reached = call(path)
    assert not reached and status == "200 OK" and body
    for name in ("ETag", "Cache-Control", "Vary"):
        assert fast_headers[name] == django_headers[name], name

    def conditional(etag: str):
        captured = {}
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "HTTP_ACCEPT": "application/ld+json",
            "HTTP_IF_NONE_MATCH": etag,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "HTTP_HOST": "testserver",
            "wsgi.url_scheme": "http",
        }
        answer = b"".join(application(environ, lambda s, h, e=None: captured.update(status=s, headers=dict(h))))
        return captured["status"], captured["headers"], answer

    status, headers, answer = conditional(fast_headers["ETag"])
    assert status == "304 Not Modified" and answer == b""
    assert headers["ETag"] == fast_headers["ETag"] and headers["Cache-Control"] == fast_headers["Cache-Control"]
    assert conditional('"stale"')[0] == "200 OK"


@pytest.mark.parametrize("header", ['"', ", ,", "W/", 'W/"x" garbage', "x" * 5000, '"a", W/"b"'])
def test_a_malformed_if_none_match_gets_the_full_answer(client, award, header):
    for url in (f"/assertions/{award.public_id}", f"/badges/{award.badge_class.public_id}/image"):
        response = client.get(url, HTTP_IF_NONE_MATCH=header, **JSONLD)
        assert response.status_code == 200 and response.content, (url, header[:20])


def test_a_weak_form_of_the_tag_also_revalidates(client, award):
    """If-None-Match compares weakly (RFC 9110 13.1.2): an intermediary that weakened the tag still gets a 304."""
    url = f"/assertions/{award.public_id}"
    etag = client.get(url, **JSONLD)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}', **JSONLD).status_code == 304
