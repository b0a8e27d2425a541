"""The back office's *Import* button: upload a spreadsheet, see what importing it would do, then confirm.

Both steps run the management command's own import function, so the page shows the command's report: spreadsheet
row numbers, the file's column names, all or nothing. Between the steps the upload waits in a temporary file named
in the confirmation form; confirming reads it, deletes it and imports it from the start, so a file that no longer
imports cleanly (the data changed since the preview) writes nothing.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from alignment_fund.spreadsheets.reading import Column, SpreadsheetError, read_upload
from alignment_fund.spreadsheets.report import Action, ImportReport

STORED_PREFIX = "spreadsheet-import-"
STORED_FOR_SECONDS = 24 * 60 * 60


class UploadForm(forms.Form):
    import_file = forms.FileField(label="File", help_text="A .csv (UTF-8) or .xlsx file; the header is its first row.")


class ConfirmForm(forms.Form):
    stored_file = forms.CharField(widget=forms.HiddenInput)
    file_name = forms.CharField(widget=forms.HiddenInput)

    def clean_stored_file(self) -> Path:
        name = self.cleaned_data["stored_file"]
        stored = Path(tempfile.gettempdir()) / name
        if not re.fullmatch(rf"{STORED_PREFIX}\w+", name) or not stored.is_file():
            raise forms.ValidationError("The uploaded file is no longer here: upload it again.")
        return stored


def _store(data: bytes) -> str:
    """Keep an upload until it is confirmed; uploads never confirmed are removed a day later."""
    for stale in Path(tempfile.gettempdir()).glob(f"{STORED_PREFIX}*"):
        if time.time() - stale.stat().st_mtime > STORED_FOR_SECONDS:
            stale.unlink(missing_ok=True)
    with tempfile.NamedTemporaryFile(prefix=STORED_PREFIX, delete=False) as file:
        file.write(data)
    return Path(file.name).name


class SpreadsheetImportMixin:
    """For a ModelAdmin: `spreadsheet_import` is the command's import function, as a staticmethod
    `(table, *, actor, dry_run) -> ImportReport`; `spreadsheet_columns` lists the columns it reads."""

    spreadsheet_import: Callable[..., ImportReport]
    spreadsheet_columns: Sequence[Column] = ()
    change_list_template = "admin/spreadsheets/change_list.html"

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=f"{prefix}_import"),
            path(
                "process_import/",
                self.admin_site.admin_view(require_POST(self.process_import_view)),
                name=f"{prefix}_process_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """The upload form; a POSTed file is checked (a dry run) and, if every row is valid, offered to confirm."""
        form = UploadForm(request.POST or None, request.FILES or None)
        context = {**self.admin_site.each_context(request), "title": "Import", "opts": self.opts, "form": form}
        context["columns"] = self.spreadsheet_columns
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            data = upload.read()
            context["report"] = report = self._run(request, upload.name, data, dry_run=True)
            if report.ok:
                context["confirm_form"] = ConfirmForm(initial={"stored_file": _store(data), "file_name": upload.name})
        return TemplateResponse(request, "admin/spreadsheets/import.html", context)

    def process_import_view(self, request):
        changelist = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist", current_app=self.admin_site.name
        )
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Nothing was imported: the uploaded file is no longer here. Upload it again.")
            return HttpResponseRedirect(changelist)
        stored, file_name = form.cleaned_data["stored_file"], form.cleaned_data["file_name"]
        data = stored.read_bytes()
        stored.unlink(missing_ok=True)
        report = self._run(request, file_name, data, dry_run=False)
        if not report.ok:
            problems = " ".join(str(e) for e in report.errors[:10])
            messages.error(request, f"Nothing was imported. {problems}")
            return HttpResponseRedirect(changelist)
        created = [outcome.instance for outcome in report.rows if outcome.instance is not None]
        if created:
            LogEntry.objects.log_actions(request.user.pk, created, ADDITION, f"Imported from {file_name}.")
        counts = report.counts
        messages.success(request, f"Imported: {counts[Action.NEW]} new rows, {counts[Action.UNCHANGED]} unchanged.")
        return HttpResponseRedirect(changelist)

    def _run(self, request, file_name: str, data: bytes, *, dry_run: bool) -> ImportReport:
        try:
            table = read_upload(file_name, data)
        except SpreadsheetError as exc:
            return ImportReport(what=str(self.opts.verbose_name_plural), dry_run=dry_run, file_errors=[str(exc)])
        return self.spreadsheet_import(table, actor=request.user, dry_run=dry_run)
