"""E-mails to learners about their awards, sent at most once each (claimed by a conditional UPDATE first)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .identifiers import claim_url
from .models import Award, AwardStatus

log = logging.getLogger(__name__)


def _send(*, template: str, to: str, context: dict) -> None:
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


def award_notify(*, award_id: int) -> bool:
    """Send the 'your badge is ready' e-mail once. Returns True if this call sent it."""
    with transaction.atomic():
        claimed = Award.objects.filter(pk=award_id, status=AwardStatus.ISSUED, notified_at__isnull=True).update(
            notified_at=timezone.now()
        )
    if not claimed:
        return False
    award = Award.objects.select_related("badge_class", "issuer", "learner").get(pk=award_id)
    context = {
        "award": award,
        "learner": award.learner,
        "badge": award.badge_class,
        "issuer": award.issuer,
        "claim_url": claim_url(award),
        "site": settings.PUBLIC_BASE_URL,
    }
    try:
        _send(template="award_issued", to=award.learner.email, context=context)
    except Exception:
        # Un-claim so a retry sends it; the exception makes the task retry.
        Award.objects.filter(pk=award_id).update(notified_at=None)
        raise
    return True


def award_revocation_notify(*, award: Award) -> None:
    context = {"award": award, "learner": award.learner, "badge": award.badge_class, "issuer": award.issuer}
    _send(template="award_revoked", to=award.learner.email, context=context)


def awards_remind_expiring(*, within_days: int = 30) -> int:
    """E-mail each learner once whose badge expires within `within_days`, so they can ask for a renewal."""
    now = timezone.now()
    due = Award.objects.filter(
        status=AwardStatus.ISSUED,
        expires_on__gt=now,
        expires_on__lte=now + timedelta(days=within_days),
        expiry_reminded_at__isnull=True,
    ).values_list("id", flat=True)
    sent = 0
    for award_id in list(due):
        claimed = Award.objects.filter(pk=award_id, expiry_reminded_at__isnull=True).update(expiry_reminded_at=now)
        if not claimed:
            continue
        award = Award.objects.select_related("badge_class", "issuer", "learner").get(pk=award_id)
        context = {
            "award": award,
            "learner": award.learner,
            "badge": award.badge_class,
            "issuer": award.issuer,
            "claim_url": claim_url(award),
        }
        try:
            _send(template="award_expiring", to=award.learner.email, context=context)
            sent += 1
        except Exception:
            Award.objects.filter(pk=award_id).update(expiry_reminded_at=None)
            log.warning("Could not send the expiry reminder for award %s", award_id, exc_info=True)
    return sent
