"""The admin's upload form for ClinicalTrials.gov JSON files."""

from django import forms
from django.utils.translation import gettext_lazy as _

ACCEPTED = ".json,.jsonl,.ndjson,.zip,application/json,application/zip"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as in Django's "Uploading multiple files" recipe."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        single_file_clean = super().clean
        files = [item for item in (data if isinstance(data, (list, tuple)) else [data]) if item]
        if not files:
            # No file at all: the usual "This field is required." when required.
            single_file_clean(None, initial)
            return []
        return [single_file_clean(item, initial) for item in files]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=_("Study files"),
        help_text=_(
            "ClinicalTrials.gov API v2 JSON: a single study, a page of studies "
            "({“studies”: […]}), one study per line, or a .zip of such files. Studies are "
            "matched by NCT number: importing a file again changes nothing."
        ),
    )
