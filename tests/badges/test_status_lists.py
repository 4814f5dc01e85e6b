"""Each issuer's Bitstring Status List as a verifier meets it at its public URL: not there before anything was
issued (and not made by asking), signed when the first awards are published, and left as signed while more are
published — its bytes change only when a status does (so caches and ETags hold)."""

import json

import pytest

from badges.issuing import award_issue
from badges.models import StatusList
from badges.openbadges.ob3.status_list import decode_list, get_bit, new_bitstring
from badges.openbadges.ob3.verify import verify_data_integrity
from badges.resolvers import resolve_local_did
from badges.status_lists import LIST_ENTRIES, status_list_credential
from courses.services import enrolment_complete
from tests.factories import EnrolmentFactory, IssuerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_queues(monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)


def status_url(issuer) -> str:
    return f"/issuers/{issuer.public_id}/status/revocation"


def issued(enrolment):
    award = enrolment_complete(actor=None, enrolment=enrolment)
    assert award_issue(award_id=award.pk) is True
    return award


def signature_holds(credential: dict) -> bool:
    result = verify_data_integrity(
        credential=credential, resolve_did=resolve_local_did, fetch_status_list=lambda url: credential
    )
    return all(result.check(name) is not None and result.check(name).ok for name in ("signature", "issuer_key"))


def test_an_issuer_that_never_issued_has_no_list_and_asking_makes_none(client):
    issuer = IssuerFactory()
    assert client.get(status_url(issuer)).status_code == 404
    assert status_list_credential(issuer=issuer) is None
    assert not StatusList.objects.filter(issuer=issuer).exists()


def test_a_list_row_never_signed_is_not_served_and_is_signed_when_awards_are_published(client):
    enrolment = EnrolmentFactory()
    issuer = enrolment.course.issuer
    StatusList.objects.create(issuer=issuer, purpose="revocation", bits=bytes(new_bitstring(entries=LIST_ENTRIES)))
    assert status_list_credential(issuer=issuer) is None
    assert client.get(status_url(issuer)).status_code == 404

    award = issued(enrolment)
    response = client.get(status_url(issuer))
    assert response.status_code == 200
    credential = json.loads(response.content)
    assert signature_holds(credential)
    assert get_bit(decode_list(credential["credentialSubject"]["encodedList"]), award.status_list_index) is False


def test_publishing_more_awards_leaves_the_signed_list_as_it_was():
    first = EnrolmentFactory()
    issuer = first.course.issuer
    issued(first)
    signed = status_list_credential(issuer=issuer)
    assert signed is not None and signature_holds(signed)
    written = StatusList.objects.get(issuer=issuer).updated_at
    issued(EnrolmentFactory(course=first.course))
    assert status_list_credential(issuer=issuer) == signed  # same proof, same bytes
    # ... and not signed anew within the same second either (a signature per batch would be wasted work, and a
    # list re-signed a second later changes its validFrom, so every cache of it would be dropped for nothing).
    assert StatusList.objects.get(issuer=issuer).updated_at == written
