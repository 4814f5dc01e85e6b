"""Corrections of awards (an award is a public record): correct a name or evidence, re-issue after a revocation,
renew, withdraw, bulk revoke, resend — through the services, the admin and the API."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from badges.issuing import award_issue
from badges.models import Award, AwardStatus
from badges.openbadges.ob3.status_list import decode_list, get_bit
from badges.services import SUPERSEDED, AwardError, award_correct, award_reissue, award_revoke
from badges.status_lists import status_list_credential
from courses.models import Enrolment, EnrolmentStatus
from courses.services import enrolment_complete
from issuers.api_keys import api_key_create
from issuers.models import ApiKeyScope, AuditEvent, IssuerMembership, Role
from learners.models import LearnerName
from tests.factories import CourseFactory, EnrolmentFactory, IssuerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls: list[list[int]] = []
    monkeypatch.setattr("badges.services._queue_issue", calls.append)
    monkeypatch.setattr("badges.issuing.queue_notify", lambda ids: None)
    return calls


@pytest.fixture
def issued(queued):
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory())
    award_issue(award_id=award.id)
    award.refresh_from_db()
    return award


def _bit(award: Award) -> bool:
    bits = decode_list(status_list_credential(issuer=award.issuer)["credentialSubject"]["encodedList"])
    return get_bit(bits, award.status_list_index)


def test_a_name_correction_changes_the_institutions_name_and_keeps_the_badge(issued):
    """No signed document carries the name: the same award stays live, only LearnerName changes."""
    result = award_correct(actor=None, award=issued, name="Ada Lovelace")
    assert result.pk == issued.pk and result.status == AwardStatus.ISSUED
    assert LearnerName.objects.get(issuer=issued.issuer, learner=issued.learner).name == "Ada Lovelace"
    assert AuditEvent.objects.filter(action="award.correct_name").count() == 1
    award_correct(actor=None, award=issued, name="Ada Lovelace")  # the same correction again changes nothing
    assert AuditEvent.objects.filter(action="award.correct_name").count() == 1


def test_an_evidence_correction_revokes_as_superseded_and_issues_a_new_award(
    issued, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = award_correct(actor=None, award=issued, evidence_url="https://example.org/work", narrative="Redone")
    old = Award.objects.get(pk=issued.pk)
    assert old.status == AwardStatus.REVOKED and old.revocation_reason == SUPERSEDED and _bit(old)
    assert new.pk != old.pk and new.public_id != old.public_id and new.supersedes_id == old.pk
    assert new.enrolment_id == old.enrolment_id and new.issued_on == old.issued_on
    assert new.evidence_url == "https://example.org/work" and new.status == AwardStatus.PENDING
    assert [new.id] in queued
    same = award_correct(actor=None, award=new, evidence_url="https://example.org/work", narrative="Redone")
    assert same.pk == new.pk  # equal to the live award: nothing happens


def test_a_correction_refuses_a_script_url_and_a_revoked_award(issued):
    with pytest.raises(AwardError):
        award_correct(actor=None, award=issued, evidence_url="javascript:alert(1)")
    with pytest.raises(AwardError):
        award_correct(actor=None, award=issued, name="Eve\nBcc: x@example.org")
    award_revoke(actor=None, award=issued, reason="Mistake")
    with pytest.raises(AwardError):
        award_correct(actor=None, award=issued, narrative="Other")
    assert Award.objects.count() == 1


def test_reissue_makes_a_new_award_and_the_revoked_one_stays(issued, queued):
    with pytest.raises(AwardError):
        award_reissue(actor=None, award=issued)  # not revoked
    award_revoke(actor=None, award=issued, reason="Mistake")
    new = award_reissue(actor=None, award=issued)
    assert new.supersedes_id == issued.pk and new.status == AwardStatus.PENDING
    assert Award.objects.get(pk=issued.pk).status == AwardStatus.REVOKED
    with pytest.raises(AwardError):
        award_reissue(actor=None, award=issued)  # already replaced
    assert AuditEvent.objects.filter(action="award.reissue").count() == 1


# -- through the admin -------------------------------------------------------------------------------------------

LIST = "/admin/badges/award/"


def staff_of(issuer, role=Role.OWNER):
    user = UserFactory()
    IssuerMembership.objects.create(issuer=issuer, user=user, role=role)
    return user


def act(client, action: str, awards, **extra):
    return client.post(LIST, {"action": action, ACTION_CHECKBOX_NAME: [a.pk for a in awards], **extra})


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_reissue_action_makes_a_new_award_and_the_admin_shows_the_chain(client, issued):
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    award_revoke(actor=None, award=issued, reason="Mistake")
    response = act(client, "reissue", [issued])
    assert response.status_code == 302, response.content.decode()[:500]
    new = Award.objects.get(supersedes=issued)
    assert any("1 badge(s) re-issued" in m for m in messages_of(response))
    page = client.get(f"{LIST}{new.pk}/change/").content.decode()
    assert f"{LIST}{issued.pk}/change/" in page and issued.public_id in page  # "supersedes" link
    page = client.get(f"{LIST}{issued.pk}/change/").content.decode()
    assert f"{LIST}{new.pk}/change/" in page and new.public_id in page  # "superseded by" link
    response = act(client, "reissue", [issued])  # already replaced: said, nothing made
    assert Award.objects.count() == 2 and any("already been replaced" in m for m in messages_of(response))


def test_reissue_of_a_live_award_is_skipped_with_a_message(client, issued):
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    response = act(client, "reissue", [issued])
    assert Award.objects.count() == 1 and any("Only a revoked badge" in m for m in messages_of(response))


def test_completing_a_revoked_enrolment_again_does_not_reissue_it(issued):
    award_revoke(actor=None, award=issued, reason="Mistake")
    again = enrolment_complete(actor=None, enrolment=issued.enrolment)
    assert again.pk == issued.pk and again.status == AwardStatus.REVOKED and Award.objects.count() == 1


def test_renew_action_renews_an_expiring_award(client, queued):
    course = CourseFactory(badge_class__validity_days=30)
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory(course=course))
    award_issue(award_id=award.id)
    client.force_login(staff_of(award.issuer, Role.AWARDER))
    before = Award.objects.get(pk=award.pk).expires_on
    response = act(client, "renew", [award])
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.expires_on > before and award.status == AwardStatus.PENDING
    assert any("1 badge(s) renewed" in m for m in messages_of(response))


def test_renew_of_a_badge_that_never_expires_says_why(client, issued):
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    response = act(client, "renew", [issued])
    assert any("never expires" in m for m in messages_of(response))


def test_correct_page_previews_then_changes_the_name_only(client, issued):
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    url = f"{LIST}{issued.pk}/correct/"
    page = client.get(url)
    assert page.status_code == 200
    form = {"name": "Ada Lovelace", "evidence_url": issued.evidence_url, "narrative": issued.narrative}
    preview = client.post(url, {**form, "review": "1"}).content.decode()
    assert "The name changes on the institution" in preview and "re-issued" not in preview
    assert not LearnerName.objects.filter(name="Ada Lovelace").exists()  # the review step changes nothing
    response = client.post(url, {**form, "apply": "1"})
    assert response.status_code == 302
    assert LearnerName.objects.get(issuer=issued.issuer, learner=issued.learner).name == "Ada Lovelace"
    assert Award.objects.count() == 1


def test_correct_page_reissues_for_new_evidence(client, issued):
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    url = f"{LIST}{issued.pk}/correct/"
    form = {"name": "", "evidence_url": "https://example.org/portfolio", "narrative": ""}
    preview = client.post(url, {**form, "review": "1"}).content.decode()
    assert "re-issued" in preview and "superseded" in preview
    response = client.post(url, {**form, "apply": "1"})
    new = Award.objects.get(supersedes=issued)
    assert response.status_code == 302 and response["Location"].endswith(f"{LIST}{new.pk}/change/")
    assert new.evidence_url == "https://example.org/portfolio"


def test_correct_page_shows_a_bad_url_as_a_form_error(client, issued):
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    url = f"{LIST}{issued.pk}/correct/"
    response = client.post(url, {"name": "A", "evidence_url": "javascript:alert(1)", "narrative": "", "apply": "1"})
    assert response.status_code == 200 and Award.objects.count() == 1


def test_correct_action_opens_the_page_for_one_award(client, issued):
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    response = act(client, "correct", [issued])
    assert response.status_code == 302 and response["Location"].endswith(f"{LIST}{issued.pk}/correct/")


@pytest.mark.parametrize("action", ["reissue", "renew", "correct", "revoke", "notify_again"])
def test_another_institutions_staff_acting_on_our_award_is_refused(client, issued, action):
    """Staff of institution B select institution A's award in an action: refused, nothing changes."""
    award_revoke(actor=None, award=issued, reason="Mistake") if action == "reissue" else None
    client.force_login(staff_of(IssuerFactory(), Role.OWNER))
    response = act(client, action, [issued], reason="x", apply="1")
    assert response.status_code == 403
    assert Award.objects.count() == 1


def test_another_institutions_staff_opening_our_correct_page_is_refused(client, issued):
    """The correction page of another institution's award answers 404, like an unknown award; POST changes nothing."""
    client.force_login(staff_of(IssuerFactory(), Role.OWNER))
    url = f"{LIST}{issued.pk}/correct/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "Mallory", "apply": "1"}).status_code == 404
    assert client.get(f"{LIST}999999/correct/").status_code == 404
    assert not LearnerName.objects.filter(name="Mallory").exists()


@pytest.mark.parametrize("action", ["reissue", "renew", "correct", "revoke", "notify_again"])
def test_a_viewer_acting_on_an_award_is_refused(client, issued, action):
    """A viewer of the institution has no award actions; posting one anyway changes nothing."""
    client.force_login(staff_of(issued.issuer, Role.VIEWER))
    response = act(client, action, [issued], reason="x", apply="1")
    assert response.status_code in (200, 302, 403)
    assert Award.objects.get(pk=issued.pk).status == AwardStatus.ISSUED and Award.objects.count() == 1
    assert client.get(f"{LIST}{issued.pk}/correct/").status_code == 403


def test_resend_sends_only_for_issued_live_awards_and_says_so(client, issued, mailoutbox):
    other = enrolment_complete(actor=None, enrolment=EnrolmentFactory(course=issued.enrolment.course))
    award_issue(award_id=other.id)
    award_revoke(actor=None, award=other, reason="Mistake")
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    response = act(client, "notify_again", [issued, other])
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [issued.learner.email]
    text = " ".join(messages_of(response))
    assert "1 e-mail(s) sent again" in text and "1 badge(s) skipped" in text


# -- through the API ---------------------------------------------------------------------------------------------


def renew_api(client, award):
    return client.post(f"/api/v1/awards/{award.public_id}/renew", {}, format="json")


@pytest.fixture
def expiring(queued):
    course = CourseFactory(badge_class__validity_days=30)
    award = enrolment_complete(actor=None, enrolment=EnrolmentFactory(course=course))
    award_issue(award_id=award.id)
    award.refresh_from_db()
    return award


def key_client(issuer, scope=ApiKeyScope.COMPLETE) -> APIClient:
    owner = staff_of(issuer, Role.OWNER)
    secret = api_key_create(actor=owner, issuer=issuer, name="LMS", scope=scope).secret
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_renew_api_with_a_complete_key_renews(expiring):
    before = expiring.expires_on
    response = renew_api(key_client(expiring.issuer), expiring)
    assert response.status_code == 200, response.content
    assert response.json()["award"] == expiring.public_id and response.json()["status"] == "pending"
    assert Award.objects.get(pk=expiring.pk).expires_on > before


def test_renew_api_of_another_institutions_award_is_the_same_404_as_unknown(expiring):
    """A key of institution B renewing A's award learns nothing: the same 404 as an id that does not exist."""
    client = key_client(IssuerFactory())
    theirs = renew_api(client, expiring)
    unknown = client.post("/api/v1/awards/doesnotexist/renew", {}, format="json")
    assert theirs.status_code == unknown.status_code == 404 and theirs.json() == unknown.json()
    assert Award.objects.get(pk=expiring.pk).expires_on == expiring.expires_on


def test_renew_api_refuses_a_read_key_anonymous_and_a_viewer(client, expiring):
    assert renew_api(key_client(expiring.issuer, ApiKeyScope.READ), expiring).status_code == 403
    assert renew_api(APIClient(), expiring).status_code == 401
    viewer = APIClient()
    viewer.force_login(staff_of(expiring.issuer, Role.VIEWER))
    assert renew_api(viewer, expiring).status_code == 403
    assert Award.objects.get(pk=expiring.pk).expires_on == expiring.expires_on


def test_renew_api_by_staff_session_and_a_badge_that_never_expires(issued):
    staff = APIClient()
    staff.force_login(staff_of(issued.issuer, Role.AWARDER))
    response = renew_api(staff, issued)
    assert response.status_code == 400 and "never expires" in response.json()["detail"]


def test_renew_api_is_throttled(expiring, settings):
    settings.COMPLETIONS_THROTTLE_RATE = "2/minute"
    client = key_client(expiring.issuer)
    codes = [renew_api(client, expiring).status_code for _ in range(3)]
    assert codes[-1] == 429


def test_renew_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema", {"format": "json"}).json()
    assert "post" in schema["paths"]["/api/v1/awards/{public_id}/renew"]


# -- withdrawing an enrolment ------------------------------------------------------------------------------------

ENROLMENTS = "/admin/courses/enrolment/"


def test_withdraw_action_withdraws_an_enrolment_without_a_live_badge(client, issued):
    """A completed enrolment whose badge is live is refused (revoke first, the reason is public); once revoked, it
    is withdrawn, and a re-issue of its badge is then refused."""
    open_one = EnrolmentFactory(course=issued.enrolment.course)
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    ids = [issued.enrolment.pk, open_one.pk]
    response = client.post(ENROLMENTS, {"action": "withdraw", ACTION_CHECKBOX_NAME: ids})
    assert response.status_code == 302
    text = " ".join(messages_of(response))
    assert "1 enrolment withdrawn" in text and "revoke it first" in text
    assert Enrolment.objects.get(pk=open_one.pk).status == EnrolmentStatus.WITHDRAWN
    assert Enrolment.objects.get(pk=issued.enrolment.pk).status == EnrolmentStatus.COMPLETED
    award_revoke(actor=None, award=issued, reason="Cheating")
    client.post(ENROLMENTS, {"action": "withdraw", ACTION_CHECKBOX_NAME: [issued.enrolment.pk]})
    assert Enrolment.objects.get(pk=issued.enrolment.pk).status == EnrolmentStatus.WITHDRAWN
    with pytest.raises(AwardError):
        award_reissue(actor=None, award=issued)
    assert AuditEvent.objects.filter(action="enrolment.withdraw").count() == 2


def test_withdraw_by_another_institution_or_a_viewer_is_refused(client, issued):
    """Staff of another institution get 403; a viewer has no such action; nothing is withdrawn."""
    open_one = EnrolmentFactory(course=issued.enrolment.course)
    client.force_login(staff_of(IssuerFactory(), Role.OWNER))
    assert client.post(ENROLMENTS, {"action": "withdraw", ACTION_CHECKBOX_NAME: [open_one.pk]}).status_code == 403
    client.force_login(staff_of(issued.issuer, Role.VIEWER))
    client.post(ENROLMENTS, {"action": "withdraw", ACTION_CHECKBOX_NAME: [open_one.pk]})
    assert Enrolment.objects.get(pk=open_one.pk).status == EnrolmentStatus.ENROLLED


# -- bulk revocation from a CSV ----------------------------------------------------------------------------------

BULK = "/admin/badges/award/bulk-revoke/"


def upload(client, content: bytes, name="revoke.csv"):
    return client.post(BULK, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


@pytest.fixture
def bulk_world(queued):
    """Institution A: three issued awards (one learner with two badges), one revoked; institution B: one award."""
    course = CourseFactory()
    other_course = CourseFactory(issuer=course.issuer)
    twice = EnrolmentFactory(course=course)
    awards = {
        "one": enrolment_complete(actor=None, enrolment=EnrolmentFactory(course=course)),
        "twice_a": enrolment_complete(actor=None, enrolment=twice),
        "twice_b": enrolment_complete(
            actor=None, enrolment=EnrolmentFactory(course=other_course, learner=twice.learner)
        ),
        "revoked": enrolment_complete(actor=None, enrolment=EnrolmentFactory(course=course)),
        "theirs": enrolment_complete(actor=None, enrolment=EnrolmentFactory()),
    }
    for award in awards.values():
        award_issue(award_id=award.id)
    award_revoke(actor=None, award=awards["revoked"], reason="Earlier")
    return {k: Award.objects.get(pk=a.pk) for k, a in awards.items()}


def test_bulk_revoke_dry_run_says_what_each_row_will_do_and_changes_nothing(client, bulk_world):
    w = bulk_world
    client.force_login(staff_of(w["one"].issuer, Role.AWARDER))
    content = (
        "Award ID;Note\n"
        f"{w['one'].public_id};x\n"
        f"{w['revoked'].public_id};\n"
        f"{w['theirs'].public_id};\n"
        "doesnotexist;\n"
        f"{w['twice_a'].learner.email.upper()};\n"
        f"{w['theirs'].learner.email};\n"
        f"{w['one'].public_id};\n"
    ).encode()
    page = upload(client, content)
    assert page.status_code == 200
    rows = {row.value: row.outcome for row in page.context["plan"].rows}
    assert rows[w["one"].public_id] in ("revoke", "duplicate")
    assert rows[w["revoked"].public_id] == "already_revoked"
    assert rows[w["theirs"].public_id] == rows["doesnotexist"] == rows[w["theirs"].learner.email] == "unknown"
    assert rows[w["twice_a"].learner.email.upper()] == "ambiguous"
    html = page.content.decode()
    assert "no badge with this id or address at your institutions" in html and "list their award ids" in html
    assert 'name="apply"' not in html  # unknown and ambiguous rows stop the whole file
    assert Award.objects.filter(status=AwardStatus.REVOKED).count() == 1


def test_bulk_revoke_applies_all_with_one_reason(client, bulk_world, django_capture_on_commit_callbacks):
    w = bulk_world
    client.force_login(staff_of(w["one"].issuer, Role.AWARDER))
    content = f"{w['one'].public_id}\t\n{w['twice_a'].public_id}\n{w['revoked'].learner.email}\n".encode()
    page = upload(client, content)
    assert [r.outcome for r in page.context["plan"].rows] == ["revoke", "revoke", "already_revoked"]
    token = page.context["token"]
    refused = client.post(BULK, {"token": token, "reason": "  ", "apply": "1"})
    assert refused.status_code == 200 and Award.objects.filter(status=AwardStatus.REVOKED).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BULK, {"token": token, "reason": "Exam fraud", "apply": "1"})
    assert response.status_code == 302
    assert any("2 badge(s) revoked" in m for m in messages_of(response))
    for key in ("one", "twice_a"):
        award = Award.objects.get(pk=w[key].pk)
        assert award.status == AwardStatus.REVOKED and award.revocation_reason == "Exam fraud" and _bit(award)
    assert Award.objects.get(pk=w["twice_b"].pk).status == AwardStatus.ISSUED
    assert AuditEvent.objects.filter(action="award.revoke", details__reason="Exam fraud").count() == 2


def test_bulk_revoke_token_of_another_user_or_tampered_is_refused(client, bulk_world):
    """A dry run's token replayed by another institution's owner, or altered, revokes nothing."""
    w = bulk_world
    client.force_login(staff_of(w["one"].issuer, Role.AWARDER))
    token = upload(client, f"{w['one'].public_id}\n".encode()).context["token"]
    client.force_login(staff_of(w["theirs"].issuer, Role.OWNER))
    response = client.post(BULK, {"token": token, "reason": "x", "apply": "1"})
    assert response.status_code == 200 and "upload the file again" in response.content.decode()
    response = client.post(BULK, {"token": token[:-3] + "abc", "reason": "x", "apply": "1"})
    assert Award.objects.filter(status=AwardStatus.REVOKED).count() == 1


def test_bulk_revoke_is_refused_to_viewers_and_anonymous(client, bulk_world):
    client.force_login(staff_of(bulk_world["one"].issuer, Role.VIEWER))
    assert client.get(BULK).status_code == 403
    assert upload(client, f"{bulk_world['one'].public_id}\n".encode()).status_code == 403
    client.logout()
    assert client.get(BULK).status_code == 302  # to the sign-in page


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00b\x00a\x00d", b"", b"award id\n\n", b"a,b\n" * 6000, b'"unclosed\n', b"x" * 1_100_000],
    ids=["utf16", "empty", "header-only", "too-many-rows", "bad-quote", "too-large"],
)
def test_bulk_revoke_hostile_files_get_a_message_not_a_500(client, bulk_world, content):
    client.force_login(staff_of(bulk_world["one"].issuer, Role.AWARDER))
    response = upload(client, content)
    assert response.status_code == 200
    assert "plan" not in response.context or response.context["plan"] is None or not response.context["token"]
    assert Award.objects.filter(status=AwardStatus.REVOKED).count() == 1


def test_the_badges_list_links_the_bulk_revocation_for_awarders_only(client, issued):
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    assert BULK in client.get(LIST).content.decode()
    client.force_login(staff_of(issued.issuer, Role.VIEWER))
    assert BULK not in client.get(LIST).content.decode()


def test_a_name_correction_through_the_form_keeps_a_multiline_narrative_and_the_badge(client, queued):
    """The textarea sends the narrative back with CRLF line endings: that is not a change, so no re-issue."""
    award = enrolment_complete(
        actor=None, enrolment=EnrolmentFactory(), evidence_narrative="Built a parser.\nPresented it."
    )
    award_issue(award_id=award.id)
    client.force_login(staff_of(award.issuer, Role.AWARDER))
    form = {"name": "Ada Lovelace", "evidence_url": "", "narrative": "Built a parser.\r\nPresented it.\r\n"}
    preview = client.post(f"{LIST}{award.pk}/correct/", {**form, "review": "1"}).content.decode()
    assert "re-issued with the new evidence" not in preview
    client.post(f"{LIST}{award.pk}/correct/", {**form, "apply": "1"})
    assert Award.objects.count() == 1 and Award.objects.get(pk=award.pk).status == AwardStatus.ISSUED


def test_resend_of_an_expired_badge_says_renew_it_not_retry(client, queued, mailoutbox):
    """An expired badge is never e-mailed as ready: the action must not claim the mail server will retry it."""
    award = enrolment_complete(
        actor=None,
        enrolment=EnrolmentFactory(course=CourseFactory(badge_class__validity_days=10)),
        completed_at=timezone.now() - timedelta(days=30),
    )
    award_issue(award_id=award.id)
    client.force_login(staff_of(award.issuer, Role.AWARDER))
    text = " ".join(messages_of(act(client, "notify_again", [award])))
    assert not mailoutbox and "1 expired badge(s) skipped: renew them" in text and "tried again" not in text


def test_the_same_correction_sent_twice_reissues_once(client, issued):
    """A double click on Apply (or a re-imported CSV) sends the correction again for the old award: one re-issue."""
    client.force_login(staff_of(issued.issuer, Role.AWARDER))
    form = {"name": "", "evidence_url": "https://example.org/v2", "narrative": "", "apply": "1"}
    first = client.post(f"{LIST}{issued.pk}/correct/", form)
    second = client.post(f"{LIST}{issued.pk}/correct/", form)
    assert first.status_code == second.status_code == 302
    assert Award.objects.count() == 2 and first["Location"] == second["Location"]
    assert AuditEvent.objects.filter(action="award.correct").count() == 1
