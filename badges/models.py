"""Badge classes (OB 3.0 achievements), their skill alignments, and awards (OB 2.0 assertions)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from issuers.models import Issuer
from issuers.public_ids import new_public_id
from issuers.validators import clean_single_line_fields


class AchievementType(models.TextChoices):
    """The Open Badges 3.0 AchievementType enumeration (the values wallets understand)."""

    ACHIEVEMENT = "Achievement", _("Achievement")
    APPRENTICESHIP_CERTIFICATE = "ApprenticeshipCertificate", _("Apprenticeship certificate")
    ASSESSMENT = "Assessment", _("Assessment")
    ASSOCIATE = "Associate", _("Associate degree")
    AWARD = "Award", _("Award")
    BADGE = "Badge", _("Badge")
    BACHELOR_DEGREE = "BachelorDegree", _("Bachelor degree")
    CERTIFICATE = "Certificate", _("Certificate")
    CERTIFICATE_OF_COMPLETION = "CertificateOfCompletion", _("Certificate of completion")
    CERTIFICATION = "Certification", _("Certification")
    COMMUNITY_SERVICE = "CommunityService", _("Community service")
    COMPETENCY = "Competency", _("Competency")
    COURSE = "Course", _("Course")
    CO_CURRICULAR = "CoCurricular", _("Co-curricular")
    DEGREE = "Degree", _("Degree")
    DIPLOMA = "Diploma", _("Diploma")
    DOCTORAL_DEGREE = "DoctoralDegree", _("Doctoral degree")
    FIELDWORK = "Fieldwork", _("Fieldwork")
    GENERAL_EDUCATION_DEVELOPMENT = "GeneralEducationDevelopment", _("General education development")
    JOURNEYMAN_CERTIFICATE = "JourneymanCertificate", _("Journeyman certificate")
    LEARNING_PROGRAM = "LearningProgram", _("Learning program")
    LICENSE = "License", _("License")
    MEMBERSHIP = "Membership", _("Membership")
    MICRO_CREDENTIAL = "MicroCredential", _("Micro-credential")
    PROFESSIONAL_DOCTORATE = "ProfessionalDoctorate", _("Professional doctorate")
    QUALITY_ASSURANCE_CREDENTIAL = "QualityAssuranceCredential", _("Quality assurance credential")
    MASTER_CERTIFICATE = "MasterCertificate", _("Master certificate")
    MASTER_DEGREE = "MasterDegree", _("Master degree")
    RESEARCH_DOCTORATE = "ResearchDoctorate", _("Research doctorate")
    SECONDARY_SCHOOL_DIPLOMA = "SecondarySchoolDiploma", _("Secondary school diploma")


class BadgeClass(models.Model):
    issuer = models.ForeignKey(
        Issuer, on_delete=models.PROTECT, related_name="badge_classes", verbose_name=_("institution")
    )
    public_id = models.CharField(_("public ID"), max_length=32, unique=True, default=new_public_id, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))
    criteria_narrative = models.TextField(_("criteria (Markdown)"), blank=True)
    criteria_url = models.URLField(_("criteria URL"), blank=True)
    image = models.FileField(_("artwork (PNG or SVG)"), upload_to="badge-classes/")
    tags = models.JSONField(_("tags"), default=list, blank=True)
    achievement_type = models.CharField(
        _("achievement type"), max_length=40, choices=AchievementType.choices, default=AchievementType.BADGE
    )
    validity_days = models.PositiveIntegerField(
        _("valid for (days)"), null=True, blank=True, help_text=_("Leave empty for badges that never expire.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["issuer__name", "name"]
        verbose_name = _("badge class")
        verbose_name_plural = _("badge classes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(criteria_narrative="") | ~Q(criteria_url=""), name="badge_class_has_criteria"
            ),
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gt=0),
                name="badge_class_validity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The name goes into e-mail subjects and signed documents: one line only (issuers/validators.py).
        clean_single_line_fields(self, "name")


class Alignment(models.Model):
    """A skill or competency the badge aligns to (OB 2.0 AlignmentObject, OB 3.0 Alignment)."""

    badge_class = models.ForeignKey(BadgeClass, on_delete=models.CASCADE, related_name="alignments")
    target_name = models.CharField(_("skill name"), max_length=200)
    target_url = models.URLField(_("skill URL"))
    target_framework = models.CharField(_("framework"), max_length=200, blank=True)
    target_code = models.CharField(_("code"), max_length=100, blank=True)
    target_description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("skill alignment")
        verbose_name_plural = _("skill alignments")

    def __str__(self) -> str:
        return self.target_name

    def clean(self) -> None:
        clean_single_line_fields(self, "target_name", "target_framework", "target_code")


class AwardStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # created; the worker has not yet signed and baked it
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Failed")  # a permanent error; retryable from the admin
    REVOKED = "revoked", _("Revoked")


class Award(models.Model):
    """One learner's badge: what Open Badges 2.0 calls an assertion and 3.0 a credential."""

    public_id = models.CharField(_("public ID"), max_length=32, unique=True, default=new_public_id, editable=False)
    # No index of their own for issuer and enrolment: the unique (issuer, status_list_index) and the partial unique
    # (enrolment) indexes serve those lookups, and every award is written three times (created, issued, e-mailed).
    issuer = models.ForeignKey(
        Issuer,
        on_delete=models.PROTECT,
        related_name="awards",
        editable=False,
        db_index=False,
        verbose_name=_("institution"),
    )
    badge_class = models.ForeignKey(
        BadgeClass, on_delete=models.PROTECT, related_name="awards", verbose_name=_("badge class")
    )
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.PROTECT, related_name="awards", verbose_name=_("learner")
    )
    enrolment = models.ForeignKey(
        "courses.Enrolment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
        db_index=False,
        verbose_name=_("enrolment"),
    )
    recipient_salt = models.CharField(max_length=64, editable=False)
    recipient_hash = models.CharField(max_length=80, editable=False)
    issued_on = models.DateTimeField(_("awarded on"))  # the original award date, kept when renewed
    valid_from = models.DateTimeField(_("valid from"))  # the award date, or the date of the last renewal
    expires_on = models.DateTimeField(_("expires on"), null=True, blank=True)
    evidence_url = models.URLField(_("evidence URL"), blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AwardStatus.choices, default=AwardStatus.PENDING)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    revocation_reason = models.TextField(_("revocation reason"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Position in the issuer's Bitstring Status List; drawn at random when the award is created.
    status_list_index = models.PositiveIntegerField(editable=False)
    public = models.BooleanField(_("public"), default=False)
    # urn:uuid identity of the signed OB 2.0 assertion and the OB 3.0 credential.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What the issuing pipeline produced. The documents are kept so public endpoints serve exactly what was signed.
    ob2_assertion = models.JSONField(null=True, blank=True, editable=False)
    ob2_jws = models.TextField(blank=True, editable=False)
    ob3_credential = models.JSONField(null=True, blank=True, editable=False)
    ob3_jwt = models.TextField(blank=True, editable=False)
    baked_png = models.FileField(upload_to="baked/%Y/%m/", blank=True, editable=False)
    baked_svg = models.FileField(upload_to="baked/%Y/%m/", blank=True, editable=False)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    notified_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True, editable=False)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The last e-mail to the learner that could not be sent, and why (the batch goes on without it).
    email_failed_at = models.DateTimeField(_("e-mail failed at"), null=True, blank=True, editable=False)
    email_failure = models.TextField(_("e-mail failure"), blank=True, editable=False)
    # A correction or re-issue is a new award; the one it replaces stays (revoked, reason "superseded").
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        editable=False,
        verbose_name=_("replaces"),
    )
    # Counted for the institution's dashboard: HTML page views by others than the holder, and verifications of this
    # award through /verify or the API.
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    verification_count = models.PositiveIntegerField(_("verifications"), default=0, editable=False)
    last_verified_at = models.DateTimeField(_("last verified at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            # One live award per enrolment: a revoked one may be followed by its re-issue or correction.
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(enrolment__isnull=False) & ~Q(status="revoked"),
                name="award_one_live_per_enrolment",
            ),
            models.UniqueConstraint(fields=["issuer", "status_list_index"], name="award_status_index_unique"),
            models.CheckConstraint(condition=Q(status__in=AwardStatus.values), name="award_status_valid"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("valid_from")),
                name="award_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(revoked_at__isnull=False), name="award_revoked_has_time"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.badge_class} → {self.learner.email if self.learner_id else '?'}"


class StatusList(models.Model):
    """An issuer's Bitstring Status List (one per purpose) and its signed credential, re-signed on each change."""

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="status_lists")
    purpose = models.CharField(max_length=12, default="revocation")
    bits = models.BinaryField(editable=False)
    credential = models.JSONField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "purpose"], name="status_list_one_per_purpose")]
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self) -> str:
        return _("%(purpose)s status list of %(issuer)s") % {"purpose": self.purpose, "issuer": self.issuer}


class SystemAlert(models.Model):
    """Something the platform's operators must look at, e.g. the fast canonicalization path switched itself off."""

    kind = models.CharField(_("kind"), max_length=40)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("system alert")
        verbose_name_plural = _("system alerts")

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:80]}"


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker said it was alive (written by the worker itself, read by the dashboard)."""

    hostname = models.CharField(_("host name"), max_length=200, unique=True)
    seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return _("%(host)s at %(time)s") % {"host": self.hostname, "time": f"{self.seen_at:%Y-%m-%d %H:%M:%S}"}


class WalletOffer(models.Model):
    """One chance to put an award into a wallet (badges/wallets): a short-lived, single-use offer that any wallet
    can take, through the VC-API exchange, the LCW credential request or OpenID for Verifiable Credential Issuance.

    The offer's id in its URLs and the OID4VCI codes and token are bearer secrets: only their SHA-256 is stored, so
    a copy of the database redeems nothing. The challenge is not a secret on its own (the wallet must sign it).
    """

    class Kind(models.TextChoices):
        # Which protocol redeemed the offer; empty while it is unused.
        NONE = "", _("Not redeemed")
        VCAPI = "vcapi", _("VC-API exchange")
        LCW_REQUEST = "lcw_request", _("LCW credential request")
        OID4VCI = "oid4vci", _("OpenID for Verifiable Credential Issuance")

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="wallet_offers", verbose_name=_("award"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(_("redeemed through"), max_length=12, choices=Kind.choices, blank=True, default="")
    challenge = models.CharField(max_length=64, editable=False)
    domain = models.CharField(max_length=255, editable=False)
    pre_authorized_code_hash = models.CharField(max_length=64, unique=True, editable=False)
    tx_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    access_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    c_nonce = models.CharField(max_length=64, blank=True, editable=False)
    # Wrong transaction codes so far: the offer is spent after WALLET_TX_CODE_ATTEMPTS, so six digits cannot be
    # guessed by trying them all.
    failed_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("wallet offer")
        verbose_name_plural = _("wallet offers")

    def __str__(self) -> str:
        return f"{self.award} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else str(self.award)


class WalletCopy(models.Model):
    """A copy of an award issued to a wallet, bound to the wallet's DID (credentialSubject.id).

    It carries the award's credentialStatus entry (the same status-list index), so revoking the award revokes it.
    """

    class Format(models.TextChoices):
        LDP_VC = "ldp_vc", _("Data Integrity (eddsa-rdfc-2022)")
        JWT_VC_JSON = "jwt_vc_json", _("VC-JWT")

    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="wallet_copies", verbose_name=_("award"))
    offer = models.OneToOneField(
        WalletOffer, on_delete=models.PROTECT, related_name="copy", verbose_name=_("wallet offer")
    )
    holder_did = models.CharField(_("holder DID"), max_length=2000)
    format = models.CharField(_("format"), max_length=12, choices=Format.choices)
    credential = models.JSONField(_("credential"))
    credential_jwt = models.TextField(blank=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("wallet copy")
        verbose_name_plural = _("wallet copies")

    def __str__(self) -> str:
        return f"{self.award} → {self.holder_did[:60]}"
