"""factory_boy factories. Institutions are made through the service, so each has its signing keys."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from badges.models import BadgeClass
from courses.demo import draw_badge_png
from courses.models import Course, Enrolment
from issuers.models import Issuer, IssuerMembership, Role
from issuers.services import issuer_keys_ensure
from learners.models import Learner

_PNG = None


def badge_png() -> bytes:
    global _PNG
    if _PNG is None:
        _PNG = draw_badge_png(colour=(20, 90, 60), size=128)
    return _PNG


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.SelfAttribute("username")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        """A verified primary address, as an account that accepted an invitation (or confirmed its sign-up) has:
        staff without one may not use the admin. `UserFactory(verified_email=False)` leaves it out."""
        if create and extracted is not False and obj.email:
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"primary": True, "verified": True})


class IssuerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issuer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Institute {n}")
    slug = factory.Sequence(lambda n: f"institute-{n}")
    url = factory.Sequence(lambda n: f"https://institute{n}.example")
    email = factory.Sequence(lambda n: f"badges@institute{n}.example")

    @factory.post_generation
    def keys(obj, create, extracted, **kwargs):
        if create:
            issuer_keys_ensure(issuer=obj)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IssuerMembership

    issuer = factory.SubFactory(IssuerFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class BadgeClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BadgeClass

    issuer = factory.SubFactory(IssuerFactory)
    name = factory.Sequence(lambda n: f"Badge {n}")
    description = "Shows the holder completed the course."
    criteria_narrative = "Attend every session and pass the final project."
    image = factory.LazyFunction(lambda: ContentFile(badge_png(), name="badge.png"))
    tags = ["testing"]


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    issuer = factory.SubFactory(IssuerFactory)
    badge_class = factory.SubFactory(BadgeClassFactory, issuer=factory.SelfAttribute("..issuer"))
    code = factory.Sequence(lambda n: f"c{n}")
    title = factory.Sequence(lambda n: f"Course {n}")
    hours = 10


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learner

    email = factory.Sequence(lambda n: f"learner{n}@example.net")
    name = factory.Sequence(lambda n: f"Learner {n}")


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    course = factory.SubFactory(CourseFactory)
    learner = factory.SubFactory(LearnerFactory)
