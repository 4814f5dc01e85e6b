"""Badges issued on the live test server, for the interop tests: real awards through the real pipeline.

`issued_world()` runs inside a module-scoped fixture that has the database unblocked and PUBLIC_BASE_URL
pointing at the live server; it returns the awards the interop suites need.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from badges.issuing import award_issue
from badges.models import Award, AwardStatus
from badges.services import award_revoke
from courses.services import enrolment_complete, enrolment_enrol
from tests.factories import BadgeClassFactory, CourseFactory, IssuerFactory

SVG_ART = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200">'
    b'<circle cx="100" cy="100" r="90" fill="#1f5ea0"/><text x="100" y="110" text-anchor="middle" '
    b'fill="#fff" font-size="28">Laurel</text></svg>'
)


@dataclass
class World:
    good: Award
    good_svg: Award
    revoked_hosted: Award
    revoked_signed: Award
    second_revoked: Award
    expired: Award


def _issued(course, email: str, *, completed_at=None) -> Award:
    enrolment = enrolment_enrol(actor=None, course=course, email=email, name=email.split("@")[0].title())
    award = enrolment_complete(
        actor=None, enrolment=enrolment, completed_at=completed_at, evidence_url="https://example.org/portfolio"
    )
    assert award_issue(award_id=award.id), Award.objects.get(pk=award.id).failure_reason
    return Award.objects.get(pk=award.id)


def issued_world() -> World:
    issuer = IssuerFactory(name="Interop Institute")
    course = CourseFactory(issuer=issuer, badge_class__issuer=issuer)
    svg_badge = BadgeClassFactory(issuer=issuer, image=ContentFile(SVG_ART, name="art.svg"))
    svg_course = CourseFactory(issuer=issuer, badge_class=svg_badge)
    expiring = CourseFactory(issuer=issuer, badge_class__issuer=issuer, badge_class__validity_days=30)
    world = World(
        good=_issued(course, "good@example.org"),
        good_svg=_issued(svg_course, "svg@example.org"),
        revoked_hosted=_issued(course, "revoked.hosted@example.org"),
        revoked_signed=_issued(course, "revoked.signed@example.org"),
        second_revoked=_issued(course, "second@example.org"),
        expired=_issued(expiring, "expired@example.org", completed_at=timezone.now() - timedelta(days=60)),
    )
    for award in (world.revoked_hosted, world.revoked_signed, world.second_revoked):
        award_revoke(actor=None, award=award, reason="Issued in error")
    for name in ("revoked_hosted", "revoked_signed", "second_revoked"):
        setattr(world, name, Award.objects.get(pk=getattr(world, name).pk))
        assert getattr(world, name).status == AwardStatus.REVOKED
    return world
