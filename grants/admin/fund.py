"""The back office for the fund and its rounds: what each round has awarded and can still award today."""

from __future__ import annotations

from django.contrib import admin
from django.db import models

from alignment_fund.admin import HistoryAdmin, PreparedPageMixin, money_display
from alignment_fund.clock import fund_today
from alignment_fund.rates.models import RateUnavailable
from alignment_fund.templatetags.money import gbp
from grants.reads.position import pool_position, round_positions
from projects.models import Fund, Round

# The fund and its rounds


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0
    fields = ("number", "name", "opens_on", "closes_on", "budget", "status")
    show_change_link = True


@admin.register(Fund)
class FundAdmin(HistoryAdmin):
    list_display = ("name", "administered_by", "website")
    search_fields = ("name", "administered_by")
    inlines = [RoundInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Round)
class RoundAdmin(PreparedPageMixin, HistoryAdmin):
    list_display = (
        "name",
        "number",
        "opens_on",
        "closes_on",
        "status",
        "budget_shown",
        "awarded",
        "headroom_today",
    )
    list_filter = ("status", "fund")
    search_fields = ("name",)
    list_select_related = ("fund",)
    budget_shown = money_display("budget", "budget")

    def prepare_page(self, request, rounds: list[Round]) -> None:
        """Awarded and headroom for the whole page from one pool position: a fixed handful of queries."""
        try:
            positions = round_positions(pool_position(fund_today()), rounds)
        except RateUnavailable:
            return
        for position in positions:
            position.round.position = position

    @admin.display(description="awarded")
    def awarded(self, round_: Round) -> str:
        position = getattr(round_, "position", None)
        return gbp(position.awarded_gbp) if position else "—"

    @admin.display(description="headroom today")
    def headroom_today(self, round_: Round) -> str:
        position = getattr(round_, "position", None)
        return gbp(position.headroom_gbp) if position else "—"
