"""E-mails to learners about their awards, sent at most once each (claimed by a conditional UPDATE first)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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


def _send_once(*, award_id: int, marker: str, template: str, only_if: dict) -> bool:
    """Send `template` to the award's learner at most once: claim `marker` (a timestamp field) with a conditional
    UPDATE, send, and clear the claim again if sending fails (then re-raise, so the caller can retry)."""
    claimed = Award.objects.filter(pk=award_id, **{f"{marker}__isnull": True}, **only_if).update(
        **{marker: timezone.now()}
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
        _send(template=template, to=award.learner.email, context=context)
    except Exception:
        Award.objects.filter(pk=award_id).update(**{marker: None})
        raise
    return True


def award_notify(*, award_id: int) -> bool:
    """Send the 'your badge is ready' e-mail once. Returns True if this call sent it."""
    return _send_once(
        award_id=award_id, marker="notified_at", template="award_issued", only_if={"status": AwardStatus.ISSUED}
    )


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
        try:
            sent += _send_once(award_id=award_id, marker="expiry_reminded_at", template="award_expiring", only_if={})
        except Exception:  # noqa: BLE001 — one failed reminder must not stop the others; tomorrow's run retries
            log.warning("Could not send the expiry reminder for award %s", award_id, exc_info=True)
    return sent
