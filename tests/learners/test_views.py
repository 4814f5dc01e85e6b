"""The backpack, the public/private switch, the public badge page's sharing tools, and the French pages."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from badges.public_urls import claim_token
from issuers.models import AuditEvent
from tests.factories import UserFactory
from tests.learners.helpers import issue_award, make_account

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html"}


def test_backpack_needs_sign_in_with_allauth(client):
    response = client.get(reverse("backpack"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client.get("/admin/").headers["Location"].startswith("/admin/login/")  # staff keep the admin's


def test_backpack_lists_verified_addresses_badges_only(client):
    mine = issue_award(email="ada@example.net")
    unconfirmed = issue_award(email="other@example.net")
    user = make_account("ada@example.net")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email="other@example.net", verified=False)
    client.force_login(user)
    page = client.get(reverse("backpack")).content.decode()
    assert mine.badge_class.name in page and unconfirmed.badge_class.name not in page
    assert "Make public" in page and "badge.png" in page and "credential.jwt" in page


def test_holder_makes_a_badge_public_and_it_is_audited(client, award):
    user = make_account("ada@example.net")
    client.force_login(user)
    url = reverse("award-visibility", args=[award.public_id])
    assert client.get(url).status_code == 405
    response = client.post(url, {"public": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("backpack")
    award.refresh_from_db()
    assert award.public and AuditEvent.objects.filter(action="award.publish", actor=user).exists()
    page = client.get(f"/assertions/{award.public_id}", **HTML).content.decode()
    assert "Ada Example" in page


def test_another_user_cannot_toggle_someone_elses_badge(client, award):
    make_account("ada@example.net")
    client.force_login(UserFactory(is_staff=False))
    assert client.post(reverse("award-visibility", args=[award.public_id]), {"public": "1"}).status_code == 404
    award.refresh_from_db()
    assert not award.public


def test_public_page_has_sharing_tools_and_live_verification(client, award):
    award.public = True
    award.save(update_fields=["public"])
    page = client.get(f"/assertions/{award.public_id}", **HTML).content.decode()
    assert 'property="og:image" content="http' in page and 'name="twitter:card"' in page
    assert "Verified: this badge is genuine and current." in page
    assert 'data-check="signature"' in page and 'data-check="status"' in page
    assert "<svg" in page and 'class="qr"' in page
    link = next(part for part in page.split('"') if part.startswith("https://www.linkedin.com/profile/add"))
    params = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert params["name"] == [award.badge_class.name] and params["certId"] == [award.public_id]
    assert params["issueYear"] == [str(award.issued_on.year)] and params["startTask"] == ["CERTIFICATION_NAME"]


def test_claim_link_invites_sign_up_with_the_address(client, award):
    page = client.get(f"/assertions/{award.public_id}", {"claim": claim_token(award)}, **HTML).content.decode()
    assert "Keep this badge" in page and "email=ada%40example.net" in page
    assert "linkedin.com" not in page  # private: nothing to share yet


def test_french_pages(client, award):
    client.cookies["django_language"] = "fr"
    page = client.get(f"/assertions/{award.public_id}", {"claim": claim_token(award)}, **HTML).content.decode()
    assert '<html lang="fr">' in page
    assert "Garder ce badge" in page and "Décerné à" in page and "Vérification" in page
    login = client.get(reverse("account_login")).content.decode()
    assert "Se connecter" in login
    issuer = client.get(f"/issuers/{award.issuer.public_id}", **HTML).content.decode()
    assert "Badges proposés" in issuer


def test_language_switcher_sets_french(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": reverse("account_login")})
    assert response.status_code == 302
    assert "Se connecter" in client.get(reverse("account_login")).content.decode()


def test_account_pages_use_the_site_layout(client):
    for name in ("account_login", "account_signup", "account_reset_password", "account_request_login_code"):
        page = client.get(reverse(name)).content.decode()
        assert 'class="account"' in page and "laurel.css" in page and 'href="#main"' in page, name
