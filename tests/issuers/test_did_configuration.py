"""Over HTTP: an institution's owner downloads the DID configuration its website publishes (signed with its active
Ed25519 key, audited); other roles, other institutions' staff and strangers cannot; the file verifies."""

import json
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from badges.openbadges.ob3 import domain_linkage as dl
from badges.resolvers import resolve_local_did
from issuers.models import AuditEvent, Issuer, KeyAlgorithm, KeyState, Role, SigningKey
from issuers.public_urls import issuer_did
from tests.factories import IssuerFactory, UserFactory
from tests.issuers.test_admin_scoping import login_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def issuer():
    return IssuerFactory(name="Northfield University", url="https://www.Northfield.edu/about?x=1")


def _url(issuer):
    return reverse("admin:issuers_issuer_did_configuration", args=[issuer.pk])


def test_owner_sees_where_to_publish_and_downloads_a_file_that_verifies(client, issuer):
    owner = login_as(client, issuer, Role.OWNER)
    page = client.get(_url(issuer))
    assert page.status_code == 200
    assert "https://www.northfield.edu/.well-known/did-configuration.json" in page.content.decode()
    response = client.post(_url(issuer))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="did-configuration.json"'
    resource = json.loads(response.content)
    assert resource["@context"] == dl.DID_CONFIGURATION_CONTEXT and len(resource["linked_dids"]) == 1
    outcome = dl.verify_did_configuration(
        resource=resource, did=issuer_did(issuer), origin="https://www.northfield.edu", resolve_did=resolve_local_did
    )
    assert outcome.confirmed, outcome
    # Signed by the active Ed25519 key, and audited with who, where and which key — never the key itself.
    key = SigningKey.objects.get(issuer=issuer, algorithm=KeyAlgorithm.ED25519, state=KeyState.ACTIVE)
    assert dl.compact_jws.parse(resource["linked_dids"][0]).header["kid"].endswith("#" + key.public_id)
    event = AuditEvent.objects.get(action="issuer.did_configuration")
    assert event.actor == owner and event.issuer == issuer and event.target_id == issuer.public_id
    assert event.details["origin"] == "https://www.northfield.edu" and event.details["key"] == key.public_id
    assert key.private_key_encrypted not in json.dumps(event.details)
    assert set(json.loads(dl.compact_jws.parse(resource["linked_dids"][0]).payload)) == {
        "iss",
        "sub",
        "nbf",
        "exp",
        "vc",
    }


def test_the_file_stops_verifying_for_another_website(client, issuer):
    login_as(client, issuer, Role.OWNER)
    resource = json.loads(client.post(_url(issuer)).content)
    outcome = dl.verify_did_configuration(
        resource=resource, did=issuer_did(issuer), origin="https://northfield.edu", resolve_did=resolve_local_did
    )
    assert not outcome.confirmed


def test_change_form_links_to_it_for_owners_only(client, issuer):
    change = reverse("admin:issuers_issuer_change", args=[issuer.pk])
    login_as(client, issuer, Role.OWNER)
    assert 'id="did-configuration-link"' in client.get(change).content.decode()
    login_as(client, issuer, Role.VIEWER)
    page = client.get(change)
    assert page.status_code == 200 and 'id="did-configuration-link"' not in page.content.decode()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.AWARDER, Role.VIEWER])
def test_other_roles_are_refused(client, issuer, role):
    login_as(client, issuer, role)
    assert client.get(_url(issuer)).status_code == 403
    assert client.post(_url(issuer)).status_code == 403
    assert not AuditEvent.objects.filter(action="issuer.did_configuration").exists()


def test_another_institutions_owner_finds_nothing(client, issuer):
    login_as(client, IssuerFactory(), Role.OWNER)
    assert client.get(_url(issuer)).status_code == 404
    assert client.post(_url(issuer)).status_code == 404
    assert not AuditEvent.objects.filter(action="issuer.did_configuration").exists()


def test_anonymous_and_learner_accounts_are_sent_to_sign_in(client, issuer):
    response = client.post(_url(issuer))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(UserFactory(is_staff=False))
    response = client.post(_url(issuer))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not AuditEvent.objects.filter(action="issuer.did_configuration").exists()


@pytest.mark.parametrize("object_id", ["999999", "abc", "1%00", "../1"])
def test_unknown_ids_are_404(client, issuer, object_id):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(f"/admin/issuers/issuer/{object_id}/did-configuration/").status_code == 404


def test_superuser_may(client, issuer):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.post(_url(issuer)).status_code == 200


def test_an_unusable_website_address_is_explained_and_nothing_is_signed(client, issuer):
    Issuer.objects.filter(pk=issuer.pk).update(url="ftp://files.northfield.edu/")
    login_as(client, issuer, Role.OWNER)
    page = client.get(_url(issuer)).content.decode()
    assert 'id="did-configuration-problem"' in page and "did-configuration-download" not in page
    response = client.post(_url(issuer))
    assert response.status_code == 200 and "application/json" not in response["Content-Type"]
    assert not AuditEvent.objects.filter(action="issuer.did_configuration").exists()


def test_linkedin_organisation_id_is_on_the_institution_form(client, issuer):
    login_as(client, issuer, Role.OWNER)
    change = reverse("admin:issuers_issuer_change", args=[issuer.pk])
    assert 'name="linkedin_organization_id"' in client.get(change).content.decode()
    data = {
        "name": issuer.name,
        "slug": issuer.slug,
        "url": "https://www.northfield.edu/",
        "email": issuer.email,
        "description": "",
        "linkedin_organization_id": "not-a-number",
        "signing_keys-TOTAL_FORMS": "0",
        "signing_keys-INITIAL_FORMS": "0",
    }
    response = client.post(change, data)
    assert response.status_code == 200 and "A LinkedIn organisation ID is a number" in response.content.decode()
    response = client.post(change, {**data, "linkedin_organization_id": "1337"})
    assert response.status_code == 302, response.content.decode()[:2000]
    issuer.refresh_from_db()
    assert issuer.linkedin_organization_id == "1337" and urlsplit(issuer.url).hostname == "www.northfield.edu"
