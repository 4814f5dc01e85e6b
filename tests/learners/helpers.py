"""Helpers for learner and browser tests: issued awards, and accounts with verified (or unverified) addresses."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from badges.issuing import award_issue
from badges.models import Award
from courses.services import enrolment_complete
from tests.factories import EnrolmentFactory

LEARNER_PASSWORD = "a long learner password"


def issue_award(*, email: str, name: str = "Ada Example", **course) -> Award:
    """Award a badge to this address the way a completion does, and issue it synchronously."""
    from learners.services import learner_get_or_create
    from tests.factories import CourseFactory

    course_obj = CourseFactory(**{k.removeprefix("course__"): v for k, v in course.items()})
    learner = learner_get_or_create(issuer=course_obj.issuer, email=email, name=name)
    created = enrolment_complete(actor=None, enrolment=EnrolmentFactory(learner=learner, course=course_obj))
    assert award_issue(award_id=created.id)
    return Award.objects.get(pk=created.id)


def make_account(email: str, *, verified: bool = True):
    """An account as allauth leaves it after sign-up (and, when verified, after the confirmation link)."""
    user = get_user_model().objects.create_user(username=email, email=email, password=LEARNER_PASSWORD)
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    if verified:
        address.set_verified(commit=True)
        from allauth.account.signals import email_confirmed

        email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    return user
