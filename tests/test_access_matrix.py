"""Who may see what: every URL the site serves, asked by every role, answers as intended.

The URL configuration is walked (the pages, the API and the admin), and each route must have a rule here saying how
to fill its path and what each role gets; a new URL without a rule fails the suite. An object that is not yours
answers exactly like one that does not exist, so every route taking an object is also asked for a missing one.

Answers are written as: "200", "404", ... for a status; "login" and "admin-login" for a redirect to the site's or the
admin's sign-in page with `?next=`; "→/path/" for a redirect anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from djmoney.money import Money

from alignment_fund.admin import HistoryAdmin
from alignment_fund.models import User
from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.storage import store
from grants import actions
from grants.models import Approval, AwardAttribution, Milestone, MilestoneReport, PaymentRun, PaymentRunItem
from tests.conftest import shipped_rates
from tests.factories import UserFactory, build_world
from tests.report_files import valid_pdf

TODAY = "2026-02-20"
MISSING_PK = 987654321
ROLES = ("anonymous", "administrator", "funder_a", "funder_b", "researcher_a", "researcher_b", "outsider")
# The admin's own pages are asked by these: signed out, the administrator, and someone signed in without staff rights.
ADMIN_ROLES = ("anonymous", "administrator", "funder_a")


# The world: the shared small fund, with a payment schedule, built once for the module and rolled back at its end.


@dataclass
class Fund:
    world: object
    users: dict[str, User | None]
    milestone_a: Milestone  # award A's second milestone: not yet reported
    milestone_b: Milestone
    paid_a: Milestone  # award A's first milestone: reported, approved and paid
    approval: Approval  # a payment the administrator asked for, waiting for another
    run: PaymentRun  # a released payment run, with its remittance file
    report_a: MilestoneReport  # the report researcher A sent for milestone_a, waiting for review
    report_b: MilestoneReport


@pytest.fixture(scope="module")
def fund(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(FUND_TODAY=TODAY, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        store(shipped_rates(date(2025, 1, 1)), ExchangeRate.Source.ECB_HISTORY)
        world = build_world(UserFactory(username="alice-admin", is_staff=True, is_superuser=True))
        a1, a2, b1 = (
            Milestone.objects.create(award=award, number=n, title=title, due_on=due, amount=Money(amount, "GBP"))
            for award, n, title, due, amount in [
                (world.award_a, 1, "Probe library", date(2025, 12, 31), "100000"),
                (world.award_a, 2, "Benchmarks", date(2026, 3, 31), "200000"),
                (world.award_b, 1, "Bounds paper", date(2026, 1, 31), "150000"),
            ]
        )
        actions.do_receive_milestone_report(world.admin, milestone=a1, received_on=date(2026, 1, 5))
        actions.do_approve_milestone(world.admin, milestone=a1, approved_on=date(2026, 1, 12))
        actions.do_record_disbursement(world.admin, milestone=a1, paid_on=date(2026, 1, 30), reference="PAY-A-1")
        actions.do_accept_award(world.researcher_b, award=world.award_b)
        report_a = actions.do_submit_milestone_report(world.researcher_a, milestone=a2, upload=valid_pdf())
        report_b = actions.do_submit_milestone_report(world.researcher_b, milestone=b1, upload=valid_pdf())
        approval = Approval.objects.create(
            kind="payment",
            payload={"milestone": a2.pk, "paid_on": TODAY, "reference": "PAY-A-2", "reason": "Exceptional"},
            summary="Pay milestone 2 outside a run",
            requested_by=world.admin,
        )
        second = UserFactory(username="bob-admin", is_staff=True)
        run = PaymentRun.objects.create(
            month=date(2025, 12, 1),
            proposed_by=second,
            status=PaymentRun.Status.RELEASED,
            released_by=world.admin,
            paid_on=date(2026, 1, 30),
        )
        PaymentRunItem.objects.create(run=run, milestone=a1, amount=a1.amount, disbursement=a1.disbursement)
        users = {
            "anonymous": None,
            "administrator": world.admin,
            "funder_a": world.contact_a,
            "funder_b": world.contact_b,
            "researcher_a": world.researcher_a,
            "researcher_b": world.researcher_b,
            "outsider": world.outsider,
        }
        yield Fund(
            world=world,
            users=users,
            milestone_a=a2,
            milestone_b=b1,
            paid_a=a1,
            approval=approval,
            run=run,
            report_a=report_a,
            report_b=report_b,
        )
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fund_today(settings):
    settings.FUND_TODAY = TODAY


def outcome(response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("login") + "?next="):
            return "login"
        if location.startswith(reverse("admin:login") + "?next="):
            return "admin-login"
        return "→" + location
    return str(response.status_code)


# Rules. Each says how to fill a route for each case worth asking ("a": side A's object, "b": side B's, "missing":
# an object that does not exist, ...) and what each role gets. `Check` is one request: (method, path).

Check = tuple[str, str]


@dataclass(frozen=True)
class Rule:
    cases: Callable[[Fund], dict[str, Check]]
    expect: Callable[[str, str, Fund], str]  # (role, case, fund) -> answer
    roles: tuple[str, ...] = ROLES


def get(name: str, **kwargs) -> Check:
    return ("get", reverse(name, kwargs=kwargs or None))


def one(name: str, method: str = "get") -> Callable[[Fund], dict[str, Check]]:
    return lambda f: {method: (method, reverse(name))}


def objects(name: str, **pick: Callable[[Fund], object]) -> Callable[[Fund], dict[str, Check]]:
    """The route filled with each picked object's pk, and with a pk that does not exist."""

    def cases(f: Fund) -> dict[str, Check]:
        filled = {case: get(name, pk=choose(f).pk) for case, choose in pick.items()}
        filled["missing"] = get(name, pk=MISSING_PK)
        return filled

    return cases


def everyone(answer: str) -> Callable[[str, str, Fund], str]:
    return lambda role, case, f: answer


def signed_in(answer: str) -> Callable[[str, str, Fund], str]:
    """Anonymous visitors are sent to sign in; everyone signed in gets `answer`."""
    return lambda role, case, f: "login" if role == "anonymous" else answer


def administrators_only(role: str, case: str, f: Fund) -> str:
    """The administrator's pages: 404 to anyone else signed in, as if the page did not exist."""
    if role == "anonymous":
        return "login"
    if role == "administrator" and case != "missing":
        return "200"
    return "404"


def funders_only(role: str, case: str, f: Fund) -> str:
    if role == "anonymous":
        return "login"
    return "200" if role in ("funder_a", "funder_b") else "404"


def lead_only(role: str, case: str, f: Fund) -> str:
    """A researcher's award page: only its lead, never its funders nor the administrator's own researcher view."""
    if role == "anonymous":
        return "login"
    return "200" if role == f"researcher_{case}" else "404"


def home(role: str, case: str, f: Fund) -> str:
    return {
        "anonymous": "login",
        "administrator": "→" + reverse("grants:portfolio"),
        "funder_a": "→" + reverse("funder:dashboard"),
        "funder_b": "→" + reverse("funder:dashboard"),
        "researcher_a": "→" + reverse("researcher:my_awards"),
        "researcher_b": "→" + reverse("researcher:my_awards"),
        "outsider": "200",  # a page that says they have no role yet
    }[role]


def password_reset_cases(f: Fund) -> dict[str, Check]:
    # Fresh from the database: signing in (in other tests, since rolled back) stamps last_login on the shared object,
    # and a token made from a stale copy would not match.
    user = User.objects.get(pk=f.world.researcher_a.pk)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return {
        "valid": get("password_reset_confirm", uidb64=uid, token=default_token_generator.make_token(user)),
        "bad token": get("password_reset_confirm", uidb64=uid, token="bad-token"),
    }


def password_reset_answers(role: str, case: str, f: Fund) -> str:
    # A valid link is swapped for one without the token (kept in the session), whoever follows it.
    if case == "bad token":
        return "200"
    uid = urlsafe_base64_encode(force_bytes(f.world.researcher_a.pk))
    return "→" + reverse("password_reset_confirm", args=[uid, "set-password"])


# The API: JSON, 401 without credentials; a role with no business there gets 403; an object not yours is a 404.

FUNDER_ENDPOINTS = {"funder", "pledge", "receipt", "conversion", "attribution"}
PUBLIC_ENDPOINTS = {"round", "research-area"}


def _attribution(f: Fund, side: str) -> AwardAttribution:
    # Each funder backs one award in the world: A the interpretability award, B the other.
    funder = getattr(f.world, f"funder_{side}")
    return AwardAttribution.objects.get(funder=funder)


API_OBJECTS: dict[str, dict[str, Callable[[Fund], object]]] = {
    "funder": {"a": lambda f: f.world.funder_a, "b": lambda f: f.world.funder_b},
    "pledge": {"a": lambda f: f.world.pledge_a, "b": lambda f: f.world.pledge_b},
    "receipt": {"a": lambda f: f.world.receipt_a, "b": lambda f: f.world.receipt_b},
    "conversion": {"a": lambda f: f.world.receipt_a.conversions.get()},  # funder B converted nothing
    "attribution": {"a": lambda f: _attribution(f, "a"), "b": lambda f: _attribution(f, "b")},
    "round": {"any": lambda f: f.world.round},
    "research-area": {"any": lambda f: f.world.area},
    "project": {"a": lambda f: f.world.award_a.project, "b": lambda f: f.world.award_b.project},
    "award": {"a": lambda f: f.world.award_a, "b": lambda f: f.world.award_b},
    "milestone": {"a": lambda f: f.paid_a, "b": lambda f: f.milestone_b},
    "disbursement": {"a": lambda f: f.paid_a.disbursement},  # award B has paid nothing yet
}


def api_list(endpoint: str) -> Callable[[str, str, Fund], str]:
    def expect(role: str, case: str, f: Fund) -> str:
        if role == "anonymous":
            return "401"
        if endpoint in FUNDER_ENDPOINTS:
            return "200" if role in ("administrator", "funder_a", "funder_b") else "403"
        return "200"

    return expect


def api_detail(endpoint: str) -> Callable[[str, str, Fund], str]:
    def expect(role: str, case: str, f: Fund) -> str:
        if role == "anonymous":
            return "401"
        if endpoint in FUNDER_ENDPOINTS and role not in ("administrator", "funder_a", "funder_b"):
            return "403"  # refused before any look-up, whichever object is asked for
        if case == "missing":
            return "404"
        if role == "administrator" or endpoint in PUBLIC_ENDPOINTS:
            return "200"
        if endpoint in FUNDER_ENDPOINTS:
            return "200" if role == f"funder_{case}" else "404"
        return "200" if role == f"researcher_{case}" else "404"

    return expect


def post_action(name: str, pick: Callable[[Fund], object], funders_only: bool = False) -> Rule:
    """An API action that records something (POST only), asked with GET, with an empty body, and for nothing. On a
    funder's records (`funders_only`), a role with no business there is refused before the method is looked at."""

    def cases(f: Fund) -> dict[str, Check]:
        return {
            "GET": get(name, pk=pick(f).pk),
            "POST nothing": ("post", reverse(name, kwargs={"pk": pick(f).pk})),
            "POST missing": ("post", reverse(name, kwargs={"pk": MISSING_PK})),
        }

    def expect(role: str, case: str, f: Fund) -> str:
        if role == "anonymous":
            return "401"
        if funders_only and role not in ("administrator", "funder_a", "funder_b"):
            return "403"
        if case == "GET":
            return "405"
        if role != "administrator":
            return "403"  # only administrators record anything
        return "404" if case == "POST missing" else "400"  # an empty body records nothing

    return Rule(cases, expect)


def decision(name: str, pick: Callable[[Fund], object]) -> Rule:
    """An administrators-only action that decides something (POST only), asked with GET, with an empty body, and for
    nothing: the administrator's empty POST is refused (their own request, no reason, a run already released).
    Anyone else is refused as the surface refuses: a page sends the signed-out to sign in and answers others 404, as
    if it did not exist; the API answers 401 and 403 before any look-up."""
    api = name.startswith("api-")

    def cases(f: Fund) -> dict[str, Check]:
        return {
            "GET": get(name, pk=pick(f).pk),
            "POST nothing": ("post", reverse(name, kwargs={"pk": pick(f).pk})),
            "POST missing": ("post", reverse(name, kwargs={"pk": MISSING_PK})),
        }

    def expect(role: str, case: str, f: Fund) -> str:
        if role == "anonymous":
            return "401" if api else "login"
        if role != "administrator":
            return "403" if api else "404"
        return {"GET": "405", "POST nothing": "400", "POST missing": "404"}[case]

    return Rule(cases, expect)


def api_administrators_only(role: str, case: str, f: Fund) -> str:
    """Four eyes and payment runs in the API: administrators only; anyone else is refused before any look-up."""
    if role == "anonymous":
        return "401"
    if role != "administrator":
        return "403"
    return "404" if case == "missing" else "200"


def lead_or_administrator(role: str, case: str, f: Fund) -> str:
    """A report's file: its award's lead and the administrators; anyone else, funders included, 404."""
    if role == "anonymous":
        return "login"
    if case == "missing":
        return "404"
    return "200" if role in ("administrator", f"researcher_{case}") else "404"


def lead_posts(name: str, pick: dict[str, Callable[[Fund], object]], lead_answer: Callable[[str, Fund], str]) -> Rule:
    """Something only an award's lead does (POST only): asked with GET, and POSTed for side A's object, side B's and
    a missing one. Its lead gets `lead_answer(case, fund)`, anyone else signed in a 404, as if it did not exist."""
    api = name.startswith("api-")

    def cases(f: Fund) -> dict[str, Check]:
        filled = {"GET": get(name, pk=pick["a"](f).pk)}
        filled |= {
            f"POST {case}": ("post", reverse(name, kwargs={"pk": choose(f).pk})) for case, choose in pick.items()
        }
        filled["POST missing"] = ("post", reverse(name, kwargs={"pk": MISSING_PK}))
        return filled

    def expect(role: str, case: str, f: Fund) -> str:
        if role == "anonymous":
            return "401" if api else "login"
        if case == "GET":
            return "405"
        side = case.removeprefix("POST ")
        return lead_answer(side, f) if role == f"researcher_{side}" else "404"

    return Rule(cases, expect)


AWARDS = {"a": lambda f: f.world.award_a, "b": lambda f: f.world.award_b}
MILESTONES = {"a": lambda f: f.milestone_a, "b": lambda f: f.milestone_b}


RULES: dict[str, Rule] = {
    "home": Rule(one("home"), home),
    "healthz": Rule(one("healthz"), everyone("200")),
    # Signing in and out, and passwords
    "login": Rule(one("login"), everyone("200")),
    "logout": Rule(
        lambda f: {"GET": ("get", reverse("logout")), "POST": ("post", reverse("logout"))},
        lambda role, case, f: "405" if case == "GET" else "→" + reverse("login"),
    ),
    "password_change": Rule(one("password_change"), signed_in("200")),
    # The second factor is for staff: anyone else signed in is told there is no such page.
    "two_factor": Rule(
        one("two_factor"),
        lambda role, case, f: {"anonymous": "login", "administrator": "→/accounts/two-factor/setup/?next=%2F"}.get(
            role, "404"
        ),
    ),
    "two_factor_setup": Rule(
        one("two_factor_setup"),
        lambda role, case, f: {"anonymous": "login", "administrator": "200"}.get(role, "404"),
    ),
    "password_change_done": Rule(one("password_change_done"), signed_in("200")),
    # Each person's own notification preferences: everyone signed in has one (an empty list if no role).
    "notification_preferences": Rule(one("notification_preferences"), signed_in("200")),
    "password_reset": Rule(one("password_reset"), everyone("200")),
    "password_reset_done": Rule(one("password_reset_done"), everyone("200")),
    "password_reset_confirm": Rule(password_reset_cases, password_reset_answers),
    "password_reset_complete": Rule(one("password_reset_complete"), everyone("200")),
    # The administrator's pages
    "grants:portfolio": Rule(one("grants:portfolio"), administrators_only),
    "grants:waitlist": Rule(one("grants:waitlist"), administrators_only),
    "grants:calendar": Rule(one("grants:calendar"), administrators_only),
    "grants:calendar_month": Rule(
        lambda f: {"this month": get("grants:calendar_month", year="2026", month="02")}, administrators_only
    ),
    "grants:charts": Rule(one("grants:charts"), administrators_only),
    "grants:award_list": Rule(
        lambda f: {
            "all": get("grants:award_list"),
            "filtered": ("get", f"/portfolio/awards/?round={f.world.round.pk}"),
        },
        administrators_only,
    ),
    "grants:project_list": Rule(
        lambda f: {"all": get("grants:project_list"), "bad filter": ("get", "/portfolio/projects/?round=x&page=y")},
        administrators_only,
    ),
    "grants:round": Rule(objects("grants:round", any=lambda f: f.world.round), administrators_only),
    "grants:project": Rule(
        objects(
            "grants:project",
            a=lambda f: f.world.award_a.project,
            b=lambda f: f.world.award_b.project,
            waiting=lambda f: f.world.waiting,
        ),
        administrators_only,
    ),
    "grants:award_project": Rule(
        objects("grants:award_project", waiting=lambda f: f.world.waiting, awarded=lambda f: f.world.award_a.project),
        administrators_only,
    ),
    "grants:award": Rule(
        objects("grants:award", a=lambda f: f.world.award_a, b=lambda f: f.world.award_b), administrators_only
    ),
    "grants:record_pledge": Rule(one("grants:record_pledge"), administrators_only),
    "grants:record_receipt": Rule(one("grants:record_receipt"), administrators_only),
    "grants:record_conversion": Rule(one("grants:record_conversion"), administrators_only),
    "grants:milestone_received": Rule(
        objects("grants:milestone_received", a=lambda f: f.milestone_a, b=lambda f: f.milestone_b),
        administrators_only,
    ),
    "grants:milestone_approve": Rule(
        objects("grants:milestone_approve", a=lambda f: f.milestone_a, b=lambda f: f.milestone_b),
        administrators_only,
    ),
    "grants:record_disbursement": Rule(
        objects("grants:record_disbursement", a=lambda f: f.milestone_a, b=lambda f: f.milestone_b),
        administrators_only,
    ),
    # Four eyes and payment runs
    "grants:approvals": Rule(one("grants:approvals"), administrators_only),
    "grants:approval": Rule(objects("grants:approval", any=lambda f: f.approval), administrators_only),
    "grants:approval_approve": decision("grants:approval_approve", lambda f: f.approval),
    "grants:approval_reject": decision("grants:approval_reject", lambda f: f.approval),
    "grants:payment_runs": Rule(one("grants:payment_runs"), administrators_only),
    "grants:payment_run": Rule(objects("grants:payment_run", released=lambda f: f.run), administrators_only),
    "grants:payment_run_release": decision("grants:payment_run_release", lambda f: f.run),
    "grants:payment_run_remittance_csv": Rule(
        objects("grants:payment_run_remittance_csv", released=lambda f: f.run), administrators_only
    ),
    "grants:payment_run_remittance_xlsx": Rule(
        objects("grants:payment_run_remittance_xlsx", released=lambda f: f.run), administrators_only
    ),
    "grants:amend_award": Rule(
        objects("grants:amend_award", a=lambda f: f.world.award_a, b=lambda f: f.world.award_b), administrators_only
    ),
    # The reversal form of each kind of record (asked with GET: it reverses nothing until a reason is posted).
    "grants:reverse_record": Rule(
        lambda f: {
            **{
                kind: ("get", reverse("grants:reverse_record", kwargs={"kind": kind, "pk": pick(f).pk}))
                for kind, pick in {
                    "pledges": lambda f: f.world.pledge_a,
                    "receipts": lambda f: f.world.receipt_b,
                    "conversions": lambda f: f.world.receipt_a.conversions.get(),
                    "payments": lambda f: f.paid_a.disbursement,
                }.items()
            },
            "missing": ("get", reverse("grants:reverse_record", kwargs={"kind": "receipts", "pk": MISSING_PK})),
        },
        administrators_only,
    ),
    "grants:export_360giving_json": Rule(one("grants:export_360giving_json"), administrators_only),
    "grants:export_360giving_csv": Rule(one("grants:export_360giving_csv"), administrators_only),
    "grants:export_ledger": Rule(one("grants:export_ledger"), administrators_only),
    **{
        name: Rule(objects(name, a=lambda f: f.world.funder_a, b=lambda f: f.world.funder_b), administrators_only)
        for name in ("grants:funder_statement_page", "grants:funder_statement", "grants:funder_statement_pdf")
    },
    "grants:activity": Rule(one("grants:activity"), administrators_only),
    "grants:activity_csv": Rule(one("grants:activity_csv"), administrators_only),
    # Funders' contacts
    "funder:dashboard": Rule(one("funder:dashboard"), funders_only),
    "funder:statement": Rule(one("funder:statement"), funders_only),
    "funder:statement_page": Rule(one("funder:statement_page"), funders_only),
    "funder:statement_pdf": Rule(one("funder:statement_pdf"), funders_only),
    # Researchers
    "researcher:my_awards": Rule(one("researcher:my_awards"), signed_in("200")),
    "researcher:award": Rule(
        objects("researcher:award", a=lambda f: f.world.award_a, b=lambda f: f.world.award_b), lead_only
    ),
    # Accepting the offer: back to the award's page, whose message says so.
    "researcher:accept_award": lead_posts(
        "researcher:accept_award", AWARDS, lambda side, f: "→" + reverse("researcher:award", args=[AWARDS[side](f).pk])
    ),
    "researcher:upload_report": Rule(objects("researcher:upload_report", **MILESTONES), lead_only),
    "researcher:report_file": Rule(
        objects("researcher:report_file", a=lambda f: f.report_a, b=lambda f: f.report_b), lead_or_administrator
    ),
    "grants:review_report": Rule(objects("grants:review_report", **MILESTONES), administrators_only),
    # The API
    "api-token": Rule(one("api-token"), everyone("405")),  # POST only: a username and password for a token
    "api-schema": Rule(one("api-schema"), everyone("200")),
    # Swagger UI: the page, and the script that starts it, which the same view serves at ?script=.
    "api-docs": Rule(
        lambda f: {"page": get("api-docs"), "script": ("get", reverse("api-docs") + "?script=")}, everyone("200")
    ),
    "api-pool": Rule(one("api-pool"), api_list("funder")),
    "api-milestone-approval": post_action("api-milestone-approval", lambda f: f.milestone_a),
    "api-milestone-report-received": post_action("api-milestone-report-received", lambda f: f.milestone_a),
    "api-award-termination": post_action("api-award-termination", lambda f: f.world.award_b),
    "api-approval-list": Rule(one("api-approval-list"), api_administrators_only),
    "api-approval-detail": Rule(objects("api-approval-detail", any=lambda f: f.approval), api_administrators_only),
    "api-approval-approve": decision("api-approval-approve", lambda f: f.approval),
    "api-approval-reject": decision("api-approval-reject", lambda f: f.approval),
    "api-payment-run-list": Rule(one("api-payment-run-list"), api_administrators_only),
    "api-payment-run-detail": Rule(objects("api-payment-run-detail", any=lambda f: f.run), api_administrators_only),
    "api-payment-run-release": decision("api-payment-run-release", lambda f: f.run),
    "api-payment-run-remittance-csv": Rule(
        objects("api-payment-run-remittance-csv", released=lambda f: f.run), api_administrators_only
    ),
    "api-payment-run-remittance-xlsx": Rule(
        objects("api-payment-run-remittance-xlsx", released=lambda f: f.run), api_administrators_only
    ),
    "api-pledge-reversal": post_action("api-pledge-reversal", lambda f: f.world.pledge_b, funders_only=True),
    "api-receipt-reversal": post_action("api-receipt-reversal", lambda f: f.world.receipt_b, funders_only=True),
    "api-conversion-reversal": post_action(
        "api-conversion-reversal", lambda f: f.world.receipt_a.conversions.get(), funders_only=True
    ),
    "api-disbursement-reversal": post_action("api-disbursement-reversal", lambda f: f.paid_a.disbursement),
    # The lead's own writes: accepting (again: one effect, 200) and uploading (a JSON body is not multipart: 415).
    "api-award-acceptance": lead_posts("api-award-acceptance", AWARDS, lambda side, f: "200"),
    "api-milestone-report": lead_posts("api-milestone-report", MILESTONES, lambda side, f: "415"),
    # Reviews: administrators only; the paid milestone has no report waiting, so an administrator's empty POST is 400.
    "api-milestone-accept-report": post_action("api-milestone-accept-report", lambda f: f.paid_a),
    "api-milestone-request-report-changes": post_action(
        "api-milestone-request-report-changes", lambda f: f.milestone_a
    ),
}
for _endpoint, _picks in API_OBJECTS.items():
    RULES[f"api-{_endpoint}-list"] = Rule(one(f"api-{_endpoint}-list"), api_list(_endpoint))
    RULES[f"api-{_endpoint}-detail"] = Rule(objects(f"api-{_endpoint}-detail", **_picks), api_detail(_endpoint))


# The admin: staff only; anyone else is sent to the admin's own sign-in page.


def admin_only(answer: str) -> Callable[[str, str, Fund], str]:
    return lambda role, case, f: answer if role == "administrator" else "admin-login"


def _admin_request(f: Fund):
    request = RequestFactory().get("/admin/")
    request.user = f.world.admin
    return request


RULES.update(
    {
        "admin:index": Rule(one("admin:index"), admin_only("200")),
        # An authenticator's key is never shown in the back office, not even to another administrator.
        "admin:otp_totp_totpdevice_config": Rule(
            lambda f: {"missing": ("get", f"/admin/otp_totp/totpdevice/{MISSING_PK}/config/")}, admin_only("403")
        ),
        "admin:otp_totp_totpdevice_qrcode": Rule(
            lambda f: {"missing": ("get", f"/admin/otp_totp/totpdevice/{MISSING_PK}/qrcode/")}, admin_only("403")
        ),
        # Signed in without staff rights, the sign-in page says so and offers another account.
        "admin:login": Rule(
            one("admin:login"), lambda role, case, f: "→" + reverse("admin:index") if role == "administrator" else "200"
        ),
        "admin:logout": Rule(
            lambda f: {"GET": get("admin:logout"), "POST": ("post", reverse("admin:logout"))},
            lambda role, case, f: (
                "→" + reverse("admin:index")  # no admin session to end: back to the admin, which asks to sign in
                if role != "administrator"
                else "405"
                if case == "GET"
                else "→" + reverse("login")  # signed out of the whole site, as from the site's own menu
            ),
        ),
        "admin:password_change": Rule(one("admin:password_change"), admin_only("200")),
        "admin:password_change_done": Rule(one("admin:password_change_done"), admin_only("200")),
        "admin:autocomplete": Rule(one("admin:autocomplete"), admin_only("403")),  # asked for no field
        "admin:jsi18n": Rule(one("admin:jsi18n"), admin_only("200")),
        "admin:app_list": Rule(
            lambda f: {app: get("admin:app_list", app_label=app) for app in ("grants", "funders", "projects")},
            admin_only("200"),
        ),
        "admin:view_on_site": Rule(
            lambda f: {
                "award": get(
                    "admin:view_on_site",
                    content_type_id=ContentType.objects.get_for_model(f.world.award_a).pk,
                    object_id=f.world.award_a.pk,
                )
            },
            lambda role, case, f: (
                "→http://testserver" + reverse("grants:award", args=[f.world.award_a.pk])
                if role == "administrator"
                else "admin-login"
            ),
        ),
        "admin:auth_user_password_change": Rule(
            lambda f: {"user": get("admin:auth_user_password_change", id=f.world.researcher_a.pk)},
            admin_only("200"),
        ),
        # Spreadsheet imports: the upload form, and the confirmation that only a POSTed upload reaches.
        "admin:projects_project_import": Rule(one("admin:projects_project_import"), admin_only("200")),
        "admin:funders_pledge_import": Rule(one("admin:funders_pledge_import"), admin_only("200")),
        "admin:projects_project_process_import": Rule(one("admin:projects_project_process_import"), admin_only("405")),
        "admin:funders_pledge_process_import": Rule(one("admin:funders_pledge_process_import"), admin_only("405")),
        "admin/(?P<url>.*)$": Rule(lambda f: {"unknown": ("get", "/admin/no-such-page/")}, admin_only("404")),
    }
)

MODEL_VIEWS = ("changelist", "add", "change", "delete", "history", "simple_history")


def admin_model_rule(model, view: str) -> Rule:
    """The standard pages every registered model has. What the administrator may do follows the model's admin
    (the ledger is read-only: no adding, changing or deleting)."""
    model_admin = admin.site._registry[model]
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"

    def cases(f: Fund) -> dict[str, Check]:
        if view in ("changelist", "add"):
            return {view: get(f"{info}_{view}")}
        existing = model._default_manager.order_by("pk").first()
        if view == "redirect":
            return {"any": ("get", f"/admin/{model._meta.app_label}/{model._meta.model_name}/1/")}
        if view == "simple_history":  # one past version of a record (simple-history's page)
            filled = {"missing": ("get", reverse(f"{info}_{view}", args=[MISSING_PK, MISSING_PK]))}
            version = model.history.order_by("history_id").first() if existing is not None else None
            if version is not None:
                filled["existing"] = ("get", reverse(f"{info}_{view}", args=[version.id, version.history_id]))
            return filled
        filled = {"missing": get(f"{info}_{view}", object_id=MISSING_PK)}
        if existing is not None:
            filled["existing"] = get(f"{info}_{view}", object_id=existing.pk)
        return filled

    def expect(role: str, case: str, f: Fund) -> str:
        if role != "administrator":
            return "admin-login"
        request = _admin_request(f)
        if view == "redirect":  # an old-style object URL, sent on to its change page
            return "→" + reverse(f"{info}_change", args=[1])
        obj = model._default_manager.order_by("pk").first() if case == "existing" else None
        allowed = {
            "changelist": model_admin.has_view_or_change_permission(request),
            "add": model_admin.has_add_permission(request),
            "change": model_admin.has_view_or_change_permission(request, obj),
            "delete": model_admin.has_delete_permission(request, obj),
            "history": model_admin.has_view_or_change_permission(request, obj),
            "simple_history": model_admin.has_view_or_change_permission(request, obj),
        }[view]
        if not allowed:
            return "403"  # refused before the look-up, whether or not the object exists
        if case == "missing":
            if isinstance(model_admin, HistoryAdmin) and view in ("history", "simple_history"):
                return "404"  # simple-history's pages answer a missing record with a plain 404
            return "→" + reverse("admin:index")  # with a message that the object does not exist
        return "200"

    return Rule(cases, expect, roles=ADMIN_ROLES)


def _registered_by_path() -> dict[str, object]:
    return {f"{m._meta.app_label}/{m._meta.model_name}": m for m in admin.site._registry}


def rule_for(key: str) -> Rule | None:
    if key in RULES:
        return RULES[key]
    models = _registered_by_path()
    if key.startswith("admin/") and key.endswith("/<path:object_id>/"):
        model = models.get(key.removeprefix("admin/").removesuffix("/<path:object_id>/"))
        return admin_model_rule(model, "redirect") if model else None
    if key.startswith("admin:"):
        for model in admin.site._registry:
            prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
            view = key.removeprefix(prefix)
            if key.startswith(prefix) and view in MODEL_VIEWS:
                return admin_model_rule(model, view)
    return None


def routes(resolver=None, prefix: str = "", namespace: str = "") -> list[str]:
    """Every route of the URL configuration: its name with namespaces, or its pattern if it has no name."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace and (f"{namespace}:{entry.namespace}" if namespace else entry.namespace)
            found += routes(entry, prefix + str(entry.pattern), inner or namespace)
        elif isinstance(entry, URLPattern):
            if entry.name:
                found.append(f"{namespace}:{entry.name}" if namespace else entry.name)
            else:
                found.append(prefix + str(entry.pattern))
    return found


ROUTES = sorted(set(routes()))


def test_every_route_has_a_rule():
    assert [key for key in ROUTES if rule_for(key) is None] == []


def test_every_rule_is_for_a_route_that_exists():
    assert sorted(set(RULES) - set(ROUTES)) == []


def test_the_walk_covers_the_pages_the_api_and_the_admin():
    assert {"grants:portfolio", "funder:statement", "researcher:award", "api-award-detail", "admin:index"} <= set(
        ROUTES
    )
    assert sum(key.startswith("admin:") for key in ROUTES) > 5 * len(admin.site._registry)


@pytest.mark.parametrize("key", ROUTES)
def test_each_role_gets_the_intended_answer(fund, db, key):
    rule = rule_for(key)
    answers, expected = {}, {}
    for role in rule.roles:
        client = Client()
        if fund.users[role] is not None:
            client.force_login(fund.users[role])
        cases = rule.cases(fund)  # after signing in, which can change what a case needs (a reset token)
        for case, (method, path) in cases.items():
            if method == "post":  # an empty JSON object: the API reads JSON only
                response = client.post(path, "{}", content_type="application/json")
            else:
                response = client.get(path)
            answers[role, case] = outcome(response)
            expected[role, case] = rule.expect(role, case, fund)
    assert answers == expected
