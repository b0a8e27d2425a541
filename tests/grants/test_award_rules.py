"""The award rules, held by the operations so the back office, the pages, the API and imports all obey: dated on or
after vetting and the round's opening, a reason for giving more than was asked, and milestones that add up to the
award exactly and fall within the award period."""

from datetime import date

import pytest
from djmoney.money import Money

from grants import actions
from grants.actions import ActionError
from grants.models import Award, Milestone

ON = date(2026, 2, 20)


@pytest.fixture(autouse=True)
def today(settings):
    settings.FUND_TODAY = ON.isoformat()


def test_an_award_dated_before_its_project_was_vetted_is_refused(world):
    # The waiting project was vetted on 1 Nov 2025.
    with pytest.raises(ActionError) as refused:
        actions.do_award_project(world.admin, project=world.waiting, amount="100000.00", awarded_on=date(2025, 10, 31))
    assert refused.value.message_dict == {
        "awarded_on": ["R1-0003 was vetted on 1 Nov 2025: it cannot be awarded before that."]
    }
    assert not Award.objects.filter(project=world.waiting).exists()


def test_an_award_dated_before_its_round_opened_is_refused(world):
    world.waiting.vetted_on = date(2025, 7, 1)
    world.waiting.save(update_fields=["vetted_on"])
    with pytest.raises(ActionError) as refused:
        actions.do_award_project(world.admin, project=world.waiting, amount="100000.00", awarded_on=date(2025, 7, 29))
    assert refused.value.message_dict == {
        "awarded_on": ["Round 1 opened on 30 Jul 2025: its awards are dated on or after that."]
    }
    # On the day it opened the date is allowed: what is missing then is money (the first arrived on 1 Aug).
    with pytest.raises(ActionError) as refused:
        actions.do_award_project(world.admin, project=world.waiting, amount="100000.00", awarded_on=date(2025, 7, 30))
    assert list(refused.value.message_dict) == ["amount"]


def test_more_than_was_requested_needs_a_reason(world):
    # The waiting project asked for £200,000.
    with pytest.raises(ActionError) as refused:
        actions.do_award_project(world.admin, project=world.waiting, amount="250000.00", awarded_on=ON)
    assert refused.value.message_dict == {
        "above_request_reason": ["R1-0003 asked for £200,000.00: say why the award is more than that."]
    }
    award = actions.do_award_project(
        world.admin,
        project=world.waiting,
        amount="250000.00",
        awarded_on=ON,
        above_request_reason="The panel added a second postdoc",
    )
    assert award.above_request_reason == "The panel added a second postdoc"


def test_the_award_pages_show_why_more_than_requested(world, client):
    award = actions.do_award_project(
        world.admin, project=world.waiting, amount="250000.00", awarded_on=ON, above_request_reason="Second postdoc"
    )
    award.project.lead = world.researcher_a
    award.project.save(update_fields=["lead"])
    client.force_login(world.admin)
    assert "Second postdoc" in client.get(f"/portfolio/awards/{award.pk}/").content.decode()
    client.force_login(world.researcher_a)
    assert "More than requested: Second postdoc" in client.get(f"/awards/{award.pk}/").content.decode()


def test_the_award_form_asks_for_the_reason(world, client):
    client.force_login(world.admin)
    url = f"/portfolio/projects/{world.waiting.pk}/award/"
    data = {"amount": "240,000.00", "currency": "GBP", "awarded_on": "2026-02-19", "status": "offered"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "say why the award is more than that" in response.content.decode()
    response = client.post(url, {**data, "above_request_reason": "A second postdoc"})
    assert response.status_code == 302
    assert Award.objects.get(project=world.waiting).above_request_reason == "A second postdoc"


def _inline(award, rows) -> dict:
    data = {
        "milestones-TOTAL_FORMS": str(len(rows)),
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "1000",
        "disbursements-TOTAL_FORMS": "0",
        "disbursements-INITIAL_FORMS": "0",
        "attributions-TOTAL_FORMS": "0",
        "attributions-INITIAL_FORMS": "0",
        "amendments-TOTAL_FORMS": "0",
        "amendments-INITIAL_FORMS": "0",
        "status": award.status,
        "compute_provider": "",
        "compute_quantity": "",
        "compute_value_0": "",
        "compute_value_1": "GBP",
        "mentor": "",
    }
    for index, (due_on, amount) in enumerate(rows):
        data.update(
            {
                f"milestones-{index}-award": award.pk,
                f"milestones-{index}-number": str(index + 1),
                f"milestones-{index}-title": f"Step {index + 1}",
                f"milestones-{index}-due_on": due_on,
                f"milestones-{index}-amount_0": amount,
                f"milestones-{index}-amount_1": "GBP",
            }
        )
    return data


@pytest.mark.parametrize(
    "rows, message",
    [
        ([("2026-03-31", "150000.00"), ("2026-06-30", "150000.01")], "take off £0.01 so that they add up exactly"),
        ([("2026-03-31", "150000.00"), ("2026-06-30", "149999.99")], "add £0.01 so that they add up exactly"),
        ([("2026-03-31", "150000.00"), ("2099-06-30", "150000.00")], "Milestone 2 is due on 30 Jun 2099, outside"),
        ([("2025-11-01", "150000.00"), ("2026-06-30", "150000.00")], "Milestone 1 is due on 1 Nov 2025, outside"),
    ],
)
def test_the_back_office_refuses_a_schedule_that_does_not_fit_the_award(world, client, rows, message):
    client.force_login(world.admin)
    response = client.post(f"/admin/grants/award/{world.award_a.pk}/change/", _inline(world.award_a, rows))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Milestone.objects.filter(award=world.award_a).exists()


def test_the_back_office_accepts_a_schedule_that_adds_up_within_the_period(world, client):
    client.force_login(world.admin)
    rows = [("2026-03-31", "150000.00"), ("2027-11-10", "150000.00")]  # the last day of the 24 months
    response = client.post(f"/admin/grants/award/{world.award_a.pk}/change/", _inline(world.award_a, rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Milestone.objects.filter(award=world.award_a).count() == 2


def test_a_milestone_edited_alone_must_keep_the_schedule_adding_up(world, client):
    Milestone.objects.create(
        award=world.award_b, number=1, title="All", due_on=date(2026, 3, 31), amount=Money("150000", "GBP")
    )
    client.force_login(world.admin)
    response = client.post(
        "/admin/grants/milestone/add/",
        {
            "award": world.award_b.pk,
            "number": 2,
            "title": "One pound more",
            "due_on": "2026-06-30",
            "amount_0": "1.00",
            "amount_1": "GBP",
        },
    )
    assert response.status_code == 200
    assert "edit them together on the award" in response.content.decode()
    assert world.award_b.milestones.count() == 1


def test_the_standard_schedule_fits_the_award_period(world):
    award = actions.do_award_project(
        world.admin, project=world.waiting, amount="200000.00", awarded_on=ON, plan_milestones=True
    )
    milestones = list(award.milestones.all())
    assert sum(m.amount.amount for m in milestones) == award.amount.amount
    assert all(award.awarded_on <= m.due_on <= award.period_ends_on for m in milestones)
