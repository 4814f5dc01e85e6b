"""Privacy as promised: what the backpack tells a learner about a private badge is exactly what a stranger sees.

Private (docs/decisions/0010-what-private-means.md): every public URL of the award answers only what a holder of
its link or file may already know — that this badge was issued here, which badge, by whom, when, and whether it
is still valid or revoked — never the learner's name, address, evidence or narrative. Public: the page shows them.
Each test is an attack by an anonymous client on one of the award's URLs, enumerated from the URL configuration.
"""

import json

import pytest
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from badges.downloads import DOWNLOADS
from badges.issuing import award_issue
from badges.models import Award
from badges.public_urls import assertion_url
from badges.services import award_revoke
from courses.services import enrolment_complete, enrolment_enrol
from tests.factories import CourseFactory
from tests.learners.helpers import LEARNER_PASSWORD, make_account

pytestmark = pytest.mark.django_db

NAME = "Ada Privatewoman"
EMAIL = "ada.private@example.net"
EVIDENCE_URL = "https://evidence.example/ada-portfolio-7f3"
NARRATIVE = "Ada wired the loom controller herself"
PERSONAL = (NAME, EMAIL, EVIDENCE_URL, NARRATIVE)
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}

# Every route that names one award, by its pattern: a new one fails test_every_award_url_is_covered until it is
# added here and to stranger_answers().
AWARD_ROUTES = {
    "assertions/<str:public_id>",
    "assertions/<str:public_id>/<str:filename>",
    "api/v1/awards/<str:public_id>/verify",
    "api/v1/awards/<str:public_id>/renew",  # POST only, for the badge's institution: a stranger gets 401
}


def _routes(resolver=None, prefix: str = "") -> set[str]:
    found = set()
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found |= _routes(entry, route)
        elif isinstance(entry, URLPattern):
            found.add(route)
    return found


@pytest.fixture
def award():
    make_account(EMAIL)
    enrolment = enrolment_enrol(actor=None, course=CourseFactory(), email=EMAIL, name=NAME)
    created = enrolment_complete(
        actor=None,
        enrolment=enrolment,
        evidence_url=EVIDENCE_URL,
        evidence_narrative=NARRATIVE,
    )
    assert award_issue(award_id=created.id)
    issued = Award.objects.get(pk=created.id)
    assert not issued.public and issued.evidence_url == EVIDENCE_URL
    return issued


def stranger_answers(client: Client, award) -> dict[str, tuple[int, str]]:
    """Every URL of the award, as an anonymous client gets it: (status, body)."""
    url = f"/assertions/{award.public_id}"
    answers = {}

    def get(label, path, data=None, **headers):
        response = client.get(path, data, **headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        answers[label] = (response.status_code, body.decode("utf-8", "replace"))

    get("page (HTML)", url, **HTML)
    get("assertion (JSON-LD)", url, HTTP_ACCEPT="application/ld+json")
    get("assertion (JSON)", url, HTTP_ACCEPT="application/json")
    get("assertion (no Accept)", url)
    for filename in DOWNLOADS:
        get(f"download {filename}", f"{url}/{filename}")
        get(f"download {filename} (forged claim)", f"{url}/{filename}", {"claim": "forged"})
    get("API verify by id", f"/api/v1/awards/{award.public_id}/verify")
    get("verify page by URL", "/verify", {"url": assertion_url(award)}, **HTML)
    response = client.post("/api/v1/verify", {"url": assertion_url(award)}, content_type="application/json")
    answers["API verify by URL"] = (response.status_code, response.content.decode())
    response = client.post(f"/api/v1/awards/{award.public_id}/renew", {}, content_type="application/json")
    answers["API renew"] = (response.status_code, response.content.decode())
    return answers


def _leaks(answers: dict[str, tuple[int, str]]) -> list[str]:
    return [f"{label}: {secret!r}" for label, (_s, body) in answers.items() for secret in PERSONAL if secret in body]


def test_every_award_url_is_covered():
    """Attack: a new public URL of an award is added without a privacy test, and leaks what the others hide."""
    award_routes = {r for r in _routes() if "public_id" in r and ("assertions/" in r or "awards/" in r)}
    assert award_routes == AWARD_ROUTES


def test_stranger_learns_nothing_personal_from_any_url_of_a_private_badge(award):
    """Attack: a stranger with the badge's link reads the learner's name, address, evidence or narrative from any
    of its URLs (today the hosted assertion publishes the evidence URL and narrative)."""
    answers = stranger_answers(Client(), award)
    assert _leaks(answers) == []
    assert all(status < 500 for status, _body in answers.values()), answers


def test_a_private_badge_still_verifies_as_what_it_is(award):
    """Attack on trust: making a badge private must not make an already-shared link look fake or unknown.
    Every URL tells a stranger the same thing: this badge was issued here and is valid."""
    answers = stranger_answers(Client(), award)
    status, page = answers["page (HTML)"]
    assert status == 200 and award.badge_class.name in page and award.issuer.name in page
    assert "private" in page.lower() and 'name="robots" content="noindex"' in page
    assert "og:title" not in page  # no link preview of a private badge
    for label in ("assertion (JSON-LD)", "assertion (JSON)", "assertion (no Accept)"):
        status, body = answers[label]
        document = json.loads(body)
        assert status == 200 and document["type"] == "Assertion" and document["id"] == assertion_url(award)
        assert "evidence" not in document and "narrative" not in document
        assert document["recipient"]["hashed"] is True
    for label in ("API verify by id", "API verify by URL"):
        status, body = answers[label]
        assert status == 200 and json.loads(body)["verdict"] == "valid", (label, body)
    for filename in DOWNLOADS:  # the files carry the evidence: only the holder downloads them
        assert answers[f"download {filename}"][0] == 404


def test_the_holder_makes_it_public_and_private_again_and_strangers_follow(award, django_capture_on_commit_callbacks):
    """Attack: a cached hosted assertion keeps publishing the evidence after the learner made the badge private
    again (or keeps hiding it after she made it public)."""
    stranger = Client()
    url = f"/assertions/{award.public_id}"
    stranger.get(url, HTTP_ACCEPT="application/ld+json")  # cached while private
    holder = Client()
    assert holder.login(username=EMAIL, password=LEARNER_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        assert holder.post(f"/backpack/{award.public_id}/visibility", {"public": "1"}).status_code == 302

    page = stranger.get(url, **HTML).content.decode()
    assert NAME in page and NARRATIVE in page and EVIDENCE_URL in page
    document = stranger.get(url, HTTP_ACCEPT="application/ld+json").json()
    assert document["evidence"] == [EVIDENCE_URL] and document["narrative"] == NARRATIVE
    assert stranger.get(f"{url}/credential.json").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        assert holder.post(f"/backpack/{award.public_id}/visibility", {"public": "0"}).status_code == 302
    assert _leaks(stranger_answers(stranger, award)) == []


def test_a_revoked_private_badge_says_revoked_and_nothing_personal(award):
    """Attack: revocation's 410 answers leak the learner's data of a badge she kept private."""
    award_revoke(actor=None, award=award, reason="Issued in error")
    answers = stranger_answers(Client(), award)
    assert _leaks(answers) == []
    assert answers["page (HTML)"][0] == 410 and "Issued in error" in answers["page (HTML)"][1]
    assert answers["assertion (JSON-LD)"][0] == 410
    assert json.loads(answers["API verify by id"][1])["verdict"] == "invalid"


def test_the_backpack_says_what_a_stranger_sees(award):
    """Attack on the promise: the backpack says "only you can see it" while strangers can verify the badge."""
    holder = Client()
    assert holder.login(username=EMAIL, password=LEARNER_PASSWORD)
    page = holder.get("/backpack/").content.decode()
    assert "only you can see it" not in page
    assert "Private: your name and evidence are shown only to you." in page
    assert "can still check that it is genuine" in page
    response = holder.post(f"/backpack/{award.public_id}/visibility", {"public": "0"}, follow=True)
    assert "only you can see it" not in response.content.decode()
    own_page = holder.get(f"/assertions/{award.public_id}", **HTML).content.decode()
    assert "only you can see this page" not in own_page
