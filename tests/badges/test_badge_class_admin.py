"""The badge-class admin over HTTP: the public id is shown only once saved, and the artwork is linked where it is
served (the public image URL), not under MEDIA_URL, which nothing serves."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from badges.models import BadgeClass
from issuers.models import Role
from tests.factories import BadgeClassFactory, MembershipFactory, badge_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client):
    owner = MembershipFactory()
    client.force_login(owner.user)
    return client, owner


def test_add_badge_class_form_shows_no_public_id_that_the_saved_badge_would_not_have(owner_client):
    """The add form showed a freshly drawn public id; the saved badge class got another. The add form shows none;
    the change page shows the saved one, read-only."""
    client, owner = owner_client
    page = client.get(reverse("admin:badges_badgeclass_add")).content.decode()
    assert "field-public_id" not in page
    response = client.post(
        reverse("admin:badges_badgeclass_add"),
        {
            "issuer": owner.issuer.pk,
            "name": "Data Steward",
            "description": "Looks after data.",
            "criteria_narrative": "Pass the project.",
            "image": SimpleUploadedFile("a.png", badge_png(), content_type="image/png"),
            "tags": "",
            "achievement_type": "Achievement",
            "alignments-TOTAL_FORMS": "0",
            "alignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    badge = BadgeClass.objects.get(name="Data Steward")
    change = client.get(reverse("admin:badges_badgeclass_change", args=[badge.pk])).content.decode()
    assert badge.public_id in change
    assert 'name="public_id"' not in change


def test_artwork_link_and_preview_point_at_the_served_public_image(owner_client, settings):
    """The artwork link on the badge-class page went to /media/..., a 404 (media is not served). The link and the
    preview point at the public image URL, which answers 200 with the artwork."""
    client, owner = owner_client
    badge = BadgeClassFactory(issuer=owner.issuer)
    change = client.get(reverse("admin:badges_badgeclass_change", args=[badge.pk])).content.decode()
    image_url = reverse("badge-class-image", args=[badge.public_id])
    assert f'href="/{settings.MEDIA_URL}' not in change and 'href="media/' not in change
    assert f'href="{image_url}?v=' in change
    assert f'src="{image_url}?v=' in change
    served = client.get(image_url)
    assert served.status_code == 200 and served.content.startswith(b"\x89PNG")


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AWARDER])
def test_read_only_badge_class_page_shows_the_served_artwork(client, role):
    """Staff who may only view badge classes open the page read-only: it answers (no server error) and shows the
    artwork from its public URL, not a link under MEDIA_URL, which nothing serves."""
    member = MembershipFactory(role=role)
    badge = BadgeClassFactory(issuer=member.issuer)
    client.force_login(member.user)
    response = client.get(reverse("admin:badges_badgeclass_change", args=[badge.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    image_url = reverse("badge-class-image", args=[badge.public_id])
    assert f'src="{image_url}?v=' in page and f'href="{image_url}?v=' in page
    assert "/media/" not in page and 'href="media/' not in page
