"""E-mails to learners about their awards, sent at most once each (claimed by a conditional UPDATE first).

A message that cannot be sent because of what it says (a name with a line break, written before names were
validated; a recipient the mail server refuses for good) is recorded and skipped: it never holds back the other
e-mails of its batch. A failure of the mail server itself (connection lost, temporary refusal) stops the batch
and leaves what was not sent for the retry.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from issuers.services import audit_record

from .models import Award, AwardStatus
from .public_urls import CLAIM_LINK_MAX_AGE, claim_url, wallet_add_url
from .selectors import award_recipient_name, with_recipient_name

log = logging.getLogger(__name__)


HEAVY_FIELDS = ("ob2_assertion", "ob2_jws", "ob3_credential", "ob3_jwt")  # an e-mail needs none of them


def _message(*, template: str, to: str, context: dict) -> EmailMultiAlternatives:
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    return message


def _send(*, template: str, to: str, context: dict) -> None:
    _message(template=template, to=to, context=context).send()


def _claim(*, award_ids: list[int], marker: str, only_if_issued: bool) -> list[int]:
    """Set `marker` on those of the awards where it is still empty, in one statement, and return their ids.

    UPDATE ... RETURNING (PostgreSQL, and SQLite since 3.35) makes the claim exact under concurrency: two workers
    handed the same ids each get back only the rows their own statement changed.
    """
    if not award_ids:
        return []
    quote = connection.ops.quote_name
    marker_column = quote(Award._meta.get_field(marker).column)
    status_column = quote(Award._meta.get_field("status").column)
    expires_column = quote(Award._meta.get_field("expires_on").column)
    pk_column = quote(Award._meta.pk.column)
    placeholders = ", ".join(["%s"] * len(award_ids))
    # "Your badge is ready" is never sent for a badge already expired (a back-dated completion past its validity,
    # decision 0015): the learner's first view would be a failed verification. It stays unclaimed, not e-mailed.
    sql = (
        f"UPDATE {quote(Award._meta.db_table)} SET {marker_column} = %s "  # noqa: S608
        f"WHERE {pk_column} IN ({placeholders}) AND {marker_column} IS NULL"
        + (
            f" AND {status_column} = %s AND ({expires_column} IS NULL OR {expires_column} > %s)"
            if only_if_issued
            else ""
        )
        + f" RETURNING {pk_column}"
    )
    moment = timezone.now()
    now = Award._meta.get_field(marker).get_db_prep_save(moment, connection)
    expiry = Award._meta.get_field("expires_on").get_db_prep_save(moment, connection)
    params = [now, *award_ids, *([AwardStatus.ISSUED, expiry] if only_if_issued else [])]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def _unclaim(*, award_ids: list[int], marker: str) -> None:
    Award.objects.filter(pk__in=award_ids).update(**{marker: None})


def _send_claimed(*, award_ids: list[int], marker: str, template: str) -> int:
    """Send `template` for each claimed award over one mail connection. If a send fails, the e-mails not yet sent
    (that one included) are unclaimed and the error re-raised, so a retry sends exactly those."""
    awards = with_recipient_name(  # each institution greets the learner by its own name for them
        Award.objects.select_related("badge_class", "issuer", "learner").defer(*HEAVY_FIELDS).filter(pk__in=award_ids)
    )
    by_id = {award.pk: award for award in awards}
    sent = done = 0
    try:
        with get_connection() as mail:
            for award in (by_id[award_id] for award_id in award_ids):
                try:
                    context = {
                        "award": award,
                        "learner": award.learner,
                        "recipient_name": award.recipient_name,
                        "badge": award.badge_class,
                        "issuer": award.issuer,
                        "claim_url": claim_url(award),
                        "wallet_url": wallet_add_url(award),
                        "claim_link_days": CLAIM_LINK_MAX_AGE.days,
                        "site": settings.PUBLIC_BASE_URL,
                    }
                    message = _message(template=template, to=award.learner.email, context=context)
                    message.message()  # builds the headers: a name with a line break fails here, alone
                    message.connection = mail
                    _deliver(message)
                except Exception as exc:
                    if not _unsendable(exc):
                        raise
                    _record_unsendable(award=award, template=template, error=exc)  # stays claimed: not retried
                else:
                    sent += 1
                    if award.email_failed_at is not None:  # this one reached the learner: the old failure is over
                        Award.objects.filter(pk=award.pk).update(email_failed_at=None, email_failure="")
                done += 1
    except Exception:
        _unclaim(award_ids=award_ids[done:], marker=marker)
        raise
    return sent


def _unsendable(exc: Exception) -> bool:
    """True if this message can never be sent as it is (its content or its recipient), not a mail-server outage."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reason in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError | smtplib.SMTPNotSupportedError):
        return getattr(exc, "smtp_code", 500) >= 500
    if isinstance(exc, smtplib.SMTPException | OSError):
        return False  # connection lost, temporary refusal, our sender refused: every message would fail alike
    return isinstance(exc, ValueError | TypeError | LookupError)  # BadHeaderError, encoding errors, bad templates


def _record_unsendable(*, award: Award, template: str, error: Exception) -> None:
    """Tell the institution (audit trail, shown in its admin) and the operators (log) that this e-mail was dropped."""
    reason = f"{type(error).__name__}: {error}"[:500]
    log.error("E-mail %r for award %s could not be sent and was skipped: %s", template, award.public_id, reason)
    # On the award too, for the institution's alerts and the award page (badges/dashboard.py).
    Award.objects.filter(pk=award.pk).update(email_failed_at=timezone.now(), email_failure=reason)
    audit_record(
        actor=None, action="award.email_failed", target=award, issuer=award.issuer, template=template, error=reason
    )


def _deliver(message: EmailMultiAlternatives) -> None:
    """The one place a learner's e-mail leaves (over the batch's connection)."""
    message.send()


def _send_once(*, award_ids: list[int], marker: str, template: str, only_if_issued: bool) -> int:
    """Send `template` to each award's learner at most once: claim `marker` (a timestamp field), send, and clear
    the claims of what could not be sent (then re-raise, so the caller can retry). Returns the number sent."""
    claimed = _claim(award_ids=award_ids, marker=marker, only_if_issued=only_if_issued)
    return _send_claimed(award_ids=claimed, marker=marker, template=template) if claimed else 0


def awards_notify(*, award_ids: list[int]) -> int:
    """Send the 'your badge is ready' e-mail once per issued award. Returns how many this call sent."""
    return _send_once(award_ids=award_ids, marker="notified_at", template="award_issued", only_if_issued=True)


def award_notify(*, award_id: int) -> bool:
    """Send the 'your badge is ready' e-mail once. Returns True if this call sent it."""
    return awards_notify(award_ids=[award_id]) == 1


def award_revocation_notify(*, award: Award) -> None:
    context = {
        "award": award,
        "learner": award.learner,
        "recipient_name": award_recipient_name(award=award),
        "badge": award.badge_class,
        "issuer": award.issuer,
    }
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
            sent += _send_once(
                award_ids=[award_id], marker="expiry_reminded_at", template="award_expiring", only_if_issued=False
            )
        except Exception:  # noqa: BLE001 — one failed reminder must not stop the others; tomorrow's run retries
            log.warning("Could not send the expiry reminder for award %s", award_id, exc_info=True)
    return sent


def award_notify_again(*, actor, award: Award) -> bool:
    """Send the 'your badge is ready' e-mail once more, with a fresh claim link: the learner lost the first, or its
    link expired (the page of an expired link tells them to ask the institution). Audited; issued awards only.
    Returns True if this call sent it."""
    if award.status != AwardStatus.ISSUED:
        return False
    with transaction.atomic():
        Award.objects.filter(pk=award.pk).update(notified_at=None)  # the once-only marker, cleared for one more
        audit_record(actor=actor, action="award.notify_again", target=award, issuer=award.issuer)
    return award_notify(award_id=award.pk)
