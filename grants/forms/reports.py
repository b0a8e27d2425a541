"""The forms of the report flow: the lead's upload, the administrator's review."""

from __future__ import annotations

from django import forms

from alignment_fund.uploads import MAX_REPORT_BYTES
from grants.actions.reports import COMMENT_LENGTH


class ReportUploadForm(forms.Form):
    file = forms.FileField(
        label="Report",
        help_text=f"A PDF, Word (.docx) or OpenDocument (.odt) file, at most {MAX_REPORT_BYTES // 1024 // 1024} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt"}),
        error_messages={"required": "Choose the report's file.", "empty": "The file is empty."},
    )


class ReportReviewForm(forms.Form):
    ACCEPT = "accept"
    REQUEST_CHANGES = "request_changes"

    decision = forms.ChoiceField(
        choices=[(ACCEPT, "Accept the report"), (REQUEST_CHANGES, "Ask for changes")],
        widget=forms.RadioSelect,
        label="Decision",
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=COMMENT_LENGTH,
        label="Comment for the researcher",
        help_text="Required when asking for changes: say what should change. The lead sees it.",
    )
