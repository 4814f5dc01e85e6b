"""A learner is a recipient e-mail address with a name, optionally linked to a user account."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Learner(models.Model):
    email = models.EmailField(_("e-mail"), unique=True, help_text=_("Stored trimmed and lower-cased."))
    name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="learners"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            # The normalisation is the recipient-hash rule: a second spelling would be a second identity.
            models.CheckConstraint(condition=Q(email=Lower("email")), name="learner_email_lowercase"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
