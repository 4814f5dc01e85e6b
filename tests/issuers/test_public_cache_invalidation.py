"""A revocation shows at once on the issuer's public lists, even when they were cached a moment before.

Verifiers read the Bitstring Status List (OB 3.0) and the revocation list (OB 2.0) by URL, and those answers are
cached (issuers/public_cache.py), both by Django and by the WSGI fast path that answers before Django. A cached list
that outlives a revocation would tell every verifier that a revoked badge still holds (issue 19: removing the
status list's cache invalidation survived the whole suite). Each test reads a list through the real WSGI
application so that it is cached, revokes, and reads it again the way a verifier would.
"""

import json

import pytest

from badges.issuing import awards_issue
from badges.models import Award
from badges.openbadges.ob3.status_list import decode_list, get_bit
from badges.services import award_revoke, awards_revoke
from courses.services import Completion, enrolments_complete
from tests.factories import CourseFactory, EnrolmentFactory
from tests.issuers.test_public_fast_path import call

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def awards(monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)
    course = CourseFactory()
    created = enrolments_complete(
        actor=None, completions=[Completion(EnrolmentFactory(course=course)) for _ in range(3)]
    )
    assert awards_issue(award_ids=[a.pk for a in created]) == 3
    return [Award.objects.get(pk=a.pk) for a in created]


def status_bit(award: Award) -> tuple[bool, bool]:
    """The award's bit on the public status list, and whether Django had to be entered to answer."""
    status, _headers, body, reached_django = call(f"/issuers/{award.issuer.public_id}/status/revocation")
    assert status == "200 OK"
    encoded = json.loads(body)["credentialSubject"]["encodedList"]
    return get_bit(decode_list(encoded), award.status_list_index), reached_django


def revoked_ids(award: Award) -> set[str]:
    status, _headers, body, _reached = call(f"/issuers/{award.issuer.public_id}/revocations")
    assert status == "200 OK"
    return {entry["id"] for entry in json.loads(body).get("revokedAssertions", [])}


def test_a_revocation_shows_at_once_on_the_cached_status_list(awards):
    award, other = awards[0], awards[1]
    assert status_bit(award) == (False, True)  # the first read fills the cache ...
    assert status_bit(award) == (False, False)  # ... and the next is answered from it, without Django
    award_revoke(actor=None, award=award, reason="Issued in error")
    assert status_bit(award)[0] is True
    assert status_bit(other)[0] is False  # only the revoked award's bit
    assert status_bit(award) == (True, False)  # the new list is what is cached now


def test_a_bulk_revocation_shows_at_once_on_the_cached_status_list(awards):
    for award in awards:
        assert status_bit(award)[0] is False
    awards_revoke(actor=None, award_ids=[a.pk for a in awards[:2]], reason="Exam voided")
    assert [status_bit(a)[0] for a in awards] == [True, True, False]


def test_a_revocation_shows_at_once_on_the_cached_ob2_revocation_list(awards):
    award = awards[0]
    assert not any(award.public_id in entry for entry in revoked_ids(award))
    award_revoke(actor=None, award=award, reason="Issued in error")
    assert any(award.public_id in entry for entry in revoked_ids(award))
