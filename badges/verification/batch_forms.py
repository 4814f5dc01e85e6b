"""The batch verification form (/verify/batch): one CSV file of badge URLs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class BatchVerifyForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file of badge URLs"),
        help_text=_(
            "An export from your applicant-tracking system, or a list with one badge URL per line. Up to 100 rows; "
            "the column is found by its name (url, badge, link, lien...)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
        error_messages={"required": _("Choose a CSV file of badge URLs.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.widget.attrs["aria-describedby"] = "id_file-help"
        if self.is_bound and self.errors.get("file"):
            field.widget.attrs["aria-invalid"] = "true"
