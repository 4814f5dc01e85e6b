"""The verification form: one of a URL, an uploaded badge image or file, or pasted JSON/JWT; optionally an e-mail."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from badges.openbadges.detect import MAX_TEXT_CHARS


class VerifyForm(forms.Form):
    url = forms.CharField(
        label=_("Badge URL"),
        required=False,
        max_length=2048,
        widget=forms.URLInput(attrs={"autocomplete": "off", "inputmode": "url", "spellcheck": "false"}),
        help_text=_("The address of a hosted badge, e.g. https://example.org/assertions/abc."),
    )
    file = forms.FileField(
        label=_("Badge image or file"),
        required=False,
        help_text=_("A baked PNG or SVG badge image, or a JSON or JWT file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.svg,.json,.jwt,.jws,.txt,image/png,image/svg+xml"}),
    )
    text = forms.CharField(
        label=_("Badge JSON or JWT"),
        required=False,
        max_length=MAX_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("Paste an Open Badges 2.0 or 3.0 document, or a signed token."),
    )
    email = forms.EmailField(
        label=_("Was it issued to this e-mail address? (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("Checked against the badge's salted hash. The address is not stored."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given = [name for name in ("url", "file", "text") if data.get(name)]
        if not given and not self.errors:
            raise forms.ValidationError(
                _("Give a badge URL, upload a badge image or file, or paste its JSON or JWT."), code="empty"
            )
        if len(given) > 1:
            raise forms.ValidationError(_("Give only one of: a URL, a file, or pasted text."), code="ambiguous")
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["aria-describedby"] = f"id_{name}-help"
            if self.errors.get(name) if self.is_bound else False:
                field.widget.attrs["aria-invalid"] = "true"
