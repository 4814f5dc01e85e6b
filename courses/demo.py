"""Demo data for `manage.py seed_demo`: an institution, two courses with badges, three learners who completed."""

import io
import math
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from badges.models import Alignment, BadgeClass
from issuers.models import Issuer, Role
from issuers.services import invitation_accept_with_new_account, invitation_create, issuer_create, staff_email_verify

from .models import Course
from .services import enrolment_complete, enrolment_enrol

DEMO_SLUG = "northfield"
DEMO_LOGIN = "demo@northfield.example"
DEMO_PASSWORD = "laurel-demo-2026"  # noqa: S105 — a development fixture, printed by seed_demo; refused in production


@dataclass
class DemoResult:
    created: bool
    issuer: Issuer
    login: str
    password: str


def draw_badge_png(*, colour: tuple[int, int, int], size: int = 400) -> bytes:
    """A round badge with a laurel-like ring of leaves, drawn so the demo needs no binary files."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre, radius = size / 2, size * 0.46
    draw.ellipse([centre - radius, centre - radius, centre + radius, centre + radius], fill=colour + (255,))
    inner = radius * 0.78
    draw.ellipse([centre - inner, centre - inner, centre + inner, centre + inner], fill=(255, 255, 255, 255))
    for step in range(18):
        angle = math.pi * (0.15 + 0.7 * step / 17) + (0 if step % 2 else 0.05)
        for side in (-1, 1):
            x = centre + side * math.cos(angle) * radius * 0.64
            y = centre + math.sin(angle) * radius * 0.64
            draw.ellipse([x - 9, y - 5, x + 9, y + 5], fill=colour + (255,))
    draw.regular_polygon((centre, centre - size * 0.04, size * 0.16), n_sides=5, fill=colour + (255,))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


COURSES = [
    {
        "code": "py101",
        "title": "Python for data analysis",
        "hours": 24,
        "colour": (31, 94, 160),
        "badge": "Data Analysis with Python",
        "criteria": "Completed all six workshops and submitted a reproducible analysis notebook.",
        "alignment": (
            "Data analysis",
            "https://example.org/skills/data-analysis",
            "Example Skills Framework",
        ),
        "validity_days": None,
    },
    {
        "code": "ux201",
        "title": "Accessible web design",
        "hours": 12,
        "colour": (150, 40, 90),
        "badge": "Accessible Web Design",
        "criteria": "Audited a real site against WCAG 2.1 AA and fixed the issues found.",
        "alignment": (
            "Web accessibility",
            "https://example.org/skills/web-accessibility",
            "Example Skills Framework",
        ),
        "validity_days": 730,
    },
]
LEARNERS = [
    ("ada.lovelace@example.org", "Ada Lovelace"),
    ("grace.hopper@example.org", "Grace Hopper"),
    ("alan.turing@example.org", "Alan Turing"),
]


def seed_demo() -> DemoResult:
    """Create the demo once; later calls only make sure the demo login works."""
    User = get_user_model()
    existing = Issuer.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        user = User.objects.filter(username=DEMO_LOGIN).first()
        if user is not None and not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if user is not None:
            # A demo seeded before staff needed a verified address would otherwise be locked out of the admin.
            staff_email_verify(user=user, email=DEMO_LOGIN)
        return DemoResult(False, existing, DEMO_LOGIN, DEMO_PASSWORD)
    with transaction.atomic():
        issuer = issuer_create(
            actor=None,
            name="Northfield Institute of Technology",
            slug=DEMO_SLUG,
            url="https://northfield.example",
            email="badges@northfield.example",
            description="Short evening courses for working professionals.",
        )
        # The demo owner joins the way every member does: by an invitation, accepted with a first password.
        invitation = invitation_create(actor=None, issuer=issuer, email=DEMO_LOGIN, role=Role.OWNER, notify=False)
        invitation_accept_with_new_account(invitation=invitation, password=DEMO_PASSWORD)
        for spec in COURSES:
            badge = BadgeClass(
                issuer=issuer,
                name=spec["badge"],
                description=f"Awarded for completing {spec['title']}.",
                criteria_narrative=spec["criteria"],
                tags=["demo", spec["code"]],
                validity_days=spec["validity_days"],
            )
            badge.image.save(f"{spec['code']}.png", ContentFile(draw_badge_png(colour=spec["colour"])), save=False)
            badge.save()
            name, url, framework = spec["alignment"]
            Alignment.objects.create(badge_class=badge, target_name=name, target_url=url, target_framework=framework)
            course = Course.objects.create(
                issuer=issuer, code=spec["code"], title=spec["title"], hours=spec["hours"], badge_class=badge
            )
            for email, learner_name in LEARNERS:
                enrolment = enrolment_enrol(actor=None, course=course, email=email, name=learner_name)
                enrolment_complete(actor=None, enrolment=enrolment)
    return DemoResult(True, issuer, DEMO_LOGIN, DEMO_PASSWORD)
