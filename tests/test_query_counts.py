"""Every page a user reaches costs a fixed number of queries: the same for the demo fund and for a fund ten times its
size (ten times the money, projects and awards, with the same shape). An N+1 shows up here as a failing test, not as
a slow page.

Each size is built once per class, through the fund's own operations (grants.demo.DemoBuilder), inside a transaction
that is rolled back afterwards; each test runs in its own savepoint on top.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib import admin
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse

from alignment_fund.models import User
from funders.models import Funder, Pledge, Receipt
from grants.demo import DemoBuilder
from grants.models import Approval, Award, Milestone, PaymentRun
from grants.reads.remembered import forget
from projects.models import Project, Round

DEMO_TODAY = date(2026, 10, 30)


@dataclass(frozen=True)
class Demo:
    """The demo's records the pages are asked about, found by what they are (the same at both sizes)."""

    round1: int
    round2: int
    award: int  # the researcher's Round 1 award
    award2: int  # researcher2's Round 2 award
    awarded_project: int
    waiting_project: int  # first on the waitlist
    milestone_to_report: int
    milestone_to_pay: int
    openai_funder: int
    openai_pledge: int
    openai_receipt: int
    approval: int  # the large award waiting for a second administrator
    payment_run: int  # last month's run, waiting to be released

    @classmethod
    def find(cls) -> Demo:
        award = Award.objects.get(project__lead__username="researcher")
        awaited = Milestone.objects.filter(report_received_on__isnull=True).order_by("due_on", "pk")
        approved_unpaid = Milestone.objects.unpaid().filter(approved_on__isnull=False)
        return cls(
            round1=Round.objects.get(number=1).pk,
            round2=Round.objects.get(number=2).pk,
            award=award.pk,
            award2=Award.objects.get(project__lead__username="researcher2").pk,
            awarded_project=award.project_id,
            waiting_project=Project.objects.vetted_waiting().first().pk,
            milestone_to_report=awaited.first().pk,
            # An approved report waiting for its payment run if there is one, else the next report awaited.
            milestone_to_pay=(approved_unpaid.order_by("approved_on", "pk").first() or awaited.first()).pk,
            openai_funder=Funder.objects.get(slug="openai").pk,
            openai_pledge=Pledge.objects.get(funder__slug="openai").pk,
            openai_receipt=Receipt.objects.filter(pledge__funder__slug="openai").order_by("pk").first().pk,
            approval=Approval.objects.get(status="pending").pk,
            payment_run=PaymentRun.objects.get().pk,
        )


Url = Callable[[Demo], str]


def page(name: str, *args: str) -> Url:
    return lambda d: reverse(name, args=[getattr(d, a) for a in args])


def with_query(name: str, **params: str) -> Url:
    return lambda d: reverse(name) + "?" + "&".join(f"{k}={getattr(d, v, v)}" for k, v in params.items())


# (who asks, where). Who is a demo sign-in, or None for a visitor who is not signed in.
PAGES: dict[str, tuple[str | None, Url]] = {
    # The administrator's pages and forms
    "home (administrator)": ("admin", page("home")),
    "portfolio": ("admin", page("grants:portfolio")),
    "waitlist": ("admin", page("grants:waitlist")),
    "calendar": ("admin", page("grants:calendar")),
    "calendar, this month's payments": (
        "admin",
        lambda d: reverse("grants:calendar_month", args=[f"{DEMO_TODAY:%Y}", f"{DEMO_TODAY:%m}"]),
    ),
    "charts": ("admin", page("grants:charts")),
    "awards list": ("admin", page("grants:award_list")),
    "awards list of a round, page 2": ("admin", with_query("grants:award_list", round="round1", page="2")),
    "awards list searched": ("admin", with_query("grants:award_list", q="interpretability", status="active")),
    "awards list of a funder": ("admin", with_query("grants:award_list", funder="openai_funder")),
    "projects list": ("admin", page("grants:project_list")),
    "projects list of a round": ("admin", with_query("grants:project_list", round="round2", status="vetted")),
    "round 1": ("admin", page("grants:round", "round1")),
    "round 2": ("admin", page("grants:round", "round2")),
    "awarded project": ("admin", page("grants:project", "awarded_project")),
    "waiting project": ("admin", page("grants:project", "waiting_project")),
    "award": ("admin", page("grants:award", "award")),
    "award form": ("admin", page("grants:award_project", "waiting_project")),
    "pledge form": ("admin", page("grants:record_pledge")),
    "pledge form for a funder": ("admin", with_query("grants:record_pledge", funder="openai_funder", currency="USD")),
    "receipt form": ("admin", page("grants:record_receipt")),
    "receipt form for a pledge": ("admin", with_query("grants:record_receipt", pledge="openai_pledge")),
    "receipt form for a funder": ("admin", with_query("grants:record_receipt", funder="openai_funder")),
    "conversion form": ("admin", page("grants:record_conversion")),
    "conversion form for a receipt": ("admin", with_query("grants:record_conversion", receipt="openai_receipt")),
    "conversion form for a funder": ("admin", with_query("grants:record_conversion", funder="openai_funder")),
    "report received form": ("admin", page("grants:milestone_received", "milestone_to_report")),
    "approval form": ("admin", page("grants:milestone_approve", "milestone_to_report")),
    "payment form": ("admin", page("grants:record_disbursement", "milestone_to_pay")),
    "approvals": ("admin", page("grants:approvals")),
    "approval": ("admin2", page("grants:approval", "approval")),
    "payment runs": ("admin", page("grants:payment_runs")),
    "payment run": ("admin2", page("grants:payment_run", "payment_run")),
    "portfolio (second administrator)": ("admin2", page("grants:portfolio")),
    "api approvals (administrator)": ("admin", page("api-approval-list")),
    "api payment runs (administrator)": ("admin", page("api-payment-run-list")),
    "360Giving JSON": ("admin", page("grants:export_360giving_json")),
    "360Giving CSV": ("admin", page("grants:export_360giving_csv")),
    "ledger CSV": ("admin", page("grants:export_ledger")),
    "back office index": ("admin", page("admin:index")),
    # Funders' contacts: OpenAI discloses its amounts, UK AISI is the largest backer
    "home (funder)": ("openai", page("home")),
    "funder dashboard (openai)": ("openai", page("funder:dashboard")),
    "funder statement (openai)": ("openai", page("funder:statement")),
    "funder dashboard (aisi)": ("aisi", page("funder:dashboard")),
    "funder statement (aisi)": ("aisi", page("funder:statement")),
    "funder statement page (openai)": ("openai", page("funder:statement_page")),
    "funder statement page for a quarter (openai)": ("openai", with_query("funder:statement_page", period="2026-Q2")),
    "funder statement page (aisi)": ("aisi", page("funder:statement_page")),
    "funder statement for administrators": ("admin", page("grants:funder_statement_page", "openai_funder")),
    # Researchers
    "home (researcher)": ("researcher", page("home")),
    "my awards (researcher)": ("researcher", page("researcher:my_awards")),
    "my award (researcher)": ("researcher", page("researcher:award", "award")),
    "my awards (researcher2)": ("researcher2", page("researcher:my_awards")),
    "my award (researcher2)": ("researcher2", page("researcher:award", "award2")),
    # Everyone
    "healthz": (None, page("healthz")),
    "sign-in page": (None, page("login")),
    "password change page": ("researcher", page("password_change")),
    # The API's lists, as each role that may read them
    "api pool (administrator)": ("admin", page("api-pool")),
    "api pool (openai)": ("openai", page("api-pool")),
}
for _endpoint in ["funder", "pledge", "receipt", "conversion", "attribution"]:
    PAGES[f"api {_endpoint}s (administrator)"] = ("admin", page(f"api-{_endpoint}-list"))
    PAGES[f"api {_endpoint}s (openai)"] = ("openai", page(f"api-{_endpoint}-list"))
for _endpoint in ["round", "research-area", "project", "award", "milestone", "disbursement"]:
    PAGES[f"api {_endpoint}s (administrator)"] = ("admin", page(f"api-{_endpoint}-list"))
    PAGES[f"api {_endpoint}s (researcher)"] = ("researcher", page(f"api-{_endpoint}-list"))
# Every list of the fund's own models in the back office
for _model in admin.site._registry:
    if _model._meta.app_label not in {"alignment_fund", "rates", "funders", "grants", "projects"}:
        continue
    _label = f"{_model._meta.app_label}_{_model._meta.model_name}"
    PAGES[f"admin {_label}"] = ("admin", page(f"admin:{_label}_changelist"))


# What each page costs on a first visit (nothing remembered), at either size. A signed-in page starts with two (the
# session and the user); the API's lists add a COUNT for the page of results. A figure remembered per version of the
# fund (grants.reads.remembered) costs one query more for the version, and the first time its own queries and five
# more: it is looked for among the figures kept in the database, the version is read again (a figure worked out while
# it moved is not kept), and it is kept there in a savepoint of the test's transaction (SAVEPOINT, INSERT, RELEASE;
# a page outside a transaction makes two queries fewer). A list's count is not kept: the version again, and no more.
EXPECTED: dict[str, int] = {
    "home (administrator)": 2,
    "portfolio": 44,  # + late instalments (instalments, receipts), what waits for a second administrator, reports;
    # the oldest 50 pledges to arrive and receipts to convert are read as records after the sums (two queries), and
    # the oldest 50 reports waiting and final reports overdue with how many there are of each (four)
    "waitlist": 13,  # the current round's count and total, its first project short, a page; the other rounds' best 50, and a count
    "calendar": 21,  # month totals in SQL and the expected instalments; each month's payments are a page of their own
    "calendar, this month's payments": 16,  # the calendar's month totals, then a page of them
    "charts": 34,  # the calendar's month totals, and the expected instalments
    "awards list": 9,
    "awards list of a round, page 2": 10,
    "awards list searched": 9,
    "awards list of a funder": 10,
    "projects list": 8,
    "projects list of a round": 9,
    # The first 50 awards and waiting projects, their counts, and the first project short of headroom (round 1 has
    # nobody waiting: its empty page is not read).
    "round 1": 13,
    "round 2": 14,
    "awarded project": 3,
    "waiting project": 3,
    "award": 11,  # milestones with their payments and reports, every payment (reversed too), amendments
    "award form": 8,
    "pledge form": 5,
    "pledge form for a funder": 5,
    # The receipt and conversion forms offer one funder's open records (at most CHOICES_SHOWN), never all of them:
    # the funders, then for a funder (chosen, or the linked record's) its records; a link adds the record and its sum.
    "receipt form": 3,
    "receipt form for a pledge": 6,
    "receipt form for a funder": 5,
    "conversion form": 3,
    "conversion form for a receipt": 6,
    "conversion form for a funder": 5,
    "report received form": 3,
    "approval form": 3,
    "payment form": 3,
    "approvals": 3,
    "approval": 3,
    "payment runs": 4,
    "payment run": 6,
    "portfolio (second administrator)": 44,
    "api approvals (administrator)": 4,
    "api payment runs (administrator)": 7,
    "360Giving JSON": 8,  # streamed: is there anything to publish, then the grants a chunk at a time
    "360Giving CSV": 10,  # and the number of funder columns, counted before the rows
    "ledger CSV": 3,
    "back office index": 3,
    "home (funder)": 3,
    # The funder's parts of the awards are one query per total (grants.reads.funder_parts); the statement's awards
    # that moved are one more query as they are read (the page reads them twice: is there any, then the table).
    "funder dashboard (openai)": 31,  # + its own late instalments
    "funder statement (openai)": 19,
    "funder dashboard (aisi)": 31,
    "funder statement (aisi)": 19,
    "funder statement page (openai)": 22,
    "funder statement page for a quarter (openai)": 30,
    "funder statement page (aisi)": 22,
    "funder statement for administrators": 21,
    "home (researcher)": 4,
    "my awards (researcher)": 9,
    "my award (researcher)": 8,
    "my awards (researcher2)": 9,
    "my award (researcher2)": 8,
    "healthz": 2,
    "sign-in page": 0,
    "password change page": 4,
    "api pool (administrator)": 19,
    "api pool (openai)": 18,
    "api funders (administrator)": 4,
    "api funders (openai)": 5,
    "api pledges (administrator)": 6,  # + the instalments, prefetched
    "api pledges (openai)": 7,
    "api receipts (administrator)": 5,
    "api receipts (openai)": 6,
    "api conversions (administrator)": 4,
    "api conversions (openai)": 5,
    "api attributions (administrator)": 7,  # + the version, before and after counting: the count is remembered
    "api attributions (openai)": 8,
    "api rounds (administrator)": 4,
    "api rounds (researcher)": 4,
    "api research-areas (administrator)": 4,
    "api research-areas (researcher)": 4,
    "api projects (administrator)": 4,
    "api projects (researcher)": 4,
    # Awards prefetch their milestones' payments and reports, and their amendments; milestones their payments.
    "api awards (administrator)": 10,
    "api awards (researcher)": 10,
    "api milestones (administrator)": 6,
    "api milestones (researcher)": 6,
    "api disbursements (administrator)": 4,
    "api disbursements (researcher)": 4,
    "admin alignment_fund_user": 5,
    "admin alignment_fund_idempotencyrecord": 9,
    "admin projects_researcharea": 5,
    "admin projects_project": 10,
    "admin funders_funder": 7,
    "admin funders_fundercontact": 6,
    "admin funders_pledge": 11,
    "admin funders_receipt": 9,
    "admin funders_conversion": 9,
    "admin projects_fund": 5,
    "admin projects_round": 11,
    "admin rates_exchangerate": 8,
    "admin rates_heldrate": 8,
    "admin grants_award": 11,  # the version twice and one COUNT (the filtered one), MIN/MAX for the years, the countries
    "admin grants_milestone": 9,  # with their payments
    "admin grants_milestonereport": 8,
    "admin grants_disbursement": 8,
    "admin grants_awardattribution": 7,
    "admin grants_ledgertransaction": 8,  # the version twice and a COUNT, MIN/MAX for the years, not a DISTINCT
    "admin grants_ledgerline": 9,
    "admin grants_summarysnapshot": 7,
    "admin grants_approval": 6,
    "admin grants_paymentrun": 5,
}

# What a second visit costs with the fund unchanged: what is remembered is read, not worked out again. The portfolio,
# the calendar and its months, and the funder's dashboard are remembered whole (the session, the user, the version,
# and what is not remembered: late instalments, what waits for this administrator); the others remember their
# heaviest figures.
REMEMBERED: dict[str, int] = {
    "portfolio": 7,
    "calendar": 3,
    "calendar, this month's payments": 4,  # the version twice: the month's totals, and its page
    "charts": 3,
    "funder dashboard (openai)": 7,
    "funder dashboard (aisi)": 7,
    "funder statement (openai)": 12,
    "funder statement page (openai)": 15,
    "api pool (administrator)": 10,
    "api pool (openai)": 9,
    # The long lists remember their count: the version is read instead.
    "api attributions (administrator)": 5,
    "api attributions (openai)": 6,
    "api awards (administrator)": 8,
    "api awards (researcher)": 8,
    "admin grants_award": 9,
    "admin grants_ledgertransaction": 6,
}


# What a visit costs in a process that remembers nothing, once another (the worker, right after a change) has kept the
# figures in the database: the second visit's queries, and one for each figure read from the database.
KEPT: dict[str, int] = {
    "portfolio": 8,
    "calendar": 4,
    "calendar, this month's payments": 6,
    "charts": 4,
    "funder dashboard (openai)": 8,
}


def build(scale: int, django_db_blocker):
    """The demo fund at `scale` times its size, for one class of tests, rolled back afterwards."""
    with django_db_blocker.unblock(), override_settings(FUND_TODAY=DEMO_TODAY.isoformat()), transaction.atomic():
        DemoBuilder(DEMO_TODAY, scale=scale).build()
        yield Demo.find()
        transaction.set_rollback(True)


def test_every_page_has_a_pinned_count():
    assert sorted(set(PAGES) - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - set(PAGES)) == []


class TestAtDemoSize:
    scale = 1

    @pytest.fixture(scope="class")
    @classmethod
    def demo(cls, django_db_setup, django_db_blocker):
        yield from build(cls.scale, django_db_blocker)

    @pytest.fixture(autouse=True)
    def _fund_today(self, settings):
        settings.FUND_TODAY = DEMO_TODAY.isoformat()

    @pytest.mark.parametrize("name", PAGES)
    def test_the_page_costs_its_pinned_queries(self, demo, db, client, django_assert_num_queries, name):
        who, url = PAGES[name]
        if who is not None:
            client.force_login(User.objects.get(username=who))
        path = url(demo)
        with django_assert_num_queries(EXPECTED[name]):
            response = client.get(path)
            if response.streaming:  # a download's queries run as it is sent
                b"".join(response.streaming_content)
        assert response.status_code in (200, 302), (path, response.status_code)

    def test_ids_and_links_carry_no_thousands_separators(self, demo, db, client):
        """Record ids pass through templates, which write 1576 as "1,576" unless told not to: a link to
        ?pledge=1,576 or #milestone-1,576 then finds nothing. At ten times the size, ids pass a thousand."""
        written = re.compile(r'(?:id|data-testid|href|aria-labelledby|for)="[^"]*\d,\d{3}')
        bad = {}
        for name, (who, url) in PAGES.items():
            if name.startswith(("api ", "admin ")):
                continue
            if who is not None:
                client.force_login(User.objects.get(username=who))
            response = client.get(url(demo))
            if response["Content-Type"].startswith("text/html"):
                bad[name] = written.findall(response.content.decode())[:3]
        assert {name: found for name, found in bad.items() if found} == {}

    @pytest.mark.parametrize("name", REMEMBERED)
    def test_a_second_visit_reads_the_remembered_figures(self, demo, db, client, django_assert_num_queries, name):
        who, url = PAGES[name]
        client.force_login(User.objects.get(username=who))
        path = url(demo)
        first = client.get(path)
        if first.streaming:
            b"".join(first.streaming_content)
        with django_assert_num_queries(REMEMBERED[name]):
            response = client.get(path)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200

    @pytest.mark.parametrize("name", KEPT)
    def test_a_process_reads_the_figures_another_kept(self, demo, db, client, django_assert_num_queries, name):
        who, url = PAGES[name]
        client.force_login(User.objects.get(username=who))
        path = url(demo)
        first = client.get(path)
        forget()  # another process: nothing in memory, the figures kept in the database
        with django_assert_num_queries(KEPT[name]):
            response = client.get(path)
        assert response.status_code == 200
        assert _unsigned(response.content) == _unsigned(first.content)


def _unsigned(page: bytes) -> bytes:
    """A page without what differs on every request: the CSP nonce and the CSRF token."""
    return re.sub(rb'(nonce|value|content)="[A-Za-z0-9+/=_-]{20,}"', b"", page)


class TestAtTenTimesDemoSize(TestAtDemoSize):
    scale = 10
