"""What the API's modules share: the scoped look-ups that decide what a user may see, the brief form of a funder,
and the serializers that value an amount in GBP and USD at the reference rates of its own date."""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from alignment_fund.access import is_administrator
from alignment_fund.api.fields import ValuedSerializer, valued_json
from alignment_fund.api.pagination import Pagination
from alignment_fund.api.permissions import AdministratorsWrite
from alignment_fund.rates.models import RateBook, RateUnavailable
from funders.models import Funder
from grants.models import Award
from grants.reads.position import value
from grants.reads.remembered import RememberedCountPaginator

READ_WRITE = [IsAuthenticated, AdministratorsWrite]


# Scoped look-ups: what this user may see. The models' own `visible_to` where there is one.


def funders_visible_to(user) -> models.QuerySet[Funder]:
    if is_administrator(user):
        return Funder.objects.all()
    if user.is_authenticated and user.funder_id is not None:
        return Funder.objects.filter(pk=user.funder_id)
    return Funder.objects.none()


def funders_for_filter(request):
    # A filter can only name funders the user may see: another funder's id is "not a valid choice", like a
    # funder that does not exist.
    return funders_visible_to(request.user) if request is not None else Funder.objects.none()


# The API shows a researcher's awards by `project__lead`, not `Award.objects.visible_to`, which also lets a funder's
# contact see the awards their money supports: funders reach those through attributions.


class LongListPagination(Pagination):
    """For the lists that grow with the fund (the awards, the attributions): their count is remembered per version
    of the fund."""

    django_paginator_class = RememberedCountPaginator


def awards_visible_to(user) -> models.QuerySet[Award]:
    if is_administrator(user):
        return Award.objects.all()
    if not user.is_authenticated:
        return Award.objects.none()
    return Award.objects.filter(project__lead=user)


class FunderBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Funder
        fields = ["id", "name"]


# Valuing amounts in GBP and USD


class ValuedListSerializer(serializers.ListSerializer):
    """Loads the reference rates for a whole page in one query, so valuing each row costs no query."""

    def to_representation(self, data):
        rows = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        dates = [getattr(row, self.child.valued_on) for row in rows]
        if dates:
            self.context["rate_book"] = RateBook.load(since=min(dates), until=max(dates))
        return super().to_representation(rows)


class ValuedModelSerializer(serializers.ModelSerializer):
    """A record whose `amount` is shown in GBP and USD at the reference rates of its own date (`valued_on`)."""

    valued_on = "pledged_on"
    valued = serializers.SerializerMethodField(
        help_text="The amount in GBP and USD at the reference rates of the record's own date, with the rates used; "
        "null if no rate was published that early."
    )

    @extend_schema_field(ValuedSerializer(allow_null=True))
    def get_valued(self, obj) -> dict | None:
        on = getattr(obj, self.valued_on)
        book = self.context.get("rate_book")
        if book is None:
            book = self.context["rate_book"] = RateBook.load(since=on, until=on)
        try:
            return valued_json(value(obj.amount.amount, obj.amount_currency, on, book), on)
        except RateUnavailable:
            return None
