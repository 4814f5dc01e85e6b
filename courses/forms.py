"""Forms for enrolling a learner and uploading a CSV of completions."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from issuers.validators import validate_single_line

from .models import Enrolment


class EnrolmentAddForm(forms.ModelForm):
    email = forms.EmailField(label=_("Learner e-mail"))
    name = forms.CharField(label=_("Learner name"), max_length=200, validators=[validate_single_line])

    class Meta:
        model = Enrolment
        fields = ("course",)


class CompletionImportForm(forms.Form):
    issuer = forms.ModelChoiceField(queryset=None, label=_("Institution"))
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email, name, course (its code or public id), completed (empty, yes/no, or a date such as "
            "2026-05-31 or 31/05/2026), evidence_url, narrative. French headers are accepted too."
        ),
    )

    def __init__(self, *args, issuers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = issuers
        if issuers.count() == 1:
            self.fields["issuer"].initial = issuers.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.CSV_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": settings.CSV_IMPORT_MAX_BYTES // 1_000_000}
            )
        return upload
