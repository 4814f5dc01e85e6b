"""The institution admin in French on a phone (390 px wide): the index, change lists, add forms and the CSV import
pages are in French and the page itself never scrolls sideways (a wide table scrolls inside its own container, as
the admin intends). French labels are longer than English ones: this is where a layout breaks first."""

import pytest

from courses.services import enrolment_complete
from tests.browser.conftest import screenshot
from tests.factories import BadgeClassFactory, CourseFactory, EnrolmentFactory, LearnerFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
STAFF_PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture
def owner(monkeypatch):
    """An owner whose lists hold long names, the values that push a narrow page wider."""
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)  # awards stay pending: no worker here
    membership = MembershipFactory(issuer__name="Institut régional de formation professionnelle continue")
    badge_class = BadgeClassFactory(
        issuer=membership.issuer, name="Conception et animation de formations hybrides à distance"
    )
    course = CourseFactory(issuer=membership.issuer, badge_class=badge_class, title=badge_class.name)
    for n in range(3):
        learner = LearnerFactory(email=f"marie-josephine.de-la-fontaine-{n}@universite-exemple.example")
        enrolment_complete(actor=None, enrolment=EnrolmentFactory(course=course, learner=learner))
    return membership.user


def sign_in_french(page, site: str, email: str) -> None:
    page.goto(f"{site}/admin/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert page.url == f"{site}/admin/"


def page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


@pytest.mark.parametrize(
    ("path", "heading", "name"),
    [
        ("/admin/", "Formations et badges", "index"),
        ("/admin/badges/award/", "Sélectionnez l’objet badge décerné", "awards"),
        ("/admin/courses/enrolment/", "Sélectionnez l’objet inscription", "enrolments"),
        ("/admin/courses/course/add/", "Ajouter : formation", "course-add"),
        ("/admin/badges/badgeclass/add/", "Ajouter : modèle de badge", "badge-class-add"),
        ("/admin/courses/enrolment/import/", "Importer des inscriptions", "import-upload"),
    ],
)
def test_french_admin_fits_a_phone(site, new_page, owner, path, heading, name):
    page = new_page(locale="fr-FR", **PHONE)
    sign_in_french(page, site, owner.email)
    page.goto(f"{site}{path}")
    screenshot(page, f"admin-fr-390-{name}")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert heading in page.locator("h1").first.inner_text().replace("'", "’")
    body = page.locator("body").inner_text()
    for english in ("Enrolments", "Badge classes", "Awards", "Learners"):
        assert english not in body
    assert page_width(page) <= PHONE["width"], f"{path} is {page_width(page)} px wide at {PHONE['width']} px"


def test_french_import_preview_and_progress_fit_a_phone(site, new_page, owner):
    """French labels are longer ("parmi les nouveaux : déjà expiré (enregistré, non envoyé par e-mail)"): the counts
    must wrap, and the rows table scroll inside its own container."""
    from courses.imports import completion_import_preview
    from courses.models import Course

    course = Course.objects.get()
    record, _parsed = completion_import_preview(
        actor=None,
        issuer=course.issuer,
        filename="liste-des-participants-session-automne.csv",
        content=(
            "email;nom;course;completed\n"
            f"marie-josephine.de-la-fontaine-9@universite-exemple.example;Marie-Joséphine;{course.code};oui\n"
            "pas-une-adresse;;inconnue;\n"
        ).encode(),
    )
    page = new_page(locale="fr-FR", **PHONE)
    sign_in_french(page, site, owner.email)
    for path, name in [
        (f"/admin/courses/enrolment/import/{record.public_id}/", "import-preview"),
        (f"/admin/courses/completionimport/{record.public_id}/progress/", "import-progress"),
    ]:
        page.goto(f"{site}{path}")
        screenshot(page, f"admin-fr-390-{name}")
        assert "Refusé" in page.locator("body").inner_text()
        assert page_width(page) <= PHONE["width"], f"{path} is {page_width(page)} px wide at {PHONE['width']} px"
