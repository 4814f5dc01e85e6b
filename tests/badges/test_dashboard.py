"""The institution's dashboard and alerts (badges/dashboard.py, badges/admin_dashboard.py), and the counters they
read: views of the public page and verifications of our own awards. Over HTTP, as staff use them."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from badges.dashboard import dashboard_for
from badges.issuing import awards_issue
from badges.models import Award, AwardStatus, WorkerHeartbeat
from courses.services import enrolment_complete
from issuers.models import IssuerMembership, Role
from issuers.public_urls import absolute
from learners.services import learner_get_or_create
from tests.factories import BadgeClassFactory, CourseFactory, EnrolmentFactory, IssuerFactory, UserFactory
from tests.learners.helpers import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_queue(monkeypatch):
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)


def staff_of(issuer, role=Role.VIEWER):
    user = UserFactory()
    IssuerMembership.objects.create(issuer=issuer, user=user, role=role)
    return user


def award_many(course, count: int, *, prefix: str = "learner", names=None) -> list[Award]:
    """`count` completions of `course`, issued through the pipeline."""
    ids = []
    for i in range(count):
        name = names[i] if names else f"Learner {i}"
        learner = learner_get_or_create(issuer=course.issuer, email=f"{prefix}{i}@example.net", name=name)
        ids.append(enrolment_complete(actor=None, enrolment=EnrolmentFactory(learner=learner, course=course)).id)
    awards_issue(award_ids=ids)
    return list(Award.objects.filter(id__in=ids).order_by("id"))


def make_ten_awards():
    """10 issued awards; 4 learners claim theirs (accounts verifying the addresses), 2 make theirs public."""
    course = CourseFactory()
    awards = award_many(course, 10)
    for award in awards[:4]:
        make_account(award.learner.email)
    Award.objects.filter(id__in=[a.id for a in awards[:2]]).update(public=True)
    return course, awards


@pytest.fixture
def ten_awards():
    return make_ten_awards()


def metric(html: str, name: str, row: str = "total") -> int:
    match = re.search(rf'id="{row}-{name}"[^>]*>\s*(\d+)\s*<', html)
    assert match, f"no {row}-{name} on the page"
    return int(match.group(1))


def test_dashboard_reads_10_issued_4_claimed_2_public(client, ten_awards):
    """The issue's own example: 10 awards, 4 claimed, 2 public, read on the dashboard."""
    course, _awards = ten_awards
    client.force_login(staff_of(course.issuer))
    page = client.get(reverse("admin-dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert (metric(html, "issued"), metric(html, "claimed"), metric(html, "public")) == (10, 4, 2)
    assert metric(html, "pending") == metric(html, "failed") == metric(html, "revoked") == 0
    row = f"badge-{course.badge_class.public_id}"
    assert (metric(html, "issued", row), metric(html, "claimed", row), metric(html, "public", row)) == (10, 4, 2)
    # The chart is drawn on the server: an SVG with one bar per week, no script.
    assert "<svg" in html and html.count('class="chart-bar"') == 12
    assert "<script>" not in html and " style=" not in html


def test_dashboard_counts_with_a_few_queries_however_many_awards(client, ten_awards):
    """Counting is aggregate queries: more awards never mean more queries."""
    course, _awards = ten_awards
    with CaptureQueriesContext(connection) as few:
        dashboard_for(issuer_ids=[course.issuer_id])
    award_many(course, 15, prefix="more")
    with CaptureQueriesContext(connection) as many:
        board = dashboard_for(issuer_ids=[course.issuer_id])
    assert len(many) == len(few) <= 6
    assert board.totals["issued"] == 25
    assert board.chart[-1].count == 25 and sum(bar.count for bar in board.chart) == 25  # all issued this week


def test_dashboard_counts_every_state(client):
    """Pending, failed, revoked, e-mailed, verified and expiring each land in their own column."""
    course = CourseFactory(badge_class__validity_days=20)
    awards = award_many(course, 6)
    now = timezone.now()
    Award.objects.filter(id=awards[0].id).update(status=AwardStatus.PENDING)
    Award.objects.filter(id=awards[1].id).update(status=AwardStatus.FAILED, failure_reason="artwork unreadable")
    Award.objects.filter(id=awards[2].id).update(status=AwardStatus.REVOKED, revoked_at=now)
    Award.objects.filter(id=awards[3].id).update(notified_at=now, verification_count=3)
    Award.objects.filter(id=awards[4].id).update(expires_on=now + timedelta(days=400))
    totals = dashboard_for(issuer_ids=[course.issuer_id]).totals
    assert totals["issued"] == 3 and totals["pending"] == 1 and totals["failed"] == 1 and totals["revoked"] == 1
    assert totals["emailed"] == 1 and totals["verified"] == 1 and totals["verifications"] == 3
    assert totals["expiring"] == 2  # validity 20 days: both untouched issued awards expire within 30


def test_dashboard_of_another_institution_is_refused(client, ten_awards):
    """Staff of institution B asking for A's dashboard see nothing of A (404), and their own shows only theirs."""
    course, _awards = ten_awards
    other = IssuerFactory()
    client.force_login(staff_of(other))
    assert client.get(reverse("admin-dashboard"), {"issuer": course.issuer.public_id}).status_code == 404
    html = client.get(reverse("admin-dashboard")).content.decode()
    assert metric(html, "issued") == 0
    assert course.badge_class.name not in html


def test_dashboard_selector_lists_only_the_users_institutions(client, ten_awards):
    """A member of two institutions picks one; the choices name only theirs."""
    course, _awards = ten_awards
    second = IssuerFactory(name="Second School")
    user = staff_of(course.issuer)
    IssuerMembership.objects.create(issuer=second, user=user, role=Role.VIEWER)
    stranger = IssuerFactory(name="Stranger College")
    client.force_login(user)
    html = client.get(reverse("admin-dashboard")).content.decode()
    assert "Second School" in html and "Stranger College" not in html
    assert metric(html, "issued") == 10
    html = client.get(reverse("admin-dashboard"), {"issuer": second.public_id}).content.decode()
    assert metric(html, "issued") == 0
    assert client.get(reverse("admin-dashboard"), {"issuer": stranger.public_id}).status_code == 404
    assert client.get(reverse("admin-dashboard"), {"issuer": "<script>"}).status_code == 404


def test_dashboard_refuses_anonymous_and_learners(client, ten_awards):
    """Anonymous visitors go to sign-in; a learner account (not staff) never sees the page."""
    assert client.get(reverse("admin-dashboard")).status_code == 302
    client.force_login(make_account("someone@example.net"))
    assert client.get(reverse("admin-dashboard")).status_code == 302


# -- alerts ---------------------------------------------------------------------------------------------------


def test_alerts_pending_failed_and_email_on_the_dashboard_and_the_index(client, settings):
    """Awards stuck pending past the grace period, failed awards with their reason, and e-mails that could not be
    sent, each an alert linking to the filtered award list, on the dashboard and the admin index."""
    settings.AWARD_PENDING_GRACE_SECONDS = 60
    course = CourseFactory()
    awards = award_many(course, 4)
    old = timezone.now() - timedelta(minutes=10)
    Award.objects.filter(id=awards[0].id).update(status=AwardStatus.PENDING, created_at=old)
    Award.objects.filter(id=awards[1].id).update(status=AwardStatus.FAILED, failure_reason="Artwork is unreadable")
    Award.objects.filter(id=awards[2].id).update(email_failed_at=timezone.now(), email_failure="550 no such user")
    client.force_login(staff_of(course.issuer))
    changelist = reverse("admin:badges_award_changelist")
    for url in (reverse("admin-dashboard"), reverse("admin:index")):
        html = client.get(url).content.decode()
        assert "1 badge has been pending" in html, url
        assert "Artwork is unreadable" in html
        assert f"{changelist}?status__exact=pending" in html
        assert f"{changelist}?status__exact=failed" in html
        assert f"{changelist}?email=failed" in html
    # The links open the list filtered as they say.
    assert client.get(f"{changelist}?email=failed").status_code == 200
    listed = client.get(f"{changelist}?email=failed").content.decode()
    assert awards[2].learner.email in listed and awards[3].learner.email not in listed


def test_alerts_of_another_institution_are_not_shown(client, settings):
    """B's staff never read A's failure reasons."""
    course = CourseFactory()
    awards = award_many(course, 1)
    Award.objects.filter(id=awards[0].id).update(status=AwardStatus.FAILED, failure_reason="Secret reason of A")
    client.force_login(staff_of(IssuerFactory()))
    for url in (reverse("admin-dashboard"), reverse("admin:index")):
        assert "Secret reason of A" not in client.get(url).content.decode()


def test_worker_alert_follows_the_heartbeat(client, settings):
    """No heartbeat, or none for 3 intervals: staff are told the worker is not running; a fresh one clears it."""
    settings.WORKER_HEARTBEAT_SECONDS = 30
    issuer = IssuerFactory()
    client.force_login(staff_of(issuer))
    url = reverse("admin-dashboard")
    assert "worker-alert" in client.get(url).content.decode()
    WorkerHeartbeat.objects.create(hostname="celery@a", seen_at=timezone.now() - timedelta(seconds=200))
    assert "worker-alert" in client.get(url).content.decode()
    WorkerHeartbeat.objects.create(hostname="celery@b", seen_at=timezone.now() - timedelta(seconds=20))
    assert "worker-alert" not in client.get(url).content.decode()
    assert "worker-alert" not in client.get(reverse("admin:index")).content.decode()


def test_heartbeat_task_writes_the_workers_hostname():
    """The beat task records the worker that ran it (one row per hostname, updated in place)."""
    from badges.tasks import worker_heartbeat_task

    worker_heartbeat_task.apply()
    first = WorkerHeartbeat.objects.get()
    worker_heartbeat_task.apply()
    again = WorkerHeartbeat.objects.get()
    assert again.hostname == first.hostname and again.seen_at >= first.seen_at
    assert timezone.now() - again.seen_at < timedelta(seconds=5)


def test_heartbeat_is_scheduled_and_can_be_sent(settings):
    """Beat sends it with the entry's options: a task option Celery refuses would silence every heartbeat."""
    from badges.tasks import worker_heartbeat_task

    (entry,) = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == worker_heartbeat_task.name]
    worker_heartbeat_task.apply_async(**entry.get("options", {}))  # the in-memory broker of the unit tests


# -- counters -------------------------------------------------------------------------------------------------


def test_verification_through_the_api_and_the_page_counts(client):
    """Each verification of one of our awards (API by id, /verify with its URL) adds one; JSON fetches do not."""
    course = CourseFactory()
    (award,) = award_many(course, 1)
    assert client.get(f"/api/v1/awards/{award.public_id}/verify").status_code == 200
    award.refresh_from_db()
    assert award.verification_count == 1 and award.last_verified_at is not None
    assert client.get("/verify", {"url": absolute(f"assertions/{award.public_id}")}).status_code == 200
    award.refresh_from_db()
    assert award.verification_count == 2
    response = client.post("/api/v1/verify", {"credential": award.ob3_jwt}, content_type="application/json")
    assert response.status_code == 200
    award.refresh_from_db()
    assert award.verification_count == 3
    # The hosted JSON document is fetched by any verifier and by our own page: not counted.
    client.get(f"/assertions/{award.public_id}", HTTP_ACCEPT="application/ld+json")
    award.refresh_from_db()
    assert award.verification_count == 3 and award.view_count == 0


def test_public_page_views_by_others_count_and_the_holders_do_not(client):
    course = CourseFactory()
    (award,) = award_many(course, 1)
    Award.objects.filter(id=award.id).update(public=True)
    assert client.get(f"/assertions/{award.public_id}", HTTP_ACCEPT="text/html").status_code == 200
    award.refresh_from_db()
    assert award.view_count == 1
    client.force_login(make_account(award.learner.email))
    client.get(f"/assertions/{award.public_id}", HTTP_ACCEPT="text/html")
    award.refresh_from_db()
    assert award.view_count == 1


def test_forged_credential_naming_our_award_does_not_count(client):
    """A pasted document that claims one of our ids but fails its signature is not a verification of our award."""
    course = CourseFactory()
    (award,) = award_many(course, 1)
    forged = dict(award.ob3_credential)
    forged["name"] = "Something else"
    import json

    client.post("/api/v1/verify", {"credential": json.dumps(forged)}, content_type="application/json")
    award.refresh_from_db()
    assert award.verification_count == 0


def test_counting_leaves_the_verification_cache_alone(client):
    """Counting writes with UPDATE ... F(): updated_at (the verification cache key) stays as it was."""
    course = CourseFactory()
    (award,) = award_many(course, 1)
    before = Award.objects.get(id=award.id).updated_at
    client.get(f"/api/v1/awards/{award.public_id}/verify")
    assert Award.objects.get(id=award.id).updated_at == before


def test_badge_classes_without_awards_are_listed():
    badge = BadgeClassFactory()
    board = dashboard_for(issuer_ids=[badge.issuer_id])
    assert [row["name"] for row in board.rows] == [badge.name]


def test_unsendable_award_email_is_recorded_on_the_award_and_alerted(client, monkeypatch):
    """The mail server refuses a learner's address for good: the award records when and why, staff see the alert,
    and a later successful resend clears it."""
    import smtplib

    from badges.notifications import awards_notify

    course = CourseFactory()
    (award,) = award_many(course, 1)

    def refuse(message):
        raise smtplib.SMTPRecipientsRefused({award.learner.email: (550, b"5.1.1 no such user")})

    monkeypatch.setattr("badges.notifications._deliver", refuse)
    assert awards_notify(award_ids=[award.id]) == 0
    award.refresh_from_db()
    assert award.email_failed_at is not None and "no such user" in award.email_failure
    client.force_login(staff_of(course.issuer))
    html = client.get(reverse("admin-dashboard")).content.decode()
    assert "could not be sent" in html and "no such user" in html
    page = client.get(reverse("admin:badges_award_change", args=[award.pk])).content.decode()
    assert 'id="award-email"' in page and "no such user" in page

    monkeypatch.setattr("badges.notifications._deliver", lambda message: None)
    Award.objects.filter(id=award.id).update(notified_at=None)
    assert awards_notify(award_ids=[award.id]) == 1
    award.refresh_from_db()
    assert award.email_failed_at is None
    assert "could not be sent" not in client.get(reverse("admin-dashboard")).content.decode()
