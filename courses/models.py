"""Short courses, learners' enrolments in them, and CSV imports of enrolments and completions."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from issuers.models import Issuer
from issuers.public_ids import new_public_id


class Course(models.Model):
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="courses", verbose_name=_("institution"))
    public_id = models.CharField(_("public ID"), max_length=32, unique=True, default=new_public_id, editable=False)
    code = models.SlugField(
        _("course code"), max_length=40, help_text=_("Unique within the institution; used in CSV imports.")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, null=True, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    badge_class = models.ForeignKey(
        "badges.BadgeClass", on_delete=models.PROTECT, related_name="courses", verbose_name=_("badge awarded")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["issuer__name", "title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "code"], name="course_code_unique_per_issuer"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="course_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(hours__isnull=True) | Q(hours__gt=0), name="course_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.badge_class_id and self.issuer_id and self.badge_class.issuer_id != self.issuer_id:
            raise ValidationError({"badge_class": _("The badge must belong to the same institution as the course.")})


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Enrolment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("course"))
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("learner")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    evidence_url = models.URLField(_("evidence URL"), blank=True)
    evidence_narrative = models.TextField(_("evidence narrative"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["course", "learner"], name="enrolment_unique_per_course_learner"),
            models.CheckConstraint(condition=Q(status__in=EnrolmentStatus.values), name="enrolment_status_valid"),
            models.CheckConstraint(
                condition=Q(status="completed", completed_at__isnull=False) | ~Q(status="completed"),
                name="enrolment_completed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return _("%(learner)s in %(course)s") % {"learner": self.learner, "course": self.course}


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, waiting for confirmation")
    REJECTED = "rejected", _("Has errors")
    APPLYING = "applying", _("Importing")
    APPLIED = "applied", _("Imported")
    FAILED = "failed", _("Failed")  # the worker failed or vanished; nothing was written; it can be retried


class CompletionImport(models.Model):
    """An uploaded CSV of enrolments and completions: checked first (dry run), written only when confirmed."""

    public_id = models.CharField(_("public ID"), max_length=32, unique=True, default=new_public_id, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="imports", verbose_name=_("institution"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, verbose_name=_("uploaded by")
    )
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(editable=False)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    enrolled_count = models.PositiveIntegerField(_("enrolled"), default=0)
    completed_count = models.PositiveIntegerField(_("completed"), default=0)
    # The awards this import created, for its progress bar and its failure report.
    award_ids = models.JSONField(default=list, blank=True, editable=False)
    # What the preview said the rows would do ({kind: count}, courses.imports.RowKind) and what applying did.
    preview_counts = models.JSONField(default=dict, blank=True, editable=False)
    applied_counts = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    # When a worker was handed the import: the sweep fails it once no worker can still be running it.
    applying_since = models.DateTimeField(null=True, blank=True, editable=False)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True, editable=False)
    failure_reason = models.TextField(_("failure reason"), blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("CSV import")
        verbose_name_plural = _("CSV imports")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
