"""The institution console in Chromium: the dashboard and the award page work on a phone (390 px: nothing wider
than the screen), the award list shows the status without scrolling at 1280 px, and the export downloads what the
filtered list shows. Screenshots in test-artifacts/browser/."""

import csv
import io

import pytest
from django.utils import timezone

from badges.models import Award, AwardStatus
from issuers.models import IssuerMembership, Role
from tests.badges.test_dashboard import award_many
from tests.browser.admin_pages import Watch, admin_sign_in
from tests.browser.conftest import screenshot
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_queue(monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)


@pytest.fixture
def console(site):
    """An institution with a long-named badge, five awards in different states, and an owner."""
    course = CourseFactory(
        issuer__name="Northfield College of Continuing and Professional Education",
        badge_class__name="Advanced Spreadsheet Modelling for Public-Sector Finance Officers",
        badge_class__validity_days=20,
    )
    awards = award_many(course, 5, names=[f"Learner with a rather long name {i}" for i in range(5)])
    Award.objects.filter(id=awards[0].id).update(
        status=AwardStatus.FAILED, failure_reason="The artwork could not be read: " + "x" * 120
    )
    Award.objects.filter(id=awards[1].id).update(
        email_failed_at=timezone.now(), email_failure="SMTPRecipientsRefused: 550 5.1.1 " + "mailbox-unknown-" * 8
    )
    Award.objects.filter(id=awards[2].id).update(public=True, view_count=3, verification_count=2)
    owner = UserFactory()
    IssuerMembership.objects.create(issuer=course.issuer, user=owner, role=Role.OWNER)
    return course, awards, owner


def page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def test_dashboard_and_award_page_fit_a_phone(site, new_page, console):
    """At 390 px the dashboard (alerts, totals, chart, table) and the award page are no wider than the screen."""
    _course, awards, owner = console
    page = new_page(width=390, height=844)
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.email)
    page.goto(f"{site}/admin/dashboard/")
    assert page.locator("#total-issued").inner_text().strip() == "4"
    assert page.locator("svg.chart rect.chart-bar").count() == 12
    screenshot(page, "dashboard-390")
    assert page_width(page) <= 390
    page.goto(f"{site}/admin/badges/award/{awards[1].pk}/change/")
    assert "mailbox-unknown" in page.locator("#award-email").inner_text()
    screenshot(page, "award-page-390")
    assert page_width(page) <= 390
    page.goto(f"{site}/admin/")
    assert page.locator(".console-alerts").count() == 1
    assert page_width(page) <= 390
    watch.assert_clean()


def test_award_list_shows_the_status_without_scrolling_at_1280(site, new_page, console):
    """A badge officer's laptop: the status column is inside the window at 1280 px."""
    _course, _awards, owner = console
    page = new_page(width=1280, height=800)
    admin_sign_in(page, site, owner.email)
    page.goto(f"{site}/admin/badges/award/")
    box = page.locator("th.column-status").bounding_box()
    screenshot(page, "award-list-1280")
    assert box is not None and box["x"] + box["width"] <= 1280


def test_award_page_links_and_buttons(site, new_page, console):
    """The award page links to its public page, a verification and the downloads; each action is a button."""
    _course, awards, owner = console
    page = new_page(width=1280, height=900)
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.email)
    page.goto(f"{site}/admin/badges/award/{awards[2].pk}/change/")
    assert page.locator("#award-public-link").get_attribute("href").endswith(f"/assertions/{awards[2].public_id}")
    assert "/verify?url=" in page.locator("#award-verify-link").get_attribute("href")
    assert page.locator("#award-views").inner_text().strip() == "3"
    assert page.locator("#award-verifications").inner_text().strip().startswith("2")
    assert page.locator(".award-actions button").count() >= 3
    with page.expect_download() as download:
        page.locator(".award-links a", has_text="badge.png").click()
    assert download.value.suggested_filename.endswith("badge.png")
    page.locator("#award-verify-link").click()
    page.wait_for_load_state()
    assert "valid" in page.content().lower()
    watch.assert_clean()


def test_export_downloads_the_filtered_list(site, new_page, console):
    """Filter the list by status, click the export: the file holds exactly what the list shows."""
    _course, awards, owner = console
    page = new_page(width=1280, height=900)
    admin_sign_in(page, site, owner.email)
    page.goto(f"{site}/admin/badges/award/?status__exact=issued")
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["award id"] for r in rows) == sorted(a.public_id for a in awards[1:])
    assert sum(r["public"] == "yes" for r in rows) == 1
