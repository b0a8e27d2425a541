"""The demo fund's builder: it books the funders' money, the projects and the awards in date order through the
same operations administrators use, then moves the milestones on to today."""

from __future__ import annotations

import contextlib
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import connection, transaction

from alignment_fund.dates import first_of_month
from alignment_fund.models import User
from alignment_fund.money import format_money
from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.sources import ShippedHistory
from alignment_fund.rates.storage import store
from funders.models import Funder, FunderContact
from grants import actions
from grants.actions import ActionError
from grants.demo.funders import FUNDERS, ILLUSTRATIVE, DemoFunder
from grants.demo.projects import AREAS, COMPUTE, COUNTRIES, FAMILY, GIVEN, MENTORS, TITLE_VARIANTS
from grants.demo.report_pdf import report_pdf
from grants.models import Award, Milestone
from projects.models import Fund, Project, ResearchArea, Round

# The one receipt the demo records wrongly first, then reverses and records again (UK AISI's second payment).
SLIP = ("uk-aisi", 1)


class DemoBuilder:
    def __init__(self, today: date, stdout=None, scale: int = 1):
        self.today = today
        # `scale` grows the fund by a whole factor with the same shape (money, rounds' budgets, projects and
        # awards): the query-count tests use it to show that no page's cost grows with the data.
        self.scale = scale
        self.rng = random.Random(2025)
        self.stdout = stdout
        self.admin: User | None = None

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)

    def _scaled(self, amount: str) -> Decimal:
        return Decimal(amount) * self.scale

    @transaction.atomic
    def build(self) -> Fund:
        self.say("Loading ECB reference rates (shipped history, from 2025)…")
        store(ShippedHistory(since=date(2025, 1, 1)).fetch(), ExchangeRate.Source.ECB_HISTORY)
        self.admin = self._user("admin", "Fund administrator", staff=True)
        # Four eyes: what `admin` asks for, `admin2` approves (grants.actions.approvals).
        self.admin2 = self._user("admin2", "Second fund administrator", staff=True)
        fund = Fund.objects.create(
            name="The Alignment Project",
            administered_by="UK AI Security Institute",
            website="https://alignmentproject.aisi.gov.uk/",
            description="A global fund for independent AI-alignment research, created by the UK AI Security "
            "Institute and co-funded by governments, philanthropies and companies.",
        )
        round1 = Round.objects.create(
            fund=fund,
            number=1,
            name="Round 1 (2025)",
            opens_on=date(2025, 7, 30),
            closes_on=date(2025, 9, 10),
            decisions_from=date(2025, 11, 5),
            decisions_to=date(2025, 11, 19),
            budget=(self._scaled("15000000.00"), "GBP"),
            status=Round.Status.CLOSED,
        )
        round2 = Round.objects.create(
            fund=fund,
            number=2,
            name="Round 2 (2026)",
            opens_on=date(2026, 3, 16),
            closes_on=date(2026, 5, 15),
            decisions_from=date(2026, 7, 1),
            decisions_to=date(2026, 7, 31),
            budget=(self._scaled("6000000.00"), "GBP"),
            status=Round.Status.AWARDING,
        )
        areas = {
            slug: ResearchArea.objects.create(slug=slug, name=name, description=f"Research in {name.lower()}.")
            for slug, (name, _) in AREAS.items()
        }
        funders = self._funders()
        self._contact("openai", "OpenAI grants team", funders["openai"])
        self._contact("aisi", "UK AISI funding team", funders["uk-aisi"])

        # Money arrives and is converted in date order, interleaved with the awards it pays for.
        events = []
        for spec in FUNDERS:
            events.append((spec.pledged_on, 0, "pledge", spec))
            for number, (day, amount) in enumerate(spec.received):
                events.append((day, 1, "receipt", (spec, number, self._scaled(amount))))
            for number, (day, amount) in enumerate(spec.converted):
                events.append((day, 2, "conversion", (spec, number, self._scaled(amount))))
        researcher = self._user("researcher", "Dr Amara Okafor")
        researcher2 = self._user("researcher2", "Dr Mateo Duarte")
        r1_projects = self._projects(
            round1,
            areas,
            count=60 * self.scale,
            vetted_on=date(2025, 11, 3),
            prefix="R1",
            leads={0: researcher},
            countries=COUNTRIES,
        )
        r2_projects = self._projects(
            round2,
            areas,
            count=30 * self.scale,
            vetted_on=date(2026, 6, 26),
            prefix="R2",
            leads={0: researcher2},
            countries=COUNTRIES,
        )
        for index, project in enumerate(r1_projects):
            events.append((date(2025, 11, 5) + timedelta(days=index % 15), 3, "award", project))
        # Round 2: the sixteen best-scored projects are awarded in July; the rest wait for money.
        for index, project in enumerate(
            sorted(r2_projects, key=lambda candidate: -candidate.panel_score)[: 16 * self.scale]
        ):
            events.append((date(2026, 7, 6) + timedelta(days=2 * index // self.scale), 3, "award", project))
        receipts, pledges = {}, {}
        for day, _, kind, payload in sorted(events, key=lambda event: (event[0], event[1])):
            if day > self.today:
                continue
            if kind == "pledge":
                pledges[payload.slug] = self._pledge(payload, funders[payload.slug])
            elif kind == "receipt":
                spec, number, amount = payload
                if (spec.slug, number) == SLIP:
                    self._slip_corrected(pledges[spec.slug], amount, day, f"DEMO-{spec.slug.upper()}-R{number + 1}")
                receipts[(spec.slug, number)] = actions.do_record_receipt(
                    self.admin,
                    pledge=pledges[spec.slug],
                    amount=amount,
                    currency=spec.currency,
                    received_on=day,
                    bank_reference=f"DEMO-{spec.slug.upper()}-R{number + 1}",
                )
            elif kind == "conversion":
                spec, number, amount = payload
                receipt = receipts[(spec.slug, 0)]
                quote = ExchangeRate.objects.quote(spec.currency, "GBP", day)
                # The bank deals a little worse than the ECB reference rate (illustrative spread of 0.3%).
                credited = quote.convert(Decimal(amount) * Decimal("0.997"))
                actions.do_record_conversion(
                    self.admin,
                    receipt=receipt,
                    amount_sold=amount,
                    gbp_credited=credited,
                    converted_on=day,
                    bank_reference=f"DEMO-FX-{spec.slug.upper()}-{number + 1}",
                )
            else:
                self._award(payload, day)
        self._milestone_progress()
        self._four_eyes(r2_projects)
        if connection.vendor == "postgresql":  # planner statistics, as after the stress copy (grants/demo/stress.py)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return fund

    def _slip_corrected(self, pledge, amount: Decimal, day: date, bank_reference: str) -> None:
        """A correction to show: the receipt first keyed a zero short, reversed with the reason, then (by the
        caller) recorded rightly under the same bank reference."""
        slip = actions.do_record_receipt(
            self.admin,
            pledge=pledge,
            amount=Decimal(amount) / 10,
            currency=pledge.amount_currency,
            received_on=day,
            bank_reference=bank_reference,
        )
        actions.do_reverse_receipt(
            self.admin,
            record=slip,
            reason=f"Keyed a zero short: the bank credited {format_money(Decimal(amount), pledge.amount_currency)}.",
        )

    # People

    def _user(self, username: str, display_name: str, staff: bool = False) -> User:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display_name,
                "email": f"{username}@demo.alignment-fund.invalid",
                "is_staff": staff,
                "is_superuser": staff,
            },
        )
        return user

    def _contact(self, username: str, display_name: str, funder: Funder) -> User:
        user = self._user(username, display_name)
        FunderContact.objects.get_or_create(user=user, defaults={"funder": funder})
        return user

    # Funders and money

    def _funders(self) -> dict[str, Funder]:
        funders = {}
        for spec in FUNDERS:
            notes = [ILLUSTRATIVE + " (amounts)"] if spec.illustrative else []
            if spec.slug == "openai":
                notes.append("USD 7.5M (about £5.6M) committed 19 Feb 2026; administered by Renaissance Philanthropy.")
            if not spec.disclose:
                notes.append("Amount not disclosed publicly; shown here only to administrators.")
            funders[spec.slug] = Funder.objects.create(
                slug=spec.slug,
                name=spec.name,
                kind=spec.kind,
                country=spec.country,
                currency=spec.currency,
                disclose_amounts=spec.disclose,
                publicly_named=True,
                administered_by=spec.administered_by,
                gives_compute=spec.gives_compute,
                website=spec.website,
                notes=" ".join(notes),
            )
        return funders

    def _pledge(self, spec: DemoFunder, funder: Funder):
        return actions.do_record_pledge(
            self.admin,
            funder=funder,
            amount=self._scaled(spec.amount),
            currency=spec.currency,
            pledged_on=spec.pledged_on,
            reference=f"PL-{spec.slug.upper()}-1",
            illustrative=spec.illustrative,
            note="" if not spec.illustrative else ILLUSTRATIVE,
            instalments=[(day, self._scaled(amount)) for day, amount in spec.instalments],
        )

    # Projects and awards

    def _projects(self, round_, areas, *, count, vetted_on, prefix, leads, countries) -> list[Project]:
        slugs = list(AREAS)
        projects = []
        for index in range(count):
            slug = slugs[index % len(slugs)]
            titles = AREAS[slug][1]
            country, institutions = countries[index % len(countries)]
            independent = index % 11 == 5
            lead = leads.get(index)
            name = (
                lead.display_name.removeprefix("Dr ")
                if lead
                else (f"{self.rng.choice(GIVEN)} {self.rng.choice(FAMILY)}")
            )
            requested = self._requested_amount()
            projects.append(
                Project.objects.create(
                    reference=f"{prefix}-{index + 1:04d}",
                    title=self._title(titles, index, first_variant=0 if prefix == "R1" else 3),
                    summary="Illustrative project for the demo fund.",
                    lead=lead,
                    lead_name=f"Dr {name}",
                    institution="" if independent else institutions[index % len(institutions)],
                    country=country,
                    research_area=areas[slug],
                    round=round_,
                    amount_requested=(requested, "GBP"),
                    status=Project.Status.VETTED,
                    panel_score=Decimal(self.rng.randrange(600, 980)) / Decimal(100),
                    vetted_on=vetted_on,
                    compute_requested=index % 3 == 0,
                    expert_support_requested=index % 2 == 0,
                )
            )
        return projects

    @staticmethod
    def _title(titles: list[str], index: int, first_variant: int) -> str:
        """Seven areas with four topics each give 28 titles; later projects study the same topic in another setting,
        and Round 2 starts from settings Round 1 did not use, so no two demo projects share a title."""
        topic = titles[(index // len(AREAS)) % len(titles)]
        variant = TITLE_VARIANTS[(first_variant + index // (len(AREAS) * len(titles))) % len(TITLE_VARIANTS)]
        return f"{topic}{variant}"

    def _requested_amount(self) -> Decimal:
        """Most projects are small, a few large: £50k-£250k (70%), £250k-£450k (25%), £500k-£900k (5%)."""
        roll = self.rng.random()
        low, high = (50, 250) if roll < 0.70 else (250, 450) if roll < 0.95 else (500, 900)
        return Decimal(self.rng.randrange(low, high + 1, 5)) * Decimal(1000)

    def _award(self, project: Project, day: date) -> Award:
        compute = COMPUTE[project.pk % 2] if project.compute_requested else ("", "", None)
        award = actions.do_award_project(
            self.admin,
            project=project,
            amount=project.amount_requested.amount,
            awarded_on=day,
            reference=f"AP-{project.reference}",
            compute_provider=compute[0],
            compute_quantity=compute[1],
            compute_value=compute[2],
            mentor=MENTORS[project.pk % len(MENTORS)] if project.expert_support_requested else "",
            # The demo's named leads act for themselves: researcher accepts the offer, researcher2's waits. Projects
            # without a user for their lead stand accepted, as if agreed on paper.
            status=Award.Status.ACCEPTED if project.lead_id is None else Award.Status.OFFERED,
            plan_milestones=True,
        )
        if project.lead is not None and project.lead.username == "researcher":
            # Accepted three days after the offer, at noon London time.
            accepted_on = min(day + timedelta(days=3), self.today)
            accepted_at = datetime.combine(accepted_on, time(12), tzinfo=ZoneInfo("Europe/London"))
            actions.do_accept_award(project.lead, award=award, accepted_at=accepted_at)
        return award

    def _four_eyes(self, waiting: list[Project]) -> None:
        """What waits for `admin2`: last month's payment run, proposed by `admin`, and a large Round 2 award."""
        last_month = first_of_month(first_of_month(self.today) - timedelta(days=1))
        with contextlib.suppress(ActionError):  # nothing due in that month's run on this demo date
            actions.do_propose_payment_run(self.admin, month=last_month)
        large = Project.objects.filter(
            pk__in=[project.pk for project in waiting],
            status=Project.Status.VETTED,
            amount_requested__gte=Decimal("250000"),
        ).order_by("-panel_score", "pk")
        for project in large[:5]:
            try:
                actions.do_award_or_request(
                    self.admin,
                    project=project,
                    amount=project.amount_requested.amount,
                    awarded_on=self.today,
                    plan_milestones=True,
                )
            except ActionError:
                continue  # the headroom does not cover it: try the next
            break

    def _report_to_review(self) -> Milestone | None:
        """The researcher's next milestone still to fall due: its report, sent early as a PDF, waits for review."""
        return (
            Milestone.objects.filter(award__project__lead__username="researcher", due_on__gt=self.today)
            .order_by("due_on")
            .first()
        )

    def _upload_report(self, milestone: Milestone) -> None:
        award = milestone.award
        pdf = report_pdf(
            f"{award.reference}: {milestone.title}",
            [
                f"Milestone {milestone.number} report for {award.project.title}.",
                "An illustrative report generated for the demo fund.",
                "Results, methods and next steps would be set out here.",
            ],
        )
        name = f"{award.reference} milestone {milestone.number} report.pdf"
        actions.do_submit_milestone_report(award.project.lead, milestone=milestone, upload=ContentFile(pdf, name=name))

    def _milestone_progress(self) -> None:
        """Reports arrive around their due date, are approved a week later and paid in the monthly run after; the
        researcher's next report, sent early as a PDF, waits for review."""
        to_review = self._report_to_review()
        for milestone in Milestone.objects.select_related("award").order_by("due_on", "pk"):
            received = milestone.due_on + timedelta(days=self.rng.randrange(-5, 10))
            if received > self.today - timedelta(days=7) or milestone == to_review:
                continue
            actions.do_receive_milestone_report(self.admin, milestone=milestone, received_on=received)
            approved = received + timedelta(days=7)
            actions.do_approve_milestone(self.admin, milestone=milestone, approved_on=approved)
            pay_on = milestone.expected_payment_on
            # Reports approved since last month began are left to the payment run, which waits for a second
            # administrator to release it.
            if pay_on <= self.today and approved < first_of_month(first_of_month(self.today) - timedelta(days=1)):
                actions.do_record_disbursement(
                    self.admin,
                    milestone=milestone,
                    paid_on=pay_on,
                    reference=f"PAY-{milestone.award.reference}-{milestone.number}",
                )
        if to_review is not None:
            self._upload_report(to_review)
        for award in Award.objects.prefetch_related("milestones", "disbursements"):
            paid = award.disbursements.count()
            status = Award.Status.COMPLETED if paid == 4 else Award.Status.ACTIVE if paid else award.status
            if status != award.status:
                award.status = status
                award.save(update_fields=["status"])
