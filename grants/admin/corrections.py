"""Reversals in the back office: reversed records stay listed, marked who reversed them, when and why; each record's
page has a "Reverse…" button, and each list an action, leading to the reversal form of the pages (a reason is
required), so the back office stays read-only for money and reverses through the same one call."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from funders.models import Conversion, Pledge, Receipt
from grants.models import Disbursement

KINDS = {Pledge: "pledges", Receipt: "receipts", Conversion: "conversions", Disbursement: "payments"}


def reversal_url(record) -> str:
    return reverse("grants:reverse_record", args=[KINDS[type(record)], record.pk])


class ReversibleAdminMixin:
    """Put it just before `admin.ModelAdmin`; add "reversal" to `change_fields`, `posted_fields` and `list_display`,
    and "reversed_by" to `list_select_related`."""

    actions = ["reverse_selected"]

    def get_queryset(self, request):
        # Reversed records too: the back office shows the history, marked. (No select_related here: the change list
        # then applies `list_select_related`, where "reversed_by" belongs.)
        queryset = self.model.all_objects.get_queryset()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    @admin.display(description="reversal")
    def reversal(self, record) -> str:
        if record.pk is None:
            return "—"
        if record.reversed_at is not None:
            by = f" by {record.reversed_by}" if record.reversed_by_id else ""
            when = timezone.localtime(record.reversed_at).strftime("%-d %b %Y")
            return f"Reversed {when}{by}: {record.reversal_reason}"
        return format_html('<a class="button" href="{}">Reverse…</a>', reversal_url(record))

    @admin.action(description="Reverse the selected record (asks for a reason)")
    def reverse_selected(self, request, queryset):
        records = list(queryset[:2])
        if len(records) != 1:
            self.message_user(
                request, "Choose one record at a time: each reversal needs its own reason.", level=messages.ERROR
            )
            return None
        return redirect(reversal_url(records[0]))
