"""A learner is a recipient e-mail address, optionally linked to a user account, and the name each institution
that enrolled it gave it (LearnerName): an institution's pages, e-mails and admin show only its own name."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from issuers.validators import clean_single_line_fields


class Learner(models.Model):
    email = models.EmailField(_("e-mail"), unique=True, help_text=_("Stored trimmed and lower-cased."))
    # The name first given for this address, by whichever institution came first. Never shown to an institution
    # or on its badges (those use LearnerName); kept as the fallback for rows made outside the services.
    name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="learners",
        verbose_name=_("user account"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("learner")
        verbose_name_plural = _("learners")
        constraints = [
            # The normalisation is the recipient-hash rule: a second spelling would be a second identity.
            models.CheckConstraint(condition=Q(email=Lower("email")), name="learner_email_lowercase"),
        ]

    def __str__(self) -> str:
        # The address only: the name depends on which institution is looking (LearnerName).
        return self.email

    def clean(self) -> None:
        clean_single_line_fields(self, "name")  # names reach e-mails and documents: one line only


class LearnerName(models.Model):
    """What one institution calls one learner: the name on its badge pages, its e-mails and its admin lists.

    Written when the institution enrols the learner (learners.services); the first name it gives is kept, as the
    global name was before. Another institution's name for the same address never shows through.
    """

    issuer = models.ForeignKey(
        "issuers.Issuer", on_delete=models.CASCADE, related_name="learner_names", verbose_name=_("institution")
    )
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="names", verbose_name=_("learner"))
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "issuer"], name="learner_name_one_per_issuer"),
        ]
        verbose_name = _("learner's name at an institution")
        verbose_name_plural = _("learners' names at institutions")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        clean_single_line_fields(self, "name")  # names reach e-mails and documents: one line only
