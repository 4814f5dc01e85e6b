"""Institutions (issuers), staff membership with roles, signing keys and the audit trail."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .public_ids import new_public_id
from .validators import clean_single_line_fields


class Issuer(models.Model):
    public_id = models.CharField(_("public ID"), max_length=32, unique=True, default=new_public_id, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    url = models.URLField(_("website"), help_text=_("The institution's home page (https)."))
    email = models.EmailField(_("contact e-mail"))
    description = models.TextField(_("description"), blank=True)
    image = models.FileField(_("logo"), upload_to="issuers/", blank=True)
    awards_public_by_default = models.BooleanField(
        _("badges public by default"),
        default=False,
        help_text=_("When off (the default), each learner decides to make their badge public."),
    )
    require_mfa = models.BooleanField(
        _("require two-factor sign-in for staff"),
        default=False,
        help_text=_("When on, members must set up an authenticator app before they can use the admin."),
    )
    linkedin_organization_id = models.CharField(
        _("LinkedIn organisation ID"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{1,20}$", _("A LinkedIn organisation ID is a number, e.g. 1337."))],
        help_text=_(
            "The number in your LinkedIn page's admin address (linkedin.com/company/<number>/admin). "
            '"Add to LinkedIn" then links the badge to your page.'
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The name goes into e-mail subjects and signed documents: one line only (issuers/validators.py).
        clean_single_line_fields(self, "name")


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    AWARDER = "awarder", _("Awarder")
    VIEWER = "viewer", _("Viewer")


# Each role can do what the roles below it can; see issuers/permissions.py.
ROLE_RANK = {Role.VIEWER: 1, Role.AWARDER: 2, Role.EDITOR: 3, Role.OWNER: 4}


class IssuerMembership(models.Model):
    issuer = models.ForeignKey(
        Issuer, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("institution")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "user"], name="membership_unique_user_per_issuer"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        # Shown in the admin (titles, breadcrumbs): in the viewer's language.
        return _("%(user)s — %(role)s of %(issuer)s") % {
            "user": self.user,
            "role": self.get_role_display(),
            "issuer": self.issuer,
        }


class KeyAlgorithm(models.TextChoices):
    ED25519 = "ed25519", _("Ed25519 (Open Badges 3.0 Data Integrity)")
    RSA2048 = "rsa2048", _("RSA-2048 (Open Badges 2.0 JWS, OB 3.0 VC-JWT)")


class KeyState(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")  # no longer signs; still published so earlier badges verify
    REVOKED = "revoked", _("Revoked (compromised)")  # withdrawn from publication: its badges stop verifying


class SigningKey(models.Model):
    """A key pair. The private half is stored only as a Fernet token (see issuers/keys.py); never shown."""

    issuer = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, related_name="signing_keys", verbose_name=_("institution")
    )
    public_id = models.CharField(_("public ID"), max_length=32, unique=True, default=new_public_id, editable=False)
    algorithm = models.CharField(_("algorithm"), max_length=10, choices=KeyAlgorithm.choices)
    public_key_pem = models.TextField(_("public key (PEM)"), editable=False)
    private_key_encrypted = models.TextField(editable=False)
    state = models.CharField(_("state"), max_length=10, choices=KeyState.choices, default=KeyState.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "algorithm"],
                condition=Q(state="active"),
                name="signing_key_one_active_per_algorithm",
            ),
            models.CheckConstraint(condition=Q(algorithm__in=KeyAlgorithm.values), name="signing_key_algorithm"),
            models.CheckConstraint(condition=Q(state__in=KeyState.values), name="signing_key_state"),
        ]

    def __str__(self) -> str:
        return _("%(algorithm)s key %(id)s of %(issuer)s (%(state)s)") % {
            "algorithm": self.get_algorithm_display(),
            "id": self.public_id,
            "issuer": self.issuer,
            "state": self.get_state_display(),
        }

    def __repr__(self) -> str:
        # The default repr is harmless, but spell it out so no future field lands in a log by accident.
        return f"<SigningKey {self.public_id} {self.algorithm} {self.state}>"


class AuditEvent(models.Model):
    """Who did what to which object, when. Written in the transaction of the change it records."""

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("done by")
    )
    issuer = models.ForeignKey(
        Issuer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("institution")
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("object type"), max_length=64)
    target_id = models.CharField(_("object ID"), max_length=64)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        who = self.actor or _("system")
        return f"{self.created_at:%Y-%m-%d %H:%M} {who}: {self.action} {self.target_type} {self.target_id}"


class Invitation(models.Model):
    """An offer of a role at an institution, e-mailed to an address; accepted once by whoever proves that address.

    The e-mailed token is signed (issuers/invitations.py) and names this row; the row records its single use.
    """

    issuer = models.ForeignKey(
        Issuer, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("institution")
    )
    public_id = models.CharField(_("public ID"), max_length=32, unique=True, default=new_public_id, editable=False)
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), editable=False)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("accepted by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid")]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return _("%(email)s as %(role)s of %(issuer)s") % {
            "email": self.email,
            "role": self.get_role_display(),
            "issuer": self.issuer,
        }


class ApiKeyScope(models.TextChoices):
    READ = "read", _("Read")  # see courses, enrolments and awards through the API
    COMPLETE = "complete", _("Record completions")  # POST /api/v1/completions (implies read)


class ApiKey(models.Model):
    """A secret for the REST API, scoped to one institution. Only a SHA-256 digest of the secret is stored.

    The secret is ``<prefix>.<random>``; the prefix finds the row, the digest is compared in constant time.
    """

    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("institution"))
    name = models.CharField(_("name"), max_length=100, help_text=_("What uses this key, e.g. 'Moodle sync'."))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=10, choices=ApiKeyScope.choices, default=ApiKeyScope.COMPLETE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(scope__in=ApiKeyScope.values), name="api_key_scope_valid")]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return _("%(name)s (%(prefix)s…) of %(issuer)s") % {
            "name": self.name,
            "prefix": self.prefix,
            "issuer": self.issuer,
        }

    def __repr__(self) -> str:
        return f"<ApiKey {self.prefix} {self.scope}>"
