"""Forms for badge classes: artwork is checked by content (badges/artwork.py) and SVG is sanitised."""

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .artwork import ArtworkError, validate_artwork
from .models import BadgeClass


class TagsField(forms.CharField):
    """Tags typed as comma-separated text, stored as a JSON list of strings."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        tags = [t.strip() for t in text.split(",") if t.strip()]
        if any(len(t) > 60 for t in tags):
            raise forms.ValidationError(_("Each tag must be at most 60 characters."))
        return list(dict.fromkeys(tags))


class BadgeClassForm(forms.ModelForm):
    tags = TagsField(required=False, help_text=_("Comma-separated, e.g. python, data analysis"))

    class Meta:
        model = BadgeClass
        fields = (
            "issuer",
            "name",
            "description",
            "criteria_narrative",
            "criteria_url",
            "image",
            "tags",
            "achievement_type",
            "validity_days",
        )

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not isinstance(upload, UploadedFile):
            return upload  # the existing file, unchanged
        data = upload.read(settings.BADGE_IMAGE_MAX_BYTES + 1)
        try:
            artwork = validate_artwork(data=data, filename=upload.name, max_bytes=settings.BADGE_IMAGE_MAX_BYTES)
        except ArtworkError as exc:
            raise forms.ValidationError(str(exc)) from None
        return ContentFile(artwork.data, name=f"artwork.{artwork.kind}")

    def clean(self):
        data = super().clean()
        if not data.get("criteria_narrative") and not data.get("criteria_url"):
            raise forms.ValidationError(_("Describe the criteria, give a criteria URL, or both."))
        return data
