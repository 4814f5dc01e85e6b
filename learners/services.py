"""Writes about learners: recipient addresses, and linking them to the account that has verified them.

A learner row is an address badges were awarded to. It belongs to an account only once that account has proved it
holds the address (allauth's e-mail verification); from then on the address's badges are in that account's backpack.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from badges.openbadges.hashing import normalize_email
from issuers.models import Issuer
from issuers.services import audit_record
from issuers.validators import single_line_problem

from .models import Learner, LearnerName


def _verified_owner_id(email: str) -> int | None:
    """The account that has verified this address, if any (allauth keeps one verified owner per address)."""
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(email__iexact=email, verified=True).values_list("user_id", flat=True).first()


def learner_get_or_create(*, issuer: Issuer, email: str, name: str) -> Learner:
    """The learner for this address (normalised), created if new, with `issuer`'s name for it recorded.

    Each institution keeps the first name it gave (LearnerName); another institution's name never replaces it.
    A new address that an account has already verified goes straight to that account's backpack.
    """
    email = normalize_email(email)
    validate_email(email)
    name = name.strip()
    if not name:
        raise ValidationError(_("A learner needs a name."))
    if single_line_problem(name):  # the name reaches e-mails and documents: no header injection
        raise ValidationError(single_line_problem(name), code="single_line")
    learner, created = Learner.objects.get_or_create(
        email=email, defaults={"name": name[:200], "user_id": _verified_owner_id(email)}
    )
    LearnerName.objects.get_or_create(issuer=issuer, learner=learner, defaults={"name": name[:200]})
    return learner


@transaction.atomic
def learner_claim_address(*, user: AbstractBaseUser, email: str) -> int:
    """Link the learner at this verified address to the user. Call only once the user has verified the address.

    Returns how many learner rows changed hands (0 or 1). Idempotent.
    """
    email = normalize_email(email)
    learners = list(Learner.objects.select_for_update().filter(email=email).exclude(user_id=user.pk))
    for learner in learners:
        previous = learner.user_id
        learner.user_id = user.pk
        learner.save(update_fields=["user"])
        audit_record(actor=user, action="learner.claim", target=learner, email=email, previous_user=previous)
    return len(learners)


@transaction.atomic
def learner_release_address(*, user: AbstractBaseUser, email: str) -> int:
    """Unlink the learner at this address from the user, who has removed it from their account. Idempotent."""
    email = normalize_email(email)
    learners = list(Learner.objects.select_for_update().filter(email=email, user_id=user.pk))
    for learner in learners:
        learner.user_id = None
        learner.save(update_fields=["user"])
        audit_record(actor=user, action="learner.release", target=learner, email=email)
    return len(learners)


def learner_claim_verified_addresses(*, user: AbstractBaseUser) -> int:
    """Claim every address the user has verified (after sign-up, or a sign-in that verified one)."""
    from allauth.account.models import EmailAddress

    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return sum(learner_claim_address(user=user, email=email) for email in emails)


def learners_get_or_create(*, issuer: Issuer, people: dict[str, str]) -> dict[str, Learner]:
    """Batch form of learner_get_or_create for bulk completions: {normalised e-mail: name} in, learners out.

    A few queries and two INSERTs whatever the size; addresses an account has verified join that account's
    backpack, and `issuer`'s names are recorded where it has none yet.
    """
    refused = sorted(email for email, name in people.items() if single_line_problem(name))
    if refused:  # checked before anything is written: the batch is all or nothing
        raise ValidationError(
            f"{single_line_problem(people[refused[0]])} ({', '.join(refused[:5])})", code="single_line"
        )
    found = _learners_get_or_create(people)
    LearnerName.objects.bulk_create(
        [LearnerName(issuer=issuer, learner=found[e], name=name.strip()[:200]) for e, name in people.items()],
        batch_size=1000,
        ignore_conflicts=True,  # the institution's first name for a learner is kept
    )
    return found


def _learners_get_or_create(people: dict[str, str]) -> dict[str, Learner]:
    from allauth.account.models import EmailAddress

    found = {learner.email: learner for learner in Learner.objects.filter(email__in=list(people))}
    missing = [email for email in people if email not in found]
    if missing:
        owners = dict(EmailAddress.objects.filter(email__in=missing, verified=True).values_list("email", "user_id"))
        Learner.objects.bulk_create(
            [Learner(email=e, name=people[e].strip()[:200], user_id=owners.get(e)) for e in missing],
            ignore_conflicts=True,  # a concurrent import may have added the same address
        )
        found.update({learner.email: learner for learner in Learner.objects.filter(email__in=missing)})
    return found


def learner_name_set(*, issuer: Issuer, learner: Learner, name: str) -> tuple[str, str]:
    """Set `issuer`'s own name for the learner (a correction); returns (previous, new). Runs in the caller's
    transaction and writes no audit row: the caller (badges.services.award_correct) records why it changed.

    Only this institution's pages change: no signed document carries the name (the recipient is a salted hash).
    """
    name = name.strip()
    if not name:
        raise ValidationError(_("A learner needs a name."))
    if single_line_problem(name):  # the name reaches e-mails and documents: no header injection
        raise ValidationError(single_line_problem(name), code="single_line")
    name = name[:200]
    own = LearnerName.objects.select_for_update().filter(issuer=issuer, learner=learner).first()
    previous = own.name if own else learner.name
    if own is None:
        LearnerName.objects.create(issuer=issuer, learner=learner, name=name)
    elif own.name != name:
        own.name = name
        own.save(update_fields=["name"])
    return previous, name
