"""The verification page: an accessible form, a link that verifies at once (?url=), and the e-mail never echoed."""

import pytest

from tests.badges.verification.issued import issue

pytestmark = pytest.mark.django_db


def test_form_has_labels_and_help(client):
    page = client.get("/verify").content.decode()
    for name in ("url", "file", "text", "email"):
        assert f'<label for="id_{name}">' in page and f'aria-describedby="id_{name}-help"' in page
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page


def test_verify_link_from_a_badge_page(client):
    award = issue()
    page = client.get("/verify", {"url": award.ob2_assertion["id"]})
    body = page.content.decode()
    assert page.status_code == 200 and "Valid" in body and award.badge_class.name in body
    assert "known by its hosted profile" in body and "no-store" in page["Cache-Control"]


def test_recipient_answer_does_not_repeat_the_address(client):
    award = issue()
    page = client.post("/verify", {"text": award.ob3_jwt, "email": "someone.else@example.org"}).content.decode()
    assert "was not issued to the e-mail address you gave" in page
    assert "someone.else@example.org" not in page.split("</form>")[0].split('class="verify-form"')[0]
