"""Awards, milestones, payments, rates and the ledger in the back office."""

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse
from djmoney.money import Money

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.templatetags.admin_dates import date_hierarchy_by_range
from grants import actions
from grants.models import Award, AwardAttribution, Disbursement, LedgerLine, LedgerTransaction, Milestone
from projects.models import Project

AWARD_ADD = reverse("admin:grants_award_add")
RATE_ADD = reverse("admin:rates_exchangerate_add")


@pytest.fixture
def back_office(client, admin_user, settings):
    settings.FUND_TODAY = "2026-03-02"
    client.force_login(admin_user)
    return client


def management_forms(response) -> dict:
    """The inline formsets' management data a browser would post back with a change form."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        form = inline.formset.management_form
        data.update({form[name].html_name: form[name].value() for name in form.fields})
    return data


def _counts() -> tuple[int, int, int, int]:
    return (
        Award.objects.count(),
        AwardAttribution.objects.count(),
        LedgerTransaction.objects.count(),
        LedgerLine.objects.count(),
    )


def _award_post(world, amount: str, currency: str = "GBP", **extra) -> dict:
    return {
        "project": world.waiting.pk,
        "amount_0": amount,
        "amount_1": currency,
        "awarded_on": "2025-11-20",
        "status": Award.Status.OFFERED,
        "compute_value_0": "",
        "compute_value_1": "GBP",
        **extra,
    }


# Awards


def test_the_award_form_shows_the_headroom_before_awarding(back_office, world):
    response = back_office.get(AWARD_ADD)
    assert response.status_code == 200
    assert "Headroom today: Round 1: £550,000.00" in response.text


@pytest.mark.parametrize("amount", ["49999.99", "1000000.01"])
def test_it_refuses_an_award_outside_the_limits_and_writes_nothing(back_office, world, amount):
    before = _counts()
    response = back_office.post(AWARD_ADD, _award_post(world, amount))
    assert response.status_code == 200
    assert "An award must be between £50,000.00 and £1,000,000.00 inclusive." in response.text
    assert _counts() == before
    world.waiting.refresh_from_db()
    assert world.waiting.status == Project.Status.VETTED


def test_it_refuses_an_award_in_dollars_with_a_clear_message(back_office, world):
    before = _counts()
    response = back_office.post(AWARD_ADD, _award_post(world, "100000.00", "USD"))
    assert response.status_code == 200
    assert "Awards are made in pounds sterling (GBP), not USD" in response.text
    assert "Select a valid choice" not in response.text
    assert _counts() == before


def test_it_refuses_an_award_above_the_headroom_and_shows_the_headroom(back_office, world):
    before = _counts()
    response = back_office.post(AWARD_ADD, _award_post(world, "600000.00"))
    assert response.status_code == 200
    assert "£600,000.00 is more than the headroom: £550,000.00 can still be awarded in Round 1" in response.text
    assert _counts() == before


def test_the_limits_themselves_are_accepted(back_office, world):
    response = back_office.post(AWARD_ADD, _award_post(world, "50000.00", reference="AP-EDGE"))
    assert response.status_code == 302
    assert Award.objects.get(reference="AP-EDGE").amount == Money("50000.00", "GBP")


def test_an_award_made_in_the_admin_posts_the_ledger_and_fixes_the_attribution(back_office, world):
    awards, attributions, transactions, lines = _counts()
    response = back_office.post(AWARD_ADD, _award_post(world, "100000.00", mentor="Dr Mentor"))
    assert response.status_code == 302
    award = Award.objects.get(project=world.waiting)
    assert award.round == world.round
    assert award.awarded_by == world.admin
    assert award.mentor == "Dr Mentor"
    assert award.reference == "AP-R1-0003"
    assert LedgerTransaction.objects.get(key=f"award:{award.pk}").kind == LedgerTransaction.Kind.AWARD
    assert LedgerTransaction.objects.count() == transactions + 1
    parts = award.attributions.all()
    assert sum(p.amount.amount for p in parts) == award.amount.amount
    world.waiting.refresh_from_db()
    assert world.waiting.status == Project.Status.AWARDED


def test_a_made_award_keeps_its_money_but_its_status_and_mentor_can_change(back_office, world):
    url = reverse("admin:grants_award_change", args=[world.award_a.pk])
    response = back_office.post(
        url,
        {
            **management_forms(back_office.get(url)),
            "amount_0": "999999.00",
            "amount_1": "GBP",
            "round": "",
            "status": Award.Status.ACCEPTED,
            "mentor": "Dr Mentor",
            "compute_provider": "AWS",
            "compute_quantity": "10,000 GPU-hours",
            "compute_value_0": "",
            "compute_value_1": "GBP",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.award_a.refresh_from_db()
    assert world.award_a.amount == Money("300000.00", "GBP")
    assert world.award_a.status == Award.Status.ACCEPTED
    assert world.award_a.mentor == "Dr Mentor"
    assert world.award_a.compute_provider == "AWS"


def test_awards_cannot_be_deleted_in_the_admin(back_office, world):
    assert back_office.get(reverse("admin:grants_award_delete", args=[world.award_a.pk])).status_code == 403


def test_the_award_list_shows_amounts_in_pounds(back_office, world):
    response = back_office.get(reverse("admin:grants_award_changelist"))
    assert "£300,000.00" in response.text
    assert "£0.00 of £150,000.00" in response.text


# Milestones and payments


@pytest.fixture
def milestone(world):
    return Milestone.objects.create(
        award=world.award_a, number=1, title="Inception report", due_on=date(2026, 1, 31), amount=Money("75000", "GBP")
    )


def test_milestone_reports_are_received_and_approved_through_admin_actions(back_office, milestone):
    changelist = reverse("admin:grants_milestone_changelist")
    back_office.post(changelist, {"action": "approve_reports", "_selected_action": [milestone.pk]})
    milestone.refresh_from_db()
    assert milestone.approved_on is None  # no report yet: refused, with a message

    back_office.post(changelist, {"action": "receive_reports", "_selected_action": [milestone.pk]})
    back_office.post(changelist, {"action": "approve_reports", "_selected_action": [milestone.pk]})
    milestone.refresh_from_db()
    assert milestone.report_received_on == date(2026, 3, 2)
    assert milestone.approved_on == date(2026, 3, 2)
    assert milestone.approved_by is not None


def test_an_approval_refused_says_why(back_office, milestone):
    response = back_office.post(
        reverse("admin:grants_milestone_changelist"),
        {"action": "approve_reports", "_selected_action": [milestone.pk]},
        follow=True,
    )
    assert "The milestone report has not been received yet." in response.text


def test_a_payment_added_in_the_admin_posts_its_ledger_transaction(back_office, world, milestone):
    from grants import actions

    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 2, 2))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 2, 9))
    before = LedgerTransaction.objects.count()
    response = back_office.post(
        reverse("admin:grants_disbursement_add"),
        {"milestone": milestone.pk, "paid_on": "2026-02-27", "reference": "PAY-1"},
    )
    assert response.status_code == 302
    payment = Disbursement.objects.get(reference="PAY-1")
    assert payment.amount == Money("75000.00", "GBP")
    assert payment.award == world.award_a
    assert LedgerTransaction.objects.get(key=f"disbursement:{payment.pk}").kind == LedgerTransaction.Kind.DISBURSEMENT
    assert LedgerTransaction.objects.count() == before + 1


def test_it_refuses_a_payment_before_the_approval_and_writes_nothing(back_office, world, milestone):
    from grants import actions

    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 2, 2))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 2, 9))
    before = LedgerTransaction.objects.count()
    response = back_office.post(
        reverse("admin:grants_disbursement_add"),
        {"milestone": milestone.pk, "paid_on": "2026-02-01", "reference": "PAY-2"},
    )
    assert response.status_code == 200
    assert "Payments are made in arrears, after the report is approved." in response.text
    assert not Disbursement.objects.exists()
    assert LedgerTransaction.objects.count() == before


def test_an_approved_milestones_amount_is_fixed(back_office, world, milestone):
    from grants import actions

    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 2, 2))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 2, 9))
    response = back_office.post(
        reverse("admin:grants_milestone_change", args=[milestone.pk]),
        {
            "award": world.award_a.pk,
            "number": 1,
            "title": "Inception report",
            "due_on": "2026-01-31",
            "amount_0": "80000.00",
            "amount_1": "GBP",
        },
    )
    assert response.status_code == 200
    assert "its amount, £75,000.00, is fixed" in response.text
    milestone.refresh_from_db()
    assert milestone.amount == Money("75000.00", "GBP")


def test_milestones_cannot_add_up_to_more_than_the_award(back_office, world, milestone):
    url = reverse("admin:grants_award_change", args=[world.award_a.pk])
    data = management_forms(back_office.get(url))
    data.update(
        {
            "status": Award.Status.OFFERED,
            "compute_value_0": "",
            "compute_value_1": "GBP",
            "milestones-TOTAL_FORMS": "2",
            "milestones-0-id": milestone.pk,
            "milestones-0-award": world.award_a.pk,
            "milestones-0-number": "1",
            "milestones-0-title": "Inception report",
            "milestones-0-due_on": "2026-01-31",
            "milestones-0-amount_0": "75000.00",
            "milestones-0-amount_1": "GBP",
            "milestones-1-award": world.award_a.pk,
            "milestones-1-number": "2",
            "milestones-1-title": "Final report",
            "milestones-1-due_on": "2026-06-30",
            "milestones-1-amount_0": "225000.01",
            "milestones-1-amount_1": "GBP",
        }
    )
    response = back_office.post(url, data)
    assert response.status_code == 200
    assert "The milestones add up to £300,000.01, not the award&#x27;s £300,000.00: take off £0.01" in response.text
    assert world.award_a.milestones.count() == 1


# Reference rates


def test_an_administrator_adds_a_manual_rate(back_office, admin_user, rates):
    response = back_office.post(RATE_ADD, {"currency": "USD", "rate_date": "2026-12-25", "rate": "1.1000"})
    assert response.status_code == 200  # a day that has not come yet (the fund's today is 2 Mar 2026)
    assert "cannot be entered for a day that has not come yet" in response.text

    response = back_office.post(RATE_ADD, {"currency": "USD", "rate_date": "2026-03-01", "rate": "1.1000"})
    assert response.status_code == 302
    rate = ExchangeRate.objects.get(currency="USD", rate_date=date(2026, 3, 1))
    assert rate.source == ExchangeRate.Source.MANUAL
    assert rate.entered_by == admin_user


def test_it_refuses_a_second_rate_for_the_same_currency_and_day(back_office, rates):
    before = ExchangeRate.objects.count()
    response = back_office.post(RATE_ADD, {"currency": "USD", "rate_date": "2026-02-19", "rate": "1.2000"})
    assert response.status_code == 200
    assert "There is already a EUR/USD rate for 19 Feb 2026" in response.text
    assert "Rates are history and are not replaced." in response.text
    assert ExchangeRate.objects.count() == before


@pytest.mark.parametrize("value", ["0", "-1.2"])
def test_it_refuses_a_rate_that_is_not_positive(back_office, rates, value):
    response = back_office.post(RATE_ADD, {"currency": "USD", "rate_date": "2026-03-01", "rate": value})
    assert response.status_code == 200
    assert "A rate must be more than zero." in response.text
    assert not ExchangeRate.objects.filter(rate_date=date(2026, 3, 1), currency="USD").exists()


def test_published_rates_are_neither_edited_nor_deleted(back_office, rates):
    published = ExchangeRate.objects.filter(source=ExchangeRate.Source.ECB_HISTORY).first()
    response = back_office.get(reverse("admin:rates_exchangerate_change", args=[published.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    assert back_office.get(reverse("admin:rates_exchangerate_delete", args=[published.pk])).status_code == 403


# The ledger


@pytest.mark.parametrize("model", [LedgerTransaction, LedgerLine])
def test_the_ledger_cannot_be_added_to_changed_or_deleted_in_the_admin_even_by_a_superuser(
    back_office, world, rf, admin_user, model
):
    request = rf.get("/")
    request.user = admin_user
    model_admin = admin.site._registry[model]
    entry = model.objects.first()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    name = f"admin:grants_{model._meta.model_name}"
    assert back_office.get(reverse(f"{name}_add")).status_code == 403
    assert back_office.get(reverse(f"{name}_delete", args=[entry.pk])).status_code == 403
    assert back_office.post(reverse(f"{name}_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    page = back_office.get(reverse(f"{name}_change", args=[entry.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert "delete_selected" not in back_office.get(reverse(f"{name}_changelist")).text
    assert model.objects.filter(pk=entry.pk).exists()


def test_a_post_to_a_ledger_entry_changes_nothing(back_office, world):
    entry = LedgerTransaction.objects.get(key=f"award:{world.award_a.pk}")
    response = back_office.post(
        reverse("admin:grants_ledgertransaction_change", args=[entry.pk]), {"memo": "edited", "key": "x"}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.memo.startswith("Award ")


def test_the_ledger_list_shows_the_amounts_moved_with_their_currency(back_office, world):
    response = back_office.get(reverse("admin:grants_ledgertransaction_changelist"))
    assert "$2,000,000.00" in response.text
    assert "£300,000.00" in response.text
    # A conversion moves two currencies, each shown in its own.
    assert "£740,000.00 and $1,000,000.00" in response.text


def test_the_round_list_shows_awarded_and_headroom(back_office, world):
    response = back_office.get(reverse("admin:projects_round_changelist"))
    assert "£450,000.00" in response.text
    assert "£550,000.00" in response.text


# Long lists: the drill-down and filters read indexes, not the whole table


def test_the_ledger_list_offers_every_year_from_its_first_date_to_its_last(back_office, world, milestone):
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 1, 2))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 1, 5))
    actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 1, 30), reference="PAY-Y")
    response = back_office.get(reverse("admin:grants_ledgertransaction_changelist"))
    years = [choice["title"] for choice in _drill_down(response)]
    assert years == ["2025", "2026"]
    in_2026 = back_office.get(reverse("admin:grants_ledgertransaction_changelist"), {"occurred_on__year": "2026"})
    assert {txn.occurred_on.year for txn in in_2026.context["cl"].result_list} == {2026}
    assert "Show all" in response.text  # no second count of the whole ledger


def _drill_down(response) -> list[dict]:
    return date_hierarchy_by_range(response.context["cl"])["choices"]


def test_the_award_list_filters_by_the_countries_projects_are_in(back_office, world):
    countries = sorted(set(Project.objects.values_list("country", flat=True)))
    response = back_office.get(reverse("admin:grants_award_changelist"))
    (country_filter,) = [spec for spec in response.context["cl"].filter_specs if spec.title == "country"]
    assert [value for value, _ in country_filter.lookup_choices] == countries
    country = world.award_a.project.country
    filtered = back_office.get(reverse("admin:grants_award_changelist"), {"project__country": country})
    assert {award.project.country for award in filtered.context["cl"].result_list} == {country}
