"""In Chromium, through the real admin forms: every add and change form the admin offers is submitted by a
superuser and by an institution owner, and none answers a server error. The add-enrolment form (which answered 500
for every save button) is driven with each button, for a new learner and for one the institution already knows."""

import itertools
from dataclasses import dataclass, field

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import reverse

from badges.models import Award, AwardStatus, SystemAlert
from badges.services import award_revoke
from courses.models import Course, Enrolment
from tests.browser.admin_pages import Watch, admin_sign_in, form_errors, pick_autocomplete, submit, success_message
from tests.browser.conftest import screenshot
from tests.factories import (
    BadgeClassFactory,
    CourseFactory,
    EnrolmentFactory,
    LearnerFactory,
    MembershipFactory,
    UserFactory,
    badge_png,
)
from tests.learners.helpers import issue_award

pytestmark = pytest.mark.django_db(transaction=True)

SAVE_BUTTONS = ("_save", "_addanother", "_continue")


@pytest.mark.parametrize("button", SAVE_BUTTONS)
def test_add_enrolment_form_saves_new_and_existing_learners_with_every_button(site, new_page, button):
    """The add-enrolment form answered 500 ("Enrolment has no learner" from save_model). For a learner the
    platform has never seen, one already enrolled on another of the institution's courses and one known only to
    another institution, each save button saves the enrolment and says so: no server error, the learner attached,
    the admin's success message shown."""
    owner = MembershipFactory()
    course = CourseFactory(issuer=owner.issuer, title="Data basics")
    known = LearnerFactory(email="known@example.net")
    EnrolmentFactory(learner=known, course=CourseFactory(issuer=owner.issuer))
    # Known only to another institution, which gave the learner its own name.
    EnrolmentFactory(learner=LearnerFactory(email="elsewhere@example.net"), course=CourseFactory())
    page = new_page()
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.user.email)

    people = (
        ("new.person@example.net", "New Person"),
        ("known@example.net", "Known Person"),
        ("elsewhere@example.net", "Elsewhere Person"),
    )
    for email, name in people:
        page.goto(f"{site}/admin/courses/enrolment/add/")
        page.locator("select[name=course]").select_option(str(course.pk))
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=name]").fill(name)
        submit(page, button)
        watch.assert_clean()
        assert not form_errors(page), form_errors(page)
        assert "was added successfully" in success_message(page), page.content()
        enrolment = Enrolment.objects.get(course=course, learner__email=email)
        if button == "_continue":
            assert page.url.endswith(f"/admin/courses/enrolment/{enrolment.pk}/change/")
            assert email in page.locator("#content-main").inner_text()
        elif button == "_addanother":
            assert page.url.endswith("/admin/courses/enrolment/add/")
        else:
            assert page.url.endswith("/admin/courses/enrolment/")
    assert Enrolment.objects.get(course=course, learner=known).learner_id == known.pk


# -- every add and change form ------------------------------------------------------------------------------------
# One recipe per model whose add form someone may open: it fills the required fields with valid values and returns
# the text the admin shows on success. A model registered later without a recipe fails the walk below, so an add
# form can never land untested.


def _fill_group(page, world) -> str:
    page.locator("input[name=name]").fill(world.unique("Reviewers"))
    return "was added successfully"


def _fill_user(page, world) -> str:
    page.locator("input[name=username]").fill(world.unique("colleague") + "@example.org")
    page.locator("input[name=password1]").fill("a long enough password 1")
    page.locator("input[name=password2]").fill("a long enough password 1")
    return "was added successfully"


def _fill_email_address(page, world) -> str:
    page.locator("input[name=user]").fill(str(world.spare_user().pk))
    page.locator("input[name=email]").fill(world.unique("second") + "@example.org")
    return "was added successfully"


def _fill_issuer(page, world) -> str:
    name = world.unique("College")
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=slug]").fill(name.lower())
    page.locator("input[name=url]").fill("https://college.example")
    page.locator("input[name=email]").fill("badges@college.example")
    return "was added successfully"


def _fill_invitation(page, world) -> str:
    page.locator("select[name=issuer]").select_option(str(world.issuer.pk))
    email = world.unique("invited") + "@example.org"
    page.locator("input[name=email]").fill(email)
    page.locator("select[name=role]").select_option("editor")
    return f"Invitation e-mailed to {email}"


def _fill_membership(page, world) -> str:
    # Members join by invitation: "Add" on the members list opens the invitation form.
    assert page.url.endswith("/admin/issuers/invitation/add/"), page.url
    return _fill_invitation(page, world)


def _fill_api_key(page, world) -> str:
    page.locator("select[name=issuer]").select_option(str(world.issuer.pk))
    page.locator("input[name=name]").fill(world.unique("Student records"))
    return "API key created"  # the page that shows the secret once, not a message


def _fill_learner(page, world) -> str:
    page.locator("input[name=email]").fill(world.unique("learner") + "@example.net")
    return "was added successfully"


def _fill_badge_class(page, world) -> str:
    page.locator("select[name=issuer]").select_option(str(world.issuer.pk))
    page.locator("input[name=name]").fill(world.unique("Data Steward"))
    page.locator("textarea[name=description]").fill("Looks after data with care.")
    page.locator("textarea[name=criteria_narrative]").fill("Pass the final project.")
    page.locator("input[name=image]").set_input_files(
        files=[{"name": "artwork.png", "mimeType": "image/png", "buffer": badge_png()}]
    )
    return "was added successfully"


def _fill_course(page, world) -> str:
    page.locator("select[name=issuer]").select_option(str(world.issuer.pk))
    page.locator("input[name=code]").fill(world.unique("course"))
    page.locator("input[name=title]").fill(world.unique("Statistics"))
    pick_autocomplete(page, "badge_class", world.badge_class.name)
    return "was added successfully"


def _fill_enrolment(page, world) -> str:
    page.locator("select[name=course]").select_option(str(world.course.pk))
    page.locator("input[name=email]").fill(world.unique("enrolled") + "@example.net")
    page.locator("input[name=name]").fill("Grace Example")
    return "was added successfully"


ADD_RECIPES = {
    "auth.group": _fill_group,
    "auth.user": _fill_user,
    "account.emailaddress": _fill_email_address,
    "issuers.issuer": _fill_issuer,
    "issuers.issuermembership": _fill_membership,
    "issuers.invitation": _fill_invitation,
    "issuers.apikey": _fill_api_key,
    "learners.learner": _fill_learner,
    "badges.badgeclass": _fill_badge_class,
    "courses.course": _fill_course,
    "courses.enrolment": _fill_enrolment,
}


@dataclass
class World:
    """One institution with something of every kind, and fresh values for the forms."""

    issuer: object
    badge_class: object
    course: object
    counter: itertools.count = field(default_factory=itertools.count)

    def unique(self, text: str) -> str:
        return f"{text}-{next(self.counter)}"

    def spare_user(self):
        return UserFactory(is_staff=False)


def _world(owner) -> World:
    from courses.imports import completion_import_preview

    badge_class = BadgeClassFactory(issuer=owner.issuer, name="Walk Badge")
    course = CourseFactory(issuer=owner.issuer, badge_class=badge_class)
    EnrolmentFactory(course=course)
    issue_award(email="issued@example.net", course__issuer=owner.issuer)
    completion_import_preview(
        actor=owner.user,
        issuer=owner.issuer,
        filename="people.csv",
        content=f"email,name,course\nimported@example.net,Ima Ported,{course.code}\n".encode(),
    )
    SystemAlert.objects.create(kind="test", message="Something to look at")
    Group.objects.create(name="Existing group")
    # Authenticators are set up by their owner on the two-factor pages; the admin only lists and removes them.
    Authenticator.objects.create(user=owner.user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "sealed"})
    return World(issuer=owner.issuer, badge_class=badge_class, course=course)


def _as_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _walk(page, site, user, world, watch) -> list[str]:
    """Submit every add form and every change form `user` may use; open every list and view page they may see.
    Returns what was exercised, for the assertion that the walk covered what the admin offers."""
    done = []
    for model, model_admin in admin.site._registry.items():
        label, info = model._meta.label_lower, (model._meta.app_label, model._meta.model_name)
        request = _as_request(user)
        if not model_admin.has_view_permission(request) and not model_admin.has_change_permission(request):
            continue
        response = page.goto(site + reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status == 200, (label, response.status)

        if model_admin.has_add_permission(request):
            recipe = ADD_RECIPES.get(label)
            assert recipe, f"{label} has an add form and no recipe in ADD_RECIPES: add one so the form is tested"
            response = page.goto(site + reverse("admin:{}_{}_add".format(*info)))
            assert response.status == 200, (label, response.status)
            expected = recipe(page, world)
            submit(page)
            watch.assert_clean()
            assert not form_errors(page), (label, form_errors(page))
            assert expected in page.locator("body").inner_text(), (label, page.content())
            done.append(f"add {label}")

        obj = model_admin.get_queryset(_as_request(user)).order_by("-pk").first()
        assert obj is not None, f"nothing of {label} to open: give _world() one"
        response = page.goto(site + reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        assert response.status == 200, (label, response.status)
        if model_admin.has_change_permission(_as_request(user), obj):
            submit(page)
            watch.assert_clean()
            assert not form_errors(page), (label, form_errors(page))
            assert "was changed successfully" in success_message(page), (label, page.content())
            done.append(f"change {label}")
        else:
            assert page.locator("input[name=_save]").count() == 0, label
            done.append(f"view {label}")
        if model_admin.has_delete_permission(_as_request(user), obj):
            # Only opened: the confirmation page (or Django's "protected" page) must answer, not delete.
            response = page.goto(site + reverse("admin:{}_{}_delete".format(*info), args=[obj.pk]))
            assert response.status == 200, (label, response.status)
            done.append(f"delete page {label}")
    watch.assert_clean()
    return done


# What each kind of user may add; their change and view pages follow from the same permissions.
EXPECTED_ADDS = {
    "superuser": set(ADD_RECIPES),
    "owner": {
        "issuers.issuermembership",
        "issuers.invitation",
        "issuers.apikey",
        "badges.badgeclass",
        "courses.course",
        "courses.enrolment",
    },
    "editor": {"badges.badgeclass", "courses.course", "courses.enrolment"},
    "awarder": {"courses.enrolment"},
    "viewer": set(),
}
EXPECTED_CHANGES = {
    "superuser": {"badges.badgeclass", "courses.course", "courses.enrolment", "issuers.issuer", "auth.user"},
    "owner": {"badges.badgeclass", "courses.course", "courses.enrolment", "issuers.issuer"},
    "editor": {"badges.badgeclass", "courses.course", "courses.enrolment"},
    "awarder": {"courses.enrolment"},
    "viewer": set(),
}


@pytest.mark.parametrize("who", list(EXPECTED_ADDS))
def test_every_admin_add_and_change_form_saves_without_a_server_error(site, new_page, who):
    """An add or change form that answers 500 cannot land: every form the admin offers to a superuser, an
    institution owner and each lesser role is opened, filled with valid values and saved, and must answer the
    admin's success message. Every list and read-only page they may open is opened too."""
    owner = MembershipFactory()
    world = _world(owner)
    if who == "superuser":
        user = UserFactory(is_superuser=True)
    elif who == "owner":
        user = owner.user
    else:
        user = MembershipFactory(issuer=owner.issuer, role=who).user
    page = new_page()
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, user.email)
    done = _walk(page, site, user, world, watch)

    offered = {m._meta.label_lower for m, a in admin.site._registry.items() if a.has_add_permission(_as_request(user))}
    assert {d.removeprefix("add ") for d in done if d.startswith("add ")} == offered == EXPECTED_ADDS[who]
    changed = {d.removeprefix("change ") for d in done if d.startswith("change ")}
    assert EXPECTED_CHANGES[who] <= changed, changed
    if who == "viewer":
        assert not changed and {"view courses.enrolment", "view badges.award"} <= set(done), done


# -- artwork -----------------------------------------------------------------------------------------------------
SVG_ARTWORK = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
    b'<circle cx="32" cy="32" r="30" fill="#1a5c3c"/></svg>'
)


def _loaded(page, selector: str) -> bool:
    return page.locator(selector).evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize(
    ("filename", "mime", "content"),
    [
        ("artwork.png", "image/png", None),
        ("artwork.svg", "image/svg+xml", SVG_ARTWORK),
        ("untyped.svg", "application/octet-stream", SVG_ARTWORK),  # as some systems type a chosen .svg
    ],
)
def test_artwork_is_previewed_when_chosen_and_served_after_saving(site, new_page, filename, mime, content):
    """The artwork link on the badge-class page was a 404 (media is not served) and there was no preview. Chosen
    on the add form, the artwork shows beside the file input before saving; saved, the change page shows it from
    our own origin and links to where it is served. No CSP violation, no server error."""
    owner = MembershipFactory()
    page = new_page()
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.user.email)
    page.goto(f"{site}/admin/badges/badgeclass/add/")
    assert page.locator("img[data-artwork-preview-of=id_image]").is_hidden()
    page.locator("select[name=issuer]").select_option(str(owner.issuer.pk))
    page.locator("input[name=name]").fill(f"Artwork {filename}")
    page.locator("textarea[name=description]").fill("Shows its artwork.")
    page.locator("textarea[name=criteria_narrative]").fill("Upload artwork.")
    page.locator("input[name=image]").set_input_files(
        files=[{"name": filename, "mimeType": mime, "buffer": content or badge_png()}]
    )
    preview = "img[data-artwork-preview-of=id_image]"
    page.locator(preview).wait_for(state="visible")
    page.wait_for_function(f"document.querySelector('{preview}').naturalWidth > 0")
    screenshot(page, f"artwork-01-chosen-{filename.replace('.', '-')}")
    submit(page, "_continue")
    watch.assert_clean()
    assert "was added successfully" in success_message(page), form_errors(page)

    saved = "img[data-artwork-saved]"
    page.locator(saved).wait_for(state="visible")
    page.wait_for_function(f"document.querySelector('{saved}').complete")
    assert _loaded(page, saved)
    assert page.locator(saved).get_attribute("src").startswith("/badges/")
    link = page.locator(".field-image a").first.get_attribute("href")
    assert link.startswith("/badges/") and "/media/" not in link
    assert page.request.get(site + link).status == 200
    screenshot(page, f"artwork-02-saved-{filename.replace('.', '-')}")
    watch.assert_clean()


# -- public ids and "Mark completed", through the real forms ------------------------------------------------------
def test_course_public_id_is_shown_only_once_saved_and_is_the_saved_one(site, new_page):
    """The add-course form showed a public id the saved course did not get; staff copied it into their API client.
    The add form shows none; after saving, the page shows the course's real id, read-only."""
    owner = MembershipFactory()
    badge = BadgeClassFactory(issuer=owner.issuer, name="Id Badge")
    page = new_page()
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.user.email)
    page.goto(f"{site}/admin/courses/course/add/")
    assert page.locator(".field-public_id, .field-public_id_to_copy").count() == 0
    page.locator("select[name=issuer]").select_option(str(owner.issuer.pk))
    page.locator("input[name=code]").fill("ids-101")
    page.locator("input[name=title]").fill("Identifiers")
    pick_autocomplete(page, "badge_class", badge.name)
    submit(page, "_continue")
    watch.assert_clean()
    screenshot(page, "admin-course-public-id")
    shown = page.locator(".field-public_id_to_copy code").inner_text()
    assert shown == Course.objects.get(code="ids-101").public_id
    assert "accept this id or the course code" in page.locator(".field-public_id_to_copy").inner_text()


def test_mark_completed_on_a_revoked_badge_says_nothing_was_issued(site, new_page):
    """ "Mark completed" on an enrolment whose badge was revoked said "their badges are being issued" and issued
    nothing. Through the real action: a warning that nothing was issued, pointing to Re-issue; no success claim."""
    owner = MembershipFactory()
    award = issue_award(email="revoked@example.net", course__issuer=owner.issuer)
    award_revoke(actor=None, award=award, reason="Issued by mistake")
    page = new_page()
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.user.email)
    page.goto(f"{site}/admin/courses/enrolment/")
    page.locator(f"input[name=_selected_action][value='{award.enrolment_id}']").check()
    page.locator("select[name=action]").select_option("mark_completed")
    with page.expect_navigation():
        page.locator("button[name=index]").click()
    watch.assert_clean()
    said = page.locator("ul.messagelist").inner_text()
    assert "1 badge is revoked: nothing was issued" in said and "Re-issue" in said, said
    assert "being issued" not in said and page.locator("ul.messagelist li.success").count() == 0, said
    screenshot(page, "admin-mark-completed-revoked")
    assert Award.objects.get(pk=award.pk).status == AwardStatus.REVOKED


def test_a_badge_class_added_from_the_course_form_popup_is_chosen_for_the_course(site, new_page):
    """A new institution has no badge class when it adds its first course: the "+" beside "Badge awarded" opens the
    badge-class form in a popup; saved there (artwork previewed), it is chosen on the course form, which saves."""
    owner = MembershipFactory()
    page = new_page()
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.user.email)
    page.goto(f"{site}/admin/courses/course/add/")
    page.locator("select[name=issuer]").select_option(str(owner.issuer.pk))
    page.locator("input[name=code]").fill("first-101")
    page.locator("input[name=title]").fill("Our first course")
    with page.expect_popup() as opened:
        page.locator("#add_id_badge_class").click()
    popup = opened.value
    watch.attach(popup)
    popup.wait_for_load_state()
    popup.locator("select[name=issuer]").select_option(str(owner.issuer.pk))
    popup.locator("input[name=name]").fill("First Badge")
    popup.locator("textarea[name=description]").fill("Our first badge.")
    popup.locator("textarea[name=criteria_narrative]").fill("Finish the course.")
    popup.locator("input[name=image]").set_input_files(
        files=[{"name": "first.png", "mimeType": "image/png", "buffer": badge_png()}]
    )
    popup.wait_for_function("document.querySelector('img[data-artwork-preview-of=id_image]').naturalWidth > 0")
    popup.locator("input[name=_save]").click()
    popup.wait_for_event("close")
    assert "First Badge" in page.locator("#select2-id_badge_class-container").inner_text()
    submit(page)
    watch.assert_clean()
    assert "was added successfully" in success_message(page), form_errors(page)
    assert Course.objects.get(code="first-101").badge_class.name == "First Badge"
