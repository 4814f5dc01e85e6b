"""In Chromium: an institution owner sets the LinkedIn organisation id on the institution form, opens "Confirm
your website's domain", and downloads a did-configuration.json that verifies for the institution's website."""

import json
from pathlib import Path

import pytest

from badges.openbadges.ob3 import domain_linkage as dl
from badges.resolvers import resolve_local_did
from issuers.models import AuditEvent, Role
from issuers.public_urls import issuer_did
from tests.browser.admin_pages import Watch, admin_sign_in, form_errors, submit, success_message
from tests.browser.conftest import screenshot
from tests.factories import IssuerFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_downloads_the_did_configuration(site, new_page, tmp_path):
    issuer = IssuerFactory(name="Northfield University", url="https://www.northfield.edu/")
    owner = MembershipFactory(issuer=issuer, role=Role.OWNER)
    page = new_page()
    watch = Watch()
    watch.attach(page)
    admin_sign_in(page, site, owner.user.email)

    page.goto(f"{site}/admin/issuers/issuer/{issuer.pk}/change/")
    page.locator("input[name=linkedin_organization_id]").fill("2414183")
    submit(page, "_continue")
    watch.assert_clean()
    assert not form_errors(page), form_errors(page)
    assert "was changed successfully" in success_message(page)
    issuer.refresh_from_db()
    assert issuer.linkedin_organization_id == "2414183"

    page.get_by_role("link", name="Confirm your website's domain").click()
    page.wait_for_url(f"{site}/admin/issuers/issuer/{issuer.pk}/did-configuration/")
    publish_url = page.locator("#did-configuration-publish-url").inner_text()
    assert publish_url == "https://www.northfield.edu/.well-known/did-configuration.json"
    screenshot(page, "did-configuration")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download did-configuration.json").click()
    download = download_info.value
    assert download.suggested_filename == "did-configuration.json"
    saved = Path(tmp_path / "did-configuration.json")
    download.save_as(saved)
    watch.assert_clean()
    resource = json.loads(saved.read_text())
    outcome = dl.verify_did_configuration(
        resource=resource, did=issuer_did(issuer), origin="https://www.northfield.edu", resolve_did=resolve_local_did
    )
    assert outcome.confirmed, outcome
    assert AuditEvent.objects.filter(action="issuer.did_configuration", actor=owner.user, issuer=issuer).count() == 1


def test_a_viewer_sees_no_link_and_is_refused(site, new_page):
    issuer = IssuerFactory()
    viewer = MembershipFactory(issuer=issuer, role=Role.VIEWER)
    page = new_page()
    admin_sign_in(page, site, viewer.user.email)
    page.goto(f"{site}/admin/issuers/issuer/{issuer.pk}/change/")
    assert page.get_by_role("link", name="Confirm your website's domain").count() == 0
    response = page.goto(f"{site}/admin/issuers/issuer/{issuer.pk}/did-configuration/")
    assert response.status == 403
