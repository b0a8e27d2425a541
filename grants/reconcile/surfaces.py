"""What each surface publishes, obtained from the same functions the surface renders from, each asked once.

The pages' reads (the portfolio, the administrators' pool, each funder's dashboard with its pool), the funder's CSV
statement, the summary snapshot and the 360Giving package are called directly. The API is asked through its own
views, as an administrator and as each funder's contact, with the same JSON a client gets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.http.request import validate_host
from rest_framework.test import APIClient

from alignment_fund.models import User
from funders.models import Funder, FunderContact
from grants.exports.giving360 import NothingToPublish, build_package
from grants.exports.statement_csv import statement_rows
from grants.reads.funder_parts import paid_parts
from grants.reads.funder_view import FunderDashboard, funder_dashboard
from grants.reads.periods import parse_period, previous_quarter
from grants.reads.pool_overview import AdministratorsPool, administrators_pool
from grants.reads.portfolio import Portfolio, portfolio
from grants.reads.snapshots import build_summary
from grants.reads.statement import FunderStatement, funder_statement


class SurfaceUnavailable(RuntimeError):
    """A surface could not be read at all (the API answered with an error)."""


def amount(money: dict | None) -> Decimal | None:
    """The amount of an API money object ({"amount": "12.34", "currency": "GBP"})."""
    return None if money is None else Decimal(money["amount"])


class Api:
    """The JSON API as its clients see it, asked in-process through its own URLs, views and serializers."""

    def __init__(self):
        self.host = next(
            (
                host
                for host in ("testserver", *(host.lstrip(".") for host in settings.ALLOWED_HOSTS))
                if host and "*" not in host and validate_host(host, settings.ALLOWED_HOSTS)
            ),
            "testserver",
        )

    @cached_property
    def administrator(self) -> User:
        """An administrator that exists only for this run. The command runs on the server, whose shell already
        stands for an administrator, so it counts as past any second factor."""
        user = User(username="reconcile", is_staff=True, is_superuser=True, is_active=True)
        user.is_verified = lambda: True
        return user

    def get(self, user: User, path: str, **params) -> dict:
        client = APIClient()
        client.force_authenticate(user)
        response = client.get(path, params, secure=True, HTTP_HOST=self.host)
        if response.status_code != 200:
            raise SurfaceUnavailable(f"GET {path} {params} as {user.username} answered {response.status_code}")
        return response.json()

    def every_page(self, user: User, path: str, **params) -> list[dict]:
        rows, page = [], 1
        while True:
            answer = self.get(user, path, page=page, page_size=200, **params)
            rows += answer["results"]
            if not answer.get("next"):
                return rows
            page += 1


class Surfaces:
    """Every surface's figures on `on`, each computed once however many checks read it."""

    def __init__(self, on: date):
        self.on = on
        self.api = Api()

    @cached_property
    def funders(self) -> list[Funder]:
        return list(Funder.objects.order_by("name"))

    @cached_property
    def contacts(self) -> dict[int, User]:
        """Each funder's contact to ask the API as: the first active one who is not also an administrator."""
        contacts: dict[int, User] = {}
        for contact in (
            FunderContact.objects.filter(user__is_active=True, user__is_staff=False)
            .select_related("user")
            .order_by("pk")
        ):
            contacts.setdefault(contact.funder_id, contact.user)
        return contacts

    @cached_property
    def portfolio(self) -> Portfolio:
        return portfolio(self.on)

    @cached_property
    def administrators_pool(self) -> AdministratorsPool:
        return administrators_pool(self.on)

    @cached_property
    def snapshot(self) -> dict:
        return build_summary(self.on)

    @cached_property
    def dashboards(self) -> dict[int, FunderDashboard]:
        return {funder.pk: funder_dashboard(funder, self.on) for funder in self.funders}

    @cached_property
    def dashboard_parts(self) -> dict[int, dict[int, Decimal]]:
        """Each funder's part of each award's payments, as its dashboard adds them up (in SQL)."""
        return {funder.pk: paid_parts(funder, self.on) for funder in self.funders}

    @cached_property
    def statements(self) -> dict[int, list[dict[str, str]]]:
        """Each funder's CSV statement since the start, as it stands on the day."""
        period = parse_period("all", self.on)
        return {funder.pk: list(statement_rows(funder_statement(funder, period, self.on))) for funder in self.funders}

    @cached_property
    def quarter_statements(self) -> dict[int, tuple[FunderStatement, FunderStatement]]:
        """Each funder's statements of the quarter before the day's and of the day's own (to date)."""
        this = parse_period(f"{self.on.year}-Q{(self.on.month - 1) // 3 + 1}", self.on)
        before = previous_quarter(this, self.on)
        return {
            funder.pk: (funder_statement(funder, before, self.on), funder_statement(funder, this, self.on))
            for funder in self.funders
        }

    @cached_property
    def package(self) -> dict:
        """The 360Giving package (it publishes the awards as they stand, whatever the date)."""
        try:
            return build_package()
        except NothingToPublish:
            return {"grants": []}

    @cached_property
    def api_pool(self) -> dict:
        return self.api.get(self.api.administrator, "/api/pool/", on=self.on.isoformat())

    @cached_property
    def api_contact_pools(self) -> dict[int, dict]:
        return {
            funder_id: self.api.get(user, "/api/pool/", on=self.on.isoformat())
            for funder_id, user in self.contacts.items()
        }

    @cached_property
    def api_attributions(self) -> list[dict]:
        """Every funder's part of every award, as administrators read them (the present, whatever the date)."""
        return self.api.every_page(self.api.administrator, "/api/attributions/")

    @cached_property
    def api_contact_attributions(self) -> dict[int, list[dict]]:
        return {funder_id: self.api.every_page(user, "/api/attributions/") for funder_id, user in self.contacts.items()}
