from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from djmoney.money import Money

from grants import actions
from grants.actions import ActionError
from grants.models import Account, Award, AwardAttribution, LedgerLine, LedgerTransaction, Milestone
from grants.reads.attribution import payment_parts, split_among_funders, split_award
from grants.reads.position import pool_position
from projects.models import Project
from tests.factories import FunderFactory, FundFactory, ProjectFactory, ResearchAreaFactory, RoundFactory


def test_the_world_awards_post_to_the_ledger(world):
    committed = LedgerLine.objects.balance_by_currency(Account.GRANTS_COMMITTED)
    assert committed == {"GBP": Decimal("-450000.00")}
    assert world.award_a.project.status == Project.Status.AWARDED


@pytest.mark.parametrize("amount", ["49999.99", "1000000.01"])
def test_it_refuses_awards_outside_the_limits(world, amount):
    with pytest.raises(ActionError, match="between £50,000.00 and £1,000,000.00"):
        actions.do_award_project(world.admin, project=world.waiting, amount=amount, awarded_on=date(2025, 11, 20))
    assert not Award.objects.filter(project=world.waiting).exists()


def test_it_refuses_an_award_in_dollars(world):
    with pytest.raises(ActionError, match="pounds sterling"):
        actions.do_award_project(
            world.admin, project=world.waiting, amount=Money("100000", "USD"), awarded_on=date(2025, 11, 20)
        )


@pytest.mark.parametrize(("amount", "currency"), [("49999.99", "GBP"), ("1000000.01", "GBP"), ("100000.00", "USD")])
def test_the_database_refuses_what_the_rules_forbid(world, amount, currency):
    with pytest.raises(IntegrityError), transaction.atomic():
        Award.objects.create(
            reference="X-1",
            project=world.waiting,
            round=world.round,
            amount=Money(amount, currency),
            awarded_on=date(2025, 11, 20),
        )


def test_it_refuses_an_award_beyond_the_rounds_headroom(world):
    # Round budget £1M, £450k awarded: £550k left, less than the fund's cash.
    big = ProjectFactory(round=world.round, research_area=world.area, reference="R1-0100")
    with pytest.raises(ActionError, match="more than the headroom: £550,000.00 can still be awarded"):
        actions.do_award_project(world.admin, project=big, amount="550000.01", awarded_on=date(2025, 11, 20))
    award = actions.do_award_project(world.admin, project=big, amount="550000.00", awarded_on=date(2025, 11, 20))
    assert award.amount == Money("550000.00", "GBP")


def test_it_refuses_an_award_beyond_the_funds_cash(world):
    world.round.budget = Money("50000000.00", "GBP")
    world.round.save()
    headroom = pool_position(date(2025, 11, 20)).headroom_gbp
    spent = Decimal("0.00")
    n = 0
    while headroom - spent > Decimal("1000000.00"):
        n += 1
        project = ProjectFactory(round=world.round, research_area=world.area, reference=f"R1-09{n:02d}")
        actions.do_award_project(world.admin, project=project, amount="1000000.00", awarded_on=date(2025, 11, 20))
        spent += Decimal("1000000.00")
    left = headroom - spent
    last = ProjectFactory(round=world.round, research_area=world.area, reference="R1-0999")
    with pytest.raises(ActionError, match="more than the headroom"):
        actions.do_award_project(
            world.admin, project=last, amount=left + Decimal("0.01"), awarded_on=date(2025, 11, 20)
        )
    assert pool_position(date(2025, 11, 20)).headroom_gbp == left


def test_each_award_is_paid_for_by_the_money_its_restrictions_allow_disclosed_money_first(world):
    # A discloses its amounts and its money is kept to interpretability: it alone pays for award A. B's money is the
    # only money free for the learning-theory award B.
    assert [(p.funder, p.amount.amount, p.share) for p in world.award_a.attributions.all()] == [
        (world.funder_a, Decimal("300000.00"), Decimal("1.000000"))
    ]
    assert [(p.funder, p.amount.amount) for p in world.award_b.attributions.all()] == [
        (world.funder_b, Decimal("150000.00"))
    ]
    assert all(p.basis for p in AwardAttribution.objects.all())


FREE = {1: Decimal("100.00"), 2: Decimal("50.00"), 3: Decimal("500.00"), 4: Decimal("500.00")}


@pytest.mark.parametrize(
    "amount, parts",
    [
        # Disclosed money covers it: pro rata among the disclosed funders only, to the penny.
        ("120.00", {1: "80.00", 2: "40.00"}),
        ("100.01", {1: "66.67", 2: "33.34"}),
        # It falls short: all of the disclosed money, then the private funders in the order they joined.
        ("200.00", {1: "100.00", 2: "50.00", 3: "50.00"}),
        ("700.00", {1: "100.00", 2: "50.00", 3: "500.00", 4: "50.00"}),
    ],
)
def test_the_attribution_policy_draws_disclosed_money_first_and_private_money_in_order(amount, parts):
    split = split_award(Decimal(amount), FREE, disclosed={1, 2})
    assert {f: part for f, part in split.items() if part} == {f: Decimal(v) for f, v in parts.items()}
    assert sum(split.values()) == Decimal(amount)


def test_shares_and_payment_parts_add_up_exactly_and_a_disclosed_part_ignores_how_private_money_divides():
    thirds = {1: Decimal("100000.00"), 2: Decimal("100000.00")}
    shares = split_among_funders(
        Decimal("1.000000"), Decimal("300000.00"), thirds, {3: Decimal("100000.00")}, unit=Decimal("0.000001")
    )
    assert sum(shares.values()) == Decimal("1.000000")
    paid = split_among_funders(
        Decimal("100.00"), Decimal("300000.00"), thirds, {3: Decimal("60000.00"), 4: Decimal("40000.00")}
    )
    other = split_among_funders(
        Decimal("100.00"), Decimal("300000.00"), thirds, {3: Decimal("1.00"), 4: Decimal("99999.00")}
    )
    assert sum(paid.values()) == sum(other.values()) == Decimal("100.00")
    assert (paid[1], paid[2]) == (other[1], other[2])


def test_an_award_can_come_with_the_standard_milestone_schedule(world):
    award = actions.do_award_project(
        world.admin,
        project=world.waiting,
        amount="200000.01",
        awarded_on=date(2025, 11, 20),
        plan_milestones=True,
        above_request_reason="More than the £200,000 asked for: the panel widened the scope",
    )
    milestones = list(award.milestones.order_by("number"))
    assert [m.title for m in milestones] == ["Inception report", "Interim results", "Draft paper", "Final report"]
    assert sum(m.amount.amount for m in milestones) == Decimal("200000.01")
    assert [m.due_on for m in milestones] == [
        date(2026, 2, 28),
        date(2026, 5, 31),
        date(2026, 8, 31),
        date(2026, 11, 30),
    ]
    assert award.reference == f"AP-{world.waiting.reference}"


def test_a_large_award_is_scheduled_over_eighteen_months(world):
    world.round.budget = Money("5000000.00", "GBP")
    world.round.save()
    award = actions.do_award_project(
        world.admin,
        project=world.waiting,
        amount="900000.00",
        awarded_on=date(2025, 11, 20),
        plan_milestones=True,
        above_request_reason="More than the £200,000 asked for: the panel widened the scope",
    )
    assert award.milestones.order_by("-number").first().due_on == date(2027, 5, 31)


def test_an_award_checks_the_rounds_budget_as_stored_not_as_the_callers_copy(world):
    from projects.models import Round

    project = world.waiting
    stale_copy = project.round
    Round.objects.filter(pk=stale_copy.pk).update(budget=Money("450000.00", "GBP"))  # awarded so far: £450,000
    project.round = stale_copy  # the caller still holds the round with its old, larger budget
    with pytest.raises(ActionError, match="headroom"):
        actions.do_award_project(world.admin, project=project, amount="100000.00", awarded_on=date(2026, 1, 10))


# What an award records and how it refuses, field by field (`make mutants` checks each of these is held to).


def refusal(world, **kwargs):
    kwargs.setdefault("project", world.waiting)
    kwargs.setdefault("amount", "100000.00")
    kwargs.setdefault("awarded_on", date(2025, 11, 20))
    with pytest.raises(ActionError) as refused:
        actions.do_award_project(world.admin, **kwargs)
    return refused.value.message_dict


@pytest.mark.parametrize("amount", ["49999.99", "1000000.01"])
def test_an_amount_outside_the_limits_is_refused_on_the_amount(world, amount):
    assert refusal(world, amount=amount) == {
        "amount": ["An award must be between £50,000.00 and £1,000,000.00 inclusive."]
    }


def test_the_limits_themselves_can_be_awarded(world):
    world.round.budget = Money("5000000.00", "GBP")
    world.round.save()
    smallest = actions.do_award_project(
        world.admin, project=world.waiting, amount="50000.00", awarded_on=date(2025, 11, 20)
    )
    largest = actions.do_award_project(
        world.admin,
        project=ProjectFactory(round=world.round, research_area=world.area, reference="R1-0400"),
        amount=Money("1000000.00", "GBP"),
        awarded_on=date(2025, 11, 20),
    )
    assert (smallest.amount, largest.amount) == (Money("50000.00", "GBP"), Money("1000000.00", "GBP"))


def test_an_amount_that_is_not_a_number_or_not_pounds_is_refused_on_the_amount(world):
    assert refusal(world, amount="ten") == {"amount": ["'ten' is not a decimal number"]}
    assert refusal(world, amount=Money("100000", "USD")) == {
        "amount": ["Awards are made in pounds sterling (GBP), not USD."]
    }


def test_a_refusal_over_the_headroom_is_on_the_amount(world):
    # The fund: £1,974,567.89 held in pounds and $1,000,000 at the 20 Nov 2025 reference rate, less £450,000 committed.
    assert refusal(world, amount="550000.01") == {
        "amount": [
            "£550,000.01 is more than the headroom: £550,000.00 can still be awarded in Round 1 "
            "(the fund as a whole has £2,270,898.00)."
        ]
    }


def test_a_project_already_awarded_is_refused_on_the_project(world):
    assert refusal(world, project=world.award_a.project) == {
        "project": ["R1-0001 is awarded: only a vetted project without an award can be awarded."]
    }
    # Even put back to vetted, a project with an award cannot be awarded again.
    Project.objects.filter(pk=world.award_b.project.pk).update(status=Project.Status.VETTED)
    assert refusal(world, project=world.award_b.project) == {
        "project": ["R1-0002 is vetted: only a vetted project without an award can be awarded."]
    }


def test_an_awards_date_is_refused_on_its_own_field(world, settings):
    settings.FUND_TODAY = "2026-03-31"
    assert refusal(world, awarded_on=date(2026, 4, 1)) == {
        "awarded_on": ["An award's date cannot be after today (31 Mar 2026)."]
    }
    assert refusal(world, awarded_on=date(1999, 12, 31)) == {
        "awarded_on": ["An award's date must be on or after 1 Jan 2000."]
    }
    # The world's rates start in January 2025: an award before then could not be valued.
    assert list(refusal(world, awarded_on=date(2024, 6, 3))) == ["awarded_on"]


def test_an_award_records_what_it_was_given(world):
    award = actions.do_award_project(
        world.admin,
        project=world.waiting,
        amount="100000.00",
        awarded_on=date(2025, 11, 20),
        reference="AP-SPECIAL",
        compute_provider="Cloud Co",
        compute_quantity="20,000 GPU-hours",
        compute_value="25000.00",
        mentor="Dr Mentor",
        status=Award.Status.ACCEPTED,
    )
    award = Award.objects.get(pk=award.pk)
    assert (award.reference, award.status, award.awarded_by) == ("AP-SPECIAL", Award.Status.ACCEPTED, world.admin)
    assert (award.compute_provider, award.compute_quantity, award.mentor) == (
        "Cloud Co",
        "20,000 GPU-hours",
        "Dr Mentor",
    )
    assert award.compute_value == Money("25000.00", "GBP")
    assert Project.objects.get(pk=world.waiting.pk).status == Project.Status.AWARDED


def test_an_award_given_nothing_more_is_offered_with_no_compute_and_no_mentor(world):
    award = Award.objects.get(pk=world.award_a.pk)
    assert (award.status, award.compute_provider, award.compute_quantity, award.compute_value, award.mentor) == (
        Award.Status.OFFERED,
        "",
        "",
        None,
        "",
    )
    assert award.awarded_by == world.admin


def test_an_award_posts_awarded_against_committed_for_its_round_and_itself(world):
    award = world.award_a
    posted = LedgerTransaction.objects.get(key=f"award:{award.pk}")
    assert (posted.kind, posted.occurred_on, posted.posted_by, posted.memo) == (
        LedgerTransaction.Kind.AWARD,
        date(2025, 11, 10),
        world.admin,
        "Award AP-R1-0001 to R1-0001",
    )
    assert sorted(posted.lines.values_list("account", "amount", "amount_currency", "round", "award")) == [
        (Account.GRANTS_AWARDED, Decimal("300000.00"), "GBP", world.round.pk, award.pk),
        (Account.GRANTS_COMMITTED, Decimal("-300000.00"), "GBP", world.round.pk, award.pk),
    ]


def test_each_funders_part_of_an_award_is_stored_with_its_share_and_basis(world):
    # In the world each award has one funder (A's money is kept to interpretability): its part is the whole award.
    (part_a,) = world.award_a.attributions.all()
    (part_b,) = world.award_b.attributions.all()
    assert (part_a.funder, part_b.funder) == (world.funder_a, world.funder_b)
    for part, award in ((part_a, world.award_a), (part_b, world.award_b)):
        assert part.amount == award.amount and part.amount.currency.code == "GBP"
        assert part.share == Decimal("1.000000")
        assert part.basis.endswith(" free")
    assert part_a.basis.startswith("USD 2,000,000.00 received 1 Aug 2025")
    assert part_b.basis.startswith("GBP 1,234,567.89 received 1 Aug 2025")


def test_the_standard_schedule_is_numbered_dated_and_split_to_the_penny(world):
    award = actions.do_award_project(
        world.admin,
        project=world.waiting,
        amount="200000.01",
        awarded_on=date(2025, 11, 20),
        plan_milestones=True,
        above_request_reason="More than the £200,000 asked for: the panel widened the scope",
    )
    assert list(award.milestones.order_by("number").values_list("number", "title", "due_on", "amount")) == [
        (1, "Inception report", date(2026, 2, 28), Decimal("50000.01")),
        (2, "Interim results", date(2026, 5, 31), Decimal("50000.00")),
        (3, "Draft paper", date(2026, 8, 31), Decimal("50000.00")),
        (4, "Final report", date(2026, 11, 30), Decimal("50000.00")),
    ]


def test_an_award_of_400000_or_less_is_scheduled_over_twelve_months():
    from grants.actions.awards import standard_schedule

    assert standard_schedule(Decimal("400000.00"), date(2025, 1, 15))[-1][1] == date(2026, 1, 31)
    assert standard_schedule(Decimal("400000.01"), date(2025, 1, 15))[-1][1] == date(2026, 7, 31)


def test_an_awards_shares_are_split_with_its_disclosed_funders_first(db, rates, admin_user):
    # A disclosed funder gives £10,000 of a £51,000 award, two private ones £17,000 and £24,000. Shares to six places
    # cannot be exact: the disclosed funder's is its part of the whole, rounded as if the private funders were one (so
    # it never depends on how they divide theirs), and the private pair splits the rest, largest remainder first.
    # Rounding all three together would give the disclosed funder 0.196079 and the first private one 0.333333.
    round_ = RoundFactory(fund=FundFactory(), number=1, name="Round 1", budget=Money("1000000.00", "GBP"))
    area = ResearchAreaFactory(name="Interpretability", slug="interpretability")
    funders = [
        FunderFactory(name="Open C", disclose_amounts=True),
        FunderFactory(name="Quiet D", disclose_amounts=False),
        FunderFactory(name="Quiet E", disclose_amounts=False),
    ]
    for funder, amount in zip(funders, ["10000.00", "17000.00", "500000.00"], strict=True):
        pledge = actions.do_record_pledge(
            admin_user,
            funder=funder,
            amount=amount,
            currency="GBP",
            pledged_on=date(2025, 7, 1),
            reference=f"P-{funder.pk}",
        )
        actions.do_record_receipt(
            admin_user,
            pledge=pledge,
            amount=amount,
            currency="GBP",
            received_on=date(2025, 8, 1),
            bank_reference=f"BANK-{funder.pk}",
        )
    project = ProjectFactory(round=round_, research_area=area, reference="R1-0001")
    award = actions.do_award_project(admin_user, project=project, amount="51000.00", awarded_on=date(2025, 11, 10))
    parts = [(p.funder.name, p.amount.amount, p.share) for p in award.attributions.order_by("funder")]
    assert parts == [
        ("Open C", Decimal("10000.00"), Decimal("0.196078")),
        ("Quiet D", Decimal("17000.00"), Decimal("0.333334")),
        ("Quiet E", Decimal("24000.00"), Decimal("0.470588")),
    ]
    # A quarter of it paid, and 7p: split the same way, C's part never depends on how D and E divide theirs (rounding
    # all three together would give C £2,500.02 and E £6,000.03).
    paid = payment_parts({award.pk: Decimal("12750.07")})
    assert [paid[award.pk, funder.pk] for funder in funders] == [
        Decimal("2500.01"),
        Decimal("4250.02"),
        Decimal("6000.04"),
    ]


def test_an_award_is_booked_in_the_name_of_who_made_it(world):
    award = actions.do_award_project(
        world.admin, project=world.waiting, amount="200000.00", awarded_on=date(2025, 11, 20), plan_milestones=True
    )
    assert (award.compute_provider, award.compute_quantity, award.compute_value, award.mentor) == ("", "", None, "")
    assert award.above_request_reason == ""
    posted = LedgerTransaction.objects.get(key=f"award:{award.pk}")
    assert (posted.posted_by, posted.memo) == (world.admin, "Award AP-R1-0003 to R1-0003")
    assert set(posted.lines.values_list("round", "award")) == {(world.round.pk, award.pk)}
    # The attributions and milestones, written in bulk, have history rows naming the administrator.
    for model in (AwardAttribution, Milestone):
        history = model.history.filter(award=award)
        assert history.exists()
        assert set(history.values_list("history_user", flat=True)) == {world.admin.pk}


def test_a_split_with_nothing_to_split_by_gives_everyone_nothing_and_pence_are_split_too():
    zero = Decimal("0.00")
    assert split_among_funders(Decimal("100.00"), zero, {1: zero}, {2: zero}) == {1: zero, 2: zero}
    # Private funders with no part are left out; a private group worth less than a pound is still divided.
    assert split_among_funders(Decimal("100.00"), Decimal("300.00"), {1: Decimal("300.00")}, {2: zero}) == {
        1: Decimal("100.00")
    }
    halves = split_among_funders(Decimal("1.00"), Decimal("1.00"), {}, {2: Decimal("0.50"), 3: Decimal("0.50")})
    assert halves == {2: Decimal("0.50"), 3: Decimal("0.50")}
    assert split_among_funders(Decimal("0.50"), Decimal("1.00"), {1: Decimal("0.50")}, {2: Decimal("0.50")}) == {
        1: Decimal("0.25"),
        2: Decimal("0.25"),
    }
