"""factory_boy factories and `build_world`, the small fund most tests use."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

import factory
from djmoney.money import Money

from alignment_fund.models import User
from funders.models import Funder, FunderContact, Pledge, Receipt
from grants import actions
from grants.models import Award
from projects.models import Fund, Project, ResearchArea, Round


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "correct-horse-battery-staple")
        if create:
            self.save(update_fields=["password"])


class FunderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Funder

    name = factory.Sequence(lambda n: f"Funder {n}")
    slug = factory.Sequence(lambda n: f"funder-{n}")
    kind = Funder.Kind.PHILANTHROPY
    country = "GB"
    currency = "GBP"


class ResearchAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearchArea
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund

    name = "The Alignment Project"
    administered_by = "UK AI Security Institute"


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    fund = factory.SubFactory(FundFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda r: f"Round {r.number}")
    opens_on = date(2025, 7, 30)
    closes_on = date(2025, 9, 10)
    budget = Money("5000000.00", "GBP")
    status = Round.Status.AWARDING


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    reference = factory.Sequence(lambda n: f"R1-{n:04d}")
    title = factory.Sequence(lambda n: f"Project {n}")
    lead_name = "A. Researcher"
    institution = "University of Somewhere"
    country = "GB"
    research_area = factory.SubFactory(ResearchAreaFactory)
    round = factory.SubFactory(RoundFactory)
    # The most an award can be, so that awards made in tests need no reason for going above the request.
    amount_requested = Money("1000000.00", "GBP")
    status = Project.Status.VETTED
    panel_score = Decimal("8.00")
    vetted_on = date(2025, 11, 1)


@dataclass
class World:
    admin: User
    fund: Fund
    round: Round
    area: ResearchArea
    other_area: ResearchArea
    funder_a: Funder
    funder_b: Funder
    contact_a: User
    contact_b: User
    researcher_a: User
    researcher_b: User
    outsider: User
    pledge_a: Pledge
    pledge_b: Pledge
    receipt_a: Receipt
    receipt_b: Receipt
    award_a: Award
    award_b: Award
    waiting: Project

    def reloaded(self) -> World:
        """The same world with every object read again from the database (reversed records included)."""
        return World(
            **{
                field.name: type(value)._base_manager.get(pk=value.pk)
                for field in fields(self)
                for value in [getattr(self, field.name)]
            }
        )


def build_world(admin: User) -> World:
    fund = FundFactory()
    round_ = RoundFactory(fund=fund, number=1, name="Round 1", budget=Money("1000000.00", "GBP"))
    area = ResearchAreaFactory(name="Interpretability", slug="interpretability")
    other_area = ResearchAreaFactory(name="Learning theory", slug="learning-theory")
    funder_a = FunderFactory(name="Open Funder A", slug="funder-a", currency="USD", disclose_amounts=True)
    funder_b = FunderFactory(
        name="Quiet Funder B", slug="funder-b", currency="GBP", disclose_amounts=False, publicly_named=False
    )
    contact_a = UserFactory(username="contact-a")
    contact_b = UserFactory(username="contact-b")
    FunderContact.objects.create(user=contact_a, funder=funder_a)
    FunderContact.objects.create(user=contact_b, funder=funder_b)
    researcher_a = UserFactory(username="researcher-a")
    researcher_b = UserFactory(username="researcher-b")
    outsider = UserFactory(username="outsider")

    # A's money is restricted to interpretability, so B (which keeps its amounts private) pays for the learning-theory
    # award: each funder then backs one award, and B's part is not crowded out by the disclosed-first policy.
    pledge_a = actions.do_record_pledge(
        admin,
        funder=funder_a,
        amount="2000000.00",
        currency="USD",
        pledged_on=date(2025, 7, 1),
        reference="PA-1",
        restricted_to_area=area,
    )
    pledge_b = actions.do_record_pledge(
        admin,
        funder=funder_b,
        amount="1234567.89",
        currency="GBP",
        pledged_on=date(2025, 7, 1),
        reference="PB-1",
    )
    receipt_a = actions.do_record_receipt(
        admin,
        pledge=pledge_a,
        amount="2000000.00",
        currency="USD",
        received_on=date(2025, 8, 1),
        bank_reference="BANK-A-1",
    )
    receipt_b = actions.do_record_receipt(
        admin,
        pledge=pledge_b,
        amount="1234567.89",
        currency="GBP",
        received_on=date(2025, 8, 1),
        bank_reference="BANK-B-1",
    )
    actions.do_record_conversion(
        admin,
        receipt=receipt_a,
        amount_sold="1000000.00",
        gbp_credited="740000.00",
        converted_on=date(2025, 8, 15),
        bank_reference="FX-A-1",
    )
    project_a = ProjectFactory(
        round=round_, research_area=area, lead=researcher_a, title="Sparse probes", reference="R1-0001"
    )
    project_b = ProjectFactory(
        round=round_, research_area=other_area, lead=researcher_b, title="PAC bounds", reference="R1-0002"
    )
    waiting = ProjectFactory(
        round=round_,
        research_area=area,
        title="Waiting project",
        reference="R1-0003",
        panel_score=Decimal("7.5"),
        amount_requested=Money("200000.00", "GBP"),
    )
    award_a = actions.do_award_project(admin, project=project_a, amount="300000.00", awarded_on=date(2025, 11, 10))
    award_b = actions.do_award_project(admin, project=project_b, amount="150000.00", awarded_on=date(2025, 11, 12))
    return World(
        admin=admin,
        fund=fund,
        round=round_,
        area=area,
        other_area=other_area,
        funder_a=funder_a,
        funder_b=funder_b,
        contact_a=contact_a,
        contact_b=contact_b,
        researcher_a=researcher_a,
        researcher_b=researcher_b,
        outsider=outsider,
        pledge_a=pledge_a,
        pledge_b=pledge_b,
        receipt_a=receipt_a,
        receipt_b=receipt_b,
        award_a=award_a,
        award_b=award_b,
        waiting=waiting,
    )


def pledge_received(
    admin, funder, *, amount, currency, pledged_on, received_on, reference, received=None, **restrictions
):
    """A pledge recorded and paid in (all of it, or `received`), through the real operations."""
    pledge = actions.do_record_pledge(
        admin,
        funder=funder,
        amount=amount,
        currency=currency,
        pledged_on=pledged_on,
        reference=reference,
        **restrictions,
    )
    actions.do_record_receipt(
        admin,
        pledge=pledge,
        amount=received or amount,
        currency=currency,
        received_on=received_on,
        bank_reference=f"BANK-{reference}",
    )
    return pledge
