"""Writes about awards: creating one for a completion, revoking it, retrying a failed issue.

Every state change here is one transaction that also writes its audit event, and queues side effects (the
issuing task, republishing the status list) with transaction.on_commit, so nothing is sent for a rolled-back change.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from badges.openbadges.hashing import hash_email, new_salt, normalize_email
from issuers.models import Issuer
from issuers.public_cache import invalidate_award_on_commit
from issuers.services import audit_record, audit_record_many

from .models import Award, AwardStatus, BadgeClass
from .status_lists import LIST_ENTRIES, status_list_set, status_list_set_many

log = logging.getLogger(__name__)


class AwardError(Exception):
    """A request about an award that cannot be honoured; the message is shown to the user."""


ISSUE_BATCH_SIZE = 100  # awards per issuing task: keys, DID documents and artwork are loaded once per batch


def _queue_issue(award_ids: list[int]) -> None:
    """Queue issuing in batches. If the broker is down the awards stay pending and the periodic sweep queues them."""
    from .tasks import award_issue_batch_task

    for start in range(0, len(award_ids), ISSUE_BATCH_SIZE):
        batch = award_ids[start : start + ISSUE_BATCH_SIZE]
        try:
            award_issue_batch_task.apply_async(args=[batch], retry=False)
        except Exception:  # noqa: BLE001 — any broker failure; the completions are already committed
            log.warning("Could not queue %d award(s); the pending-award sweep will retry", len(batch), exc_info=True)
            return


@dataclass(frozen=True)
class AwardRequest:
    """One completed enrolment to award: the badge class is the course's, the date the completion's."""

    enrolment: Any
    badge_class: BadgeClass
    learner: Any
    issued_on: datetime
    evidence_url: str = ""
    narrative: str = ""


def _free_indexes(issuer_id: int, count: int) -> list[int]:
    """Random unused status-list positions; the caller holds the issuer's row lock, so they stay unused."""
    used = set(Award.objects.filter(issuer_id=issuer_id).values_list("status_list_index", flat=True))
    if len(used) + count > LIST_ENTRIES * 0.9:
        raise AwardError(_("The institution's status list is nearly full; contact the platform operators."))
    chosen: set[int] = set()
    while len(chosen) < count:
        index = secrets.randbelow(LIST_ENTRIES)
        if index not in used:
            chosen.add(index)
    return list(chosen)


def awards_create(*, actor, requests: list[AwardRequest]) -> list[Award]:
    """Create pending awards for completed enrolments and queue their issuing on commit.

    Runs in the caller's transaction. Idempotent per enrolment: an enrolment that already has an award gets its
    newest award back, and the database's one-live-award-per-enrolment constraint stands behind this check.

    A revoked award is returned as it is, still revoked, and nothing is issued: completing an enrolment again never
    undoes a revocation (a re-import would otherwise quietly re-issue what staff revoked). Callers must check the
    returned award's status and say so ("revoked: use Re-issue"); award_reissue is the one way back.
    """
    # Oldest first, so the newest award of an enrolment (its re-issue, after a revoked one) is the one kept.
    awards_so_far = Award.objects.filter(enrolment__in=[r.enrolment for r in requests]).order_by("created_at", "id")
    existing = {a.enrolment_id: a for a in awards_so_far}
    fresh = [r for r in requests if r.enrolment.pk not in existing]
    created: list[Award] = []
    by_issuer: dict[int, list[AwardRequest]] = {}
    for request in fresh:
        by_issuer.setdefault(request.badge_class.issuer_id, []).append(request)
    for issuer_id, group in by_issuer.items():
        issuer = Issuer.objects.select_for_update().get(pk=issuer_id)  # serialises index drawing per issuer
        indexes = _free_indexes(issuer_id, len(group))
        awards = []
        for request, index in zip(group, indexes, strict=True):
            salt = new_salt()
            days = request.badge_class.validity_days
            awards.append(
                Award(
                    issuer_id=issuer_id,
                    badge_class=request.badge_class,
                    learner=request.learner,
                    enrolment=request.enrolment,
                    recipient_salt=salt,
                    recipient_hash=hash_email(email=normalize_email(request.learner.email), salt=salt),
                    issued_on=request.issued_on,
                    valid_from=request.issued_on,
                    expires_on=request.issued_on + timedelta(days=days) if days else None,
                    evidence_url=request.evidence_url,
                    narrative=request.narrative,
                    status_list_index=index,
                    public=issuer.awards_public_by_default,
                )
            )
        awards = Award.objects.bulk_create(awards)
        audit_record_many(
            actor=actor,
            action="award.create",
            issuer=issuer,
            targets=awards,
            details=lambda a: {"badge_class": a.badge_class.public_id, "learner": a.learner.email},
        )
        created.extend(awards)
    if created:
        ids = [a.id for a in created]
        transaction.on_commit(lambda: _queue_issue(ids))
    by_enrolment = {**existing, **{a.enrolment_id: a for a in created}}
    return [by_enrolment[r.enrolment.pk] for r in requests]


@transaction.atomic
def award_revoke(*, actor, award: Award, reason: str, notify_learner: bool = False) -> Award:
    """Revoke an award: OB 2.0 answers 410 and lists it, OB 3.0 sets its status-list bit, in one transaction.

    Idempotent. The learner is e-mailed only when asked (an institution may prefer to tell them itself).
    """
    reason = reason.strip()
    if not reason:
        raise AwardError(_("Give a reason: it is shown to anyone who checks the badge."))
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status == AwardStatus.REVOKED:
        return award
    award.status = AwardStatus.REVOKED
    award.revocation_reason = reason
    award.revoked_at = timezone.now()
    award.save(update_fields=["status", "revocation_reason", "revoked_at", "updated_at"])
    status_list_set(issuer=award.issuer, index=award.status_list_index, value=True)
    invalidate_award_on_commit(award.public_id)
    audit_record(actor=actor, action="award.revoke", target=award, issuer=award.issuer, reason=reason)
    if notify_learner:
        transaction.on_commit(lambda: _notify_revocation(award.pk))
    return award


SUPERSEDED = "superseded"  # the revocation reason of an award replaced by its correction


def _award_successor(*, actor, old: Award, evidence_url: str, narrative: str) -> Award:
    """A new pending award replacing `old` (already revoked, or revoked by the caller in the same transaction):
    same learner, enrolment, badge class, award date and validity, a new public id, salt and status-list
    position, Award.supersedes = old. Issuing is queued on commit; the caller writes the audit row."""
    issuer = Issuer.objects.select_for_update().get(pk=old.issuer_id)  # serialises index drawing per issuer
    salt = new_salt()
    award = Award.objects.create(
        issuer_id=old.issuer_id,
        badge_class_id=old.badge_class_id,
        learner_id=old.learner_id,
        enrolment_id=old.enrolment_id,
        recipient_salt=salt,
        recipient_hash=hash_email(email=normalize_email(old.learner.email), salt=salt),
        issued_on=old.issued_on,
        valid_from=old.valid_from,
        expires_on=old.expires_on,
        evidence_url=evidence_url,
        narrative=narrative,
        status_list_index=_free_indexes(issuer.pk, 1)[0],
        public=old.public,  # the holder's choice carries over to the corrected badge
        supersedes=old,
    )
    award_id = award.id
    transaction.on_commit(lambda: _queue_issue([award_id]))
    return award


def _clean_evidence_url(value: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    value = value.strip()
    if value:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError as exc:
            raise AwardError(_("The evidence URL must be a web address (http or https).")) from exc
    return value


def _narrative_or_same(award: Award, narrative: str | None) -> str:
    """The corrected narrative, or the award's own when they differ only in line endings or outer spaces (a form's
    textarea sends CRLF): such a "correction" must not re-issue the badge."""
    if narrative is None:
        return award.narrative
    narrative = narrative.strip()
    same = narrative.replace("\r\n", "\n") == award.narrative.strip().replace("\r\n", "\n")
    return award.narrative if same else narrative


def award_correction_effects(
    *, award: Award, current_name: str, name: str | None, evidence_url: str | None, narrative: str | None
) -> set[str]:
    """What award_correct would do, for the confirmation page: {"name"} (the institution's name for the learner
    changes on its pages), {"reissue"} (the badge is re-issued and this one revoked as superseded), both, or
    nothing. Values are compared as award_correct compares them."""
    effects = set()
    if name is not None and name.strip() and name.strip()[:200] != current_name:
        effects.add("name")
    new_evidence = award.evidence_url if evidence_url is None else evidence_url.strip()
    new_narrative = _narrative_or_same(award, narrative)
    if (new_evidence, new_narrative) != (award.evidence_url, award.narrative):
        effects.add("reissue")
    return effects


@transaction.atomic
def award_correct(
    *,
    actor,
    award: Award,
    name: str | None = None,
    evidence_url: str | None = None,
    narrative: str | None = None,
) -> Award:
    """Correct an award; None leaves a field as it is. Returns the live award after the correction.

    - The institution's name for the learner (learners.LearnerName) is not in any signed document (the OB 2.0/3.0
      recipient is a salted e-mail hash), so a name-only correction updates that name and returns the same award:
      its pages and e-mails change, the badge does not (audit "award.correct_name").
    - Evidence and narrative are signed: the award is revoked with reason "superseded" (status-list bit set, listed
      as revoked in OB 2.0) and a corrected award (new public id, supersedes = old, same enrolment and dates) is
      queued for issuing on commit (audit "award.correct"). The one-live-award-per-enrolment constraint stands
      behind it. A revoked award is not corrected (re-issue it first: award_reissue).

    Idempotent: a correction equal to the award changes nothing and writes no audit row; a replaced award is
    corrected through its newest replacement, so the same correction sent twice re-issues once.
    """
    from django.core.exceptions import ValidationError

    from learners.services import learner_name_set

    award = Award.objects.select_for_update().select_related("learner", "issuer").get(pk=award.pk)
    # A replaced award is corrected through its newest replacement: the same correction sent twice (a double
    # click, a re-imported CSV) then finds the corrected award equal and changes nothing.
    while award.status == AwardStatus.REVOKED:
        newer = award.superseded_by.order_by("-created_at", "-id").values_list("pk", flat=True).first()
        if newer is None:
            break
        award = Award.objects.select_for_update().select_related("learner", "issuer").get(pk=newer)
    new_evidence = award.evidence_url if evidence_url is None else _clean_evidence_url(evidence_url)
    new_narrative = _narrative_or_same(award, narrative)
    reissue = (new_evidence, new_narrative) != (award.evidence_url, award.narrative)
    if reissue and award.status == AwardStatus.REVOKED:
        raise AwardError(_("This badge is revoked: re-issue it first, then correct the new badge."))
    if name is not None:
        try:
            previous, current = learner_name_set(issuer=award.issuer, learner=award.learner, name=name)
        except ValidationError as exc:
            raise AwardError(" ".join(exc.messages)) from exc
        if previous != current:
            for public_id in Award.objects.filter(issuer=award.issuer, learner=award.learner).values_list(
                "public_id", flat=True
            ):  # every page of this institution that shows the name
                invalidate_award_on_commit(public_id)
            audit_record(
                actor=actor,
                action="award.correct_name",
                target=award,
                issuer=award.issuer,
                previous=previous,
                name=current,
            )
    if not reissue:
        return award
    award_revoke(actor=actor, award=award, reason=SUPERSEDED)
    successor = _award_successor(actor=actor, old=award, evidence_url=new_evidence, narrative=new_narrative)
    audit_record(
        actor=actor,
        action="award.correct",
        target=successor,
        issuer=award.issuer,
        supersedes=award.public_id,
        evidence_changed=new_evidence != award.evidence_url,
        narrative_changed=new_narrative != award.narrative,
    )
    return successor


@transaction.atomic
def award_reissue(*, actor, award: Award) -> Award:
    """Issue a revoked award again: a new award (new public id, supersedes = the revoked one) for the same
    enrolment, badge class, award date, validity and evidence. The revoked award stays revoked; both stay in the
    history. Refused while the enrolment has a live award (the one-live-award-per-enrolment constraint).

    This is the only way back from a revocation: completing the enrolment again does not re-issue (see
    awards_create), so a revocation is never undone by a re-import.
    """
    award = Award.objects.select_for_update().select_related("learner", "issuer").get(pk=award.pk)
    if award.status != AwardStatus.REVOKED:
        raise AwardError(_("Only a revoked badge can be re-issued."))
    if award.superseded_by.exists():
        raise AwardError(_("This badge has already been replaced; see the badge that supersedes it."))
    live = Award.objects.exclude(status=AwardStatus.REVOKED)
    if award.enrolment_id and live.filter(enrolment_id=award.enrolment_id).exists():
        raise AwardError(_("This enrolment already has a badge that is not revoked."))
    if award.enrolment_id and award.enrolment.status == "withdrawn":
        raise AwardError(_("This enrolment is withdrawn: a badge cannot be issued for it."))
    successor = _award_successor(actor=actor, old=award, evidence_url=award.evidence_url, narrative=award.narrative)
    audit_record(actor=actor, action="award.reissue", target=successor, issuer=award.issuer, supersedes=award.public_id)
    return successor


@transaction.atomic
def awards_revoke(*, actor, award_ids: list[int], reason: str, notify_learner: bool = False) -> list[Award]:
    """Revoke many awards with one reason in one transaction (the bulk revocation): as award_revoke for each, but
    each institution's status list is set and re-signed once. Awards already revoked are left as they are; returns
    those revoked by this call."""
    reason = reason.strip()
    if not reason:
        raise AwardError(_("Give a reason: it is shown to anyone who checks the badge."))
    awards = list(
        Award.objects.select_for_update()
        .filter(pk__in=award_ids)
        .exclude(status=AwardStatus.REVOKED)
        .select_related("issuer")
        .order_by("pk")
    )
    now = timezone.now()
    by_issuer: dict[int, list[Award]] = {}
    for award in awards:
        award.status, award.revocation_reason, award.revoked_at, award.updated_at = (
            AwardStatus.REVOKED,
            reason,
            now,
            now,
        )
        by_issuer.setdefault(award.issuer_id, []).append(award)
        invalidate_award_on_commit(award.public_id)
    Award.objects.bulk_update(awards, ["status", "revocation_reason", "revoked_at", "updated_at"], batch_size=500)
    for group in by_issuer.values():
        issuer = group[0].issuer
        status_list_set_many(issuer=issuer, indexes=[a.status_list_index for a in group], value=True)
        audit_record_many(
            actor=actor, action="award.revoke", issuer=issuer, targets=group, details=lambda a: {"reason": reason}
        )
    if notify_learner:
        ids = [a.pk for a in awards]
        transaction.on_commit(lambda: [_notify_revocation(award_id) for award_id in ids])
    return awards


def _notify_revocation(award_id: int) -> None:
    from .notifications import award_revocation_notify

    try:
        award_revocation_notify(award=Award.objects.select_related("learner", "badge_class", "issuer").get(pk=award_id))
    except Exception:  # noqa: BLE001 — the revocation stands; the e-mail is a courtesy
        log.warning("Could not e-mail the revocation of award %s", award_id, exc_info=True)


@transaction.atomic
def award_renew(*, actor, award: Award, evidence_url: str = "", narrative: str = "") -> Award:
    """Re-issue an expiring or expired badge with new evidence: a new validity period from today, signed again,
    keeping the original award date (OB 3.0 awardedDate). Revoked badges cannot be renewed."""
    award = Award.objects.select_for_update().select_related("badge_class").get(pk=award.pk)
    if award.status not in (AwardStatus.ISSUED, AwardStatus.FAILED):
        raise AwardError(_("Only an issued badge can be renewed."))
    if not award.badge_class.validity_days:
        raise AwardError(_("This badge never expires, so there is nothing to renew."))
    now = timezone.now()
    award.valid_from = now
    award.expires_on = now + timedelta(days=award.badge_class.validity_days)
    award.evidence_url = evidence_url or award.evidence_url
    award.narrative = narrative or award.narrative
    award.status, award.failure_reason = AwardStatus.PENDING, ""
    award.notified_at = award.expiry_reminded_at = None
    award.save()
    invalidate_award_on_commit(award.public_id)
    audit_record(actor=actor, action="award.renew", target=award, issuer=award.issuer, expires=str(award.expires_on))
    award_id = award.id
    transaction.on_commit(lambda: _queue_issue([award_id]))
    return award


@transaction.atomic
def award_retry(*, actor, award: Award) -> Award:
    """Put a failed award back to pending and queue it again."""
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status != AwardStatus.FAILED:
        raise AwardError(_("Only a failed award can be retried."))
    award.status = AwardStatus.PENDING
    award.failure_reason = ""
    award.save(update_fields=["status", "failure_reason", "updated_at"])
    audit_record(actor=actor, action="award.retry", target=award, issuer=award.issuer)
    award_id = award.id
    transaction.on_commit(lambda: _queue_issue([award_id]))
    return award


@transaction.atomic
def award_set_visibility(*, actor, award: Award, public: bool) -> Award:
    """Make an award's page public or private. Only its holder decides; only an issued award can change.

    Private (docs/decisions/0010-what-private-means.md): strangers learn only that the badge was issued and still
    verifies — the page names no one, the downloads answer "not found", and the hosted OB 2.0 assertion (which
    verifiers need) leaves out the evidence and narrative. Its cached copy is dropped when this commits.
    """
    from django.utils.translation import gettext as _  # the messages reach the learner's page

    award = Award.objects.select_for_update().select_related("learner", "issuer").get(pk=award.pk)
    if actor is None or not actor.is_authenticated or award.learner.user_id != actor.pk:
        raise AwardError(_("Only the badge's holder can change who sees it."))
    if award.status != AwardStatus.ISSUED:
        raise AwardError(_("Only an issued badge can be made public or private."))
    if award.public == public:
        return award
    award.public = public
    award.save(update_fields=["public", "updated_at"])
    invalidate_award_on_commit(award.public_id)
    audit_record(
        actor=actor, action="award.publish" if public else "award.unpublish", target=award, issuer=award.issuer
    )
    return award


@transaction.atomic
def badge_class_artwork_clean(*, actor, badge_class: BadgeClass) -> tuple[str, ...]:
    """Clean stored artwork again by today's rules (badges/artwork.py: the SVG allowlist, no Open Badges data),
    for artwork uploaded before them. Returns what was cut (empty when nothing changed); raises ArtworkError for
    artwork the rules now refuse, which stays as it was. Decision 0008."""
    from django.conf import settings
    from django.core.files.base import ContentFile

    from .artwork import validate_artwork

    badge_class = BadgeClass.objects.select_for_update().get(pk=badge_class.pk)
    with badge_class.image.open("rb") as handle:
        data = handle.read()
    artwork = validate_artwork(data=data, max_bytes=max(len(data), settings.BADGE_IMAGE_MAX_BYTES))
    if artwork.data == data:
        return ()
    old_name = badge_class.image.name
    badge_class.image.save(f"artwork.{artwork.kind}", ContentFile(artwork.data), save=False)
    badge_class.save(update_fields=["image"])
    transaction.on_commit(lambda: badge_class.image.storage.delete(old_name))
    audit_record(
        actor=actor,
        action="badge_class.artwork_clean",
        target=badge_class,
        issuer=badge_class.issuer,
        removed=sorted(set(artwork.removed)),
    )
    return artwork.removed
