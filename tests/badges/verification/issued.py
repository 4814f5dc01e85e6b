"""Awards issued through the real pipeline, synchronously, for verification tests."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from badges.issuing import award_issue
from badges.models import Award
from badges.public_urls import claim_token
from courses.services import enrolment_complete, enrolment_enrol
from tests.factories import BadgeClassFactory, CourseFactory, IssuerFactory

SVG_ART = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">'
    b'<circle cx="100" cy="100" r="90" fill="#1f5ea0"/></svg>'
)


def issue(*, email: str = "ada@example.org", svg: bool = False, expired: bool = False, issuer=None) -> Award:
    """Issue one award to ``email``: PNG artwork unless ``svg``; ``expired`` makes a 30-day badge from 60 days ago."""
    issuer = issuer or IssuerFactory()
    badge_kwargs = {"issuer": issuer}
    if svg:
        badge_kwargs["image"] = ContentFile(SVG_ART, name="art.svg")
    if expired:
        badge_kwargs["validity_days"] = 30
    course = CourseFactory(issuer=issuer, badge_class=BadgeClassFactory(**badge_kwargs))
    enrolment = enrolment_enrol(actor=None, course=course, email=email, name="Ada Example")
    completed_at = timezone.now() - timedelta(days=60) if expired else None
    award = enrolment_complete(actor=None, enrolment=enrolment, completed_at=completed_at)
    assert award_issue(award_id=award.id), Award.objects.get(pk=award.id).failure_reason
    return Award.objects.get(pk=award.id)


def download(client, award: Award, filename: str) -> bytes:
    response = client.get(f"/assertions/{award.public_id}/{filename}", {"claim": claim_token(award)})
    assert response.status_code == 200, (filename, response.status_code)
    return response.content
