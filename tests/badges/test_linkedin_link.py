"""The "Add to LinkedIn" link names the institution by its LinkedIn organisation id when it has one."""

from urllib.parse import parse_qs, urlsplit

import pytest

from badges.public_urls import assertion_url
from badges.sharing import linkedin_add_url
from tests.learners.helpers import issue_award

pytestmark = pytest.mark.django_db


def _params(award) -> dict[str, str]:
    url = urlsplit(linkedin_add_url(award))
    assert (url.scheme, url.netloc, url.path) == ("https", "www.linkedin.com", "/profile/add")
    return {name: values[0] for name, values in parse_qs(url.query, strict_parsing=True).items()}


def test_without_an_id_the_link_names_the_organisation():
    award = issue_award(email="ada@example.net")
    params = _params(award)
    assert params["organizationName"] == award.issuer.name and "organizationId" not in params


def test_with_an_id_organization_id_replaces_the_name():
    award = issue_award(email="ada@example.net")
    award.issuer.linkedin_organization_id = "1337"
    award.issuer.save(update_fields=["linkedin_organization_id"])
    params = _params(award)
    assert params["organizationId"] == "1337" and "organizationName" not in params
    assert params["name"] == award.badge_class.name and params["certId"] == award.public_id
    assert params["certUrl"] == assertion_url(award)
    assert params["issueYear"] == str(award.issued_on.year) and params["issueMonth"] == str(award.issued_on.month)


def test_public_page_carries_the_id(client):
    award = issue_award(email="ada@example.net")
    award.public = True
    award.save(update_fields=["public"])
    award.issuer.linkedin_organization_id = "2414183"
    award.issuer.save(update_fields=["linkedin_organization_id"])
    page = client.get(f"/assertions/{award.public_id}", HTTP_ACCEPT="text/html").content.decode()
    assert "organizationId=2414183" in page and "organizationName=" not in page
