"""Writes about awards: creating one for a completion, revoking it, retrying a failed issue.

Every state change here is one transaction that also writes its audit event, and queues side effects (the
issuing task, republishing the status list) with transaction.on_commit, so nothing is sent for a rolled-back change.
"""

import logging
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from badges.openbadges.hashing import hash_email, new_salt, normalize_email
from issuers.services import audit_record

from .models import Award, AwardStatus, BadgeClass
from .status_lists import status_list_set

log = logging.getLogger(__name__)

# Entries in each issuer's Bitstring Status List: the spec's minimum, which keeps indexes unguessable (herd privacy).
STATUS_LIST_SIZE = 131_072


class AwardError(Exception):
    """A request about an award that cannot be honoured; the message is shown to the user."""


def _queue_issue(award_id: int) -> None:
    """Queue the issuing task. If the broker is down the award stays pending and the periodic sweep queues it."""
    from .tasks import award_issue_task

    try:
        award_issue_task.apply_async(args=[award_id], retry=False)
    except Exception:  # noqa: BLE001 — any broker failure; the completion is already committed
        log.warning("Could not queue award %s; the pending-award sweep will retry", award_id, exc_info=True)


def award_create(
    *,
    actor,
    badge_class: BadgeClass,
    learner,
    issued_on: datetime | None = None,
    enrolment=None,
    evidence_url: str = "",
    narrative: str = "",
) -> Award:
    """Create a pending award and queue its issuing. Idempotent per enrolment: returns the existing award.

    Must run inside the caller's transaction when an enrolment is given (the enrolment row is locked there).
    """
    if enrolment is not None:
        existing = Award.objects.filter(enrolment=enrolment).first()
        if existing is not None:
            return existing
    issued_on = issued_on or timezone.now()
    salt = new_salt()
    expires_on = issued_on + timedelta(days=badge_class.validity_days) if badge_class.validity_days else None
    for _attempt in range(20):
        try:
            with transaction.atomic():
                award = Award.objects.create(
                    issuer_id=badge_class.issuer_id,
                    badge_class=badge_class,
                    learner=learner,
                    enrolment=enrolment,
                    recipient_salt=salt,
                    recipient_hash=hash_email(email=normalize_email(learner.email), salt=salt),
                    issued_on=issued_on,
                    expires_on=expires_on,
                    evidence_url=evidence_url,
                    narrative=narrative,
                    status_list_index=secrets.randbelow(STATUS_LIST_SIZE),
                    public=badge_class.issuer.awards_public_by_default,
                )
            break
        except IntegrityError as exc:
            if enrolment is not None and Award.objects.filter(enrolment=enrolment).exists():
                # A concurrent completion of the same enrolment won; the constraint kept it to one award.
                return Award.objects.get(enrolment=enrolment)
            if "status" not in str(exc).lower():
                raise
            # The random status-list index was taken: draw again.
    else:
        raise AwardError("The institution's status list is too full to draw a free index; contact support.")
    audit_record(
        actor=actor,
        action="award.create",
        target=award,
        issuer=badge_class.issuer,
        badge_class=badge_class.public_id,
        learner=learner.email,
    )
    award_id = award.id
    transaction.on_commit(lambda: _queue_issue(award_id))
    return award


@transaction.atomic
def award_revoke(*, actor, award: Award, reason: str, notify_learner: bool = False) -> Award:
    """Revoke an award: OB 2.0 answers 410 and lists it, OB 3.0 sets its status-list bit, in one transaction.

    Idempotent. The learner is e-mailed only when asked (an institution may prefer to tell them itself).
    """
    reason = reason.strip()
    if not reason:
        raise AwardError("Give a reason: it is shown to anyone who checks the badge.")
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status == AwardStatus.REVOKED:
        return award
    award.status = AwardStatus.REVOKED
    award.revocation_reason = reason
    award.revoked_at = timezone.now()
    award.save(update_fields=["status", "revocation_reason", "revoked_at", "updated_at"])
    status_list_set(issuer=award.issuer, index=award.status_list_index, value=True)
    audit_record(actor=actor, action="award.revoke", target=award, issuer=award.issuer, reason=reason)
    if notify_learner:
        transaction.on_commit(lambda: _notify_revocation(award.pk))
    return award


def _notify_revocation(award_id: int) -> None:
    from .notifications import award_revocation_notify

    try:
        award_revocation_notify(award=Award.objects.select_related("learner", "badge_class", "issuer").get(pk=award_id))
    except Exception:  # noqa: BLE001 — the revocation stands; the e-mail is a courtesy
        log.warning("Could not e-mail the revocation of award %s", award_id, exc_info=True)


@transaction.atomic
def award_retry(*, actor, award: Award) -> Award:
    """Put a failed award back to pending and queue it again."""
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.status != AwardStatus.FAILED:
        raise AwardError("Only a failed award can be retried.")
    award.status = AwardStatus.PENDING
    award.failure_reason = ""
    award.save(update_fields=["status", "failure_reason", "updated_at"])
    audit_record(actor=actor, action="award.retry", target=award, issuer=award.issuer)
    award_id = award.id
    transaction.on_commit(lambda: _queue_issue(award_id))
    return award
