"""Milestone reports in the API: each version as its lead and the administrators see it, and the request bodies of
the upload (multipart, one `file`) and of an administrator's review (a comment)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from alignment_fund.api.serializers import InputSerializer
from alignment_fund.uploads import MAX_REPORT_BYTES
from grants.actions.reports import COMMENT_LENGTH
from grants.models import MilestoneReport


class MilestoneReportSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField(
        help_text="Where the lead and administrators download the file, signed in (a page of the site, not a public "
        "address)."
    )

    class Meta:
        model = MilestoneReport
        fields = [
            "id",
            "milestone",
            "version",
            "original_name",
            "size",
            "content_type",
            "status",
            "review_comment",
            "uploaded_at",
            "reviewed_at",
            "file_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_file_url(self, report) -> str:
        return reverse("researcher:report_file", args=[report.pk], request=self.context.get("request"))


class ReportUploadInput(InputSerializer):
    file = serializers.FileField(
        help_text=f"The report: a PDF, Word (.docx) or OpenDocument (.odt) file, at most "
        f"{MAX_REPORT_BYTES // 1024 // 1024} MB. Its content is checked, not only its name.",
        allow_empty_file=False,
        max_length=255,
    )


class ReviewInput(InputSerializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=COMMENT_LENGTH,
        help_text="What the lead should read about this version (required when asking for changes).",
    )
