"""Forms for badge classes: artwork is checked by content (badges/artwork.py) and SVG is sanitised."""

import hashlib
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
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


def artwork_url(badge_class: BadgeClass) -> str:
    """Where the admin shows a badge class's artwork: its public image URL on our own origin (media files are not
    served). Versioned by the stored file's name: the image is cached for an hour, and a new upload is a new name."""
    version = hashlib.sha256(badge_class.image.name.encode()).hexdigest()[:12]
    return f"{reverse('badge-class-image', args=[badge_class.public_id])}?v={version}"


@dataclass(frozen=True)
class _ServedArtwork:
    """What Django's file widget links to: the artwork's public URL instead of the storage URL under MEDIA_URL,
    which the platform does not serve (the link was a 404)."""

    url: str
    name: str

    def __str__(self) -> str:
        return self.name


class ArtworkInput(forms.ClearableFileInput):
    """The artwork field with previews: the saved artwork, from its public URL on our own origin (CSP img-src
    'self'), and a file just chosen, shown by static/js/admin-artwork-preview.js before anything is saved."""

    artwork_url = ""  # set by the form for a saved badge class

    class Media:
        js = ["js/admin-artwork-preview.js"]
        css = {"all": ["css/admin-artwork.css"]}

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/png,image/svg+xml,.png,.svg", "data-artwork-preview": "", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.artwork_url and context["widget"]["is_initial"]:
            context["widget"]["value"] = _ServedArtwork(url=self.artwork_url, name=str(value).rsplit("/", 1)[-1])
        return context

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        input_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        saved = ""
        if self.artwork_url and self.is_initial(value):
            saved = format_html(
                '<img class="artwork-preview" src="{}" alt="{}" data-artwork-saved>', self.artwork_url, _("Artwork")
            )
        chosen = format_html(
            '<img class="artwork-preview" alt="{}" data-artwork-preview-of="{}" hidden>'
            '<span class="artwork-preview-note" data-artwork-note-of="{}" hidden>{}</span>',
            _("The chosen artwork"),
            input_id,
            input_id,
            _("Preview of the chosen file: it is checked, and an SVG cleaned, when you save."),
        )
        return mark_safe(f'<div class="artwork-input">{saved}{field}{chosen}</div>')  # noqa: S308  (parts escaped)


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
        widgets = {"image": ArtworkInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A read-only page (a role that may only view) builds this form without fields.
        if "image" in self.fields and self.instance.pk and self.instance.image:
            self.fields["image"].widget.artwork_url = artwork_url(self.instance)

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
