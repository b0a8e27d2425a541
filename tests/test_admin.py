"""The back office as a whole: every registered model's pages answer, the site says what it is."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.urls import reverse

from alignment_fund.rates.models import ExchangeRate
from grants import actions
from grants.models import Award, LedgerTransaction, Milestone, SummarySnapshot
from grants.reads.snapshots import take_snapshot


@pytest.fixture
def back_office(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def full_world(world, settings):
    """The world plus one of everything it lacks: a paid milestone, a manual rate, a summary snapshot."""
    settings.FUND_TODAY = "2026-03-02"
    milestone = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception report", due_on=date(2026, 1, 31), amount=world.award_a.amount
    )
    actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=date(2026, 2, 2))
    actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=date(2026, 2, 9))
    actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 2, 27), reference="PAY-1")
    ExchangeRate.objects.create(
        currency="USD", rate_date=date(2026, 12, 25), rate="1.1000", source=ExchangeRate.Source.MANUAL
    )
    take_snapshot(date(2026, 3, 2))
    assert SummarySnapshot.objects.exists()
    return world


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_index_names_the_back_office(back_office):
    response = back_office.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "Alignment Fund back office" in response.text
    assert reverse("admin:funders_pledge_add") in response.text
    assert reverse("admin:grants_award_add") in response.text


def test_every_model_of_the_fund_is_registered():
    labels = {model._meta.label for model in admin.site._registry}
    assert {
        "alignment_fund.User",
        "funders.Funder",
        "funders.FunderContact",
        "funders.Pledge",
        "funders.Receipt",
        "funders.Conversion",
        "projects.Fund",
        "projects.Round",
        "rates.ExchangeRate",
        "projects.ResearchArea",
        "projects.Project",
        "grants.Award",
        "grants.Milestone",
        "grants.Disbursement",
        "grants.AwardAttribution",
        "grants.LedgerTransaction",
        "grants.LedgerLine",
        "grants.SummarySnapshot",
    } <= labels


def test_every_changelist_answers(back_office, full_world):
    for model, _ in _registered():
        response = back_office.get(_url(model, "changelist"))
        assert response.status_code == 200, model._meta.label


def test_every_add_page_answers_where_adding_is_allowed(back_office, full_world, rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    for model, model_admin in _registered():
        response = back_office.get(_url(model, "add"))
        expected = 200 if model_admin.has_add_permission(request) else 403
        assert response.status_code == expected, model._meta.label


def test_every_change_page_answers_for_an_object_of_the_world(back_office, full_world):
    seen = 0
    for model, _ in _registered():
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        response = back_office.get(_url(model, "change", obj.pk))
        assert response.status_code == 200, model._meta.label
        seen += 1
    assert seen >= 18


def test_the_user_list_shows_each_persons_role(back_office, world):
    response = back_office.get(reverse("admin:alignment_fund_user_changelist"))
    assert response.status_code == 200
    assert "Fund administrator" in response.text
    assert "Funder contact" in response.text
    assert "Researcher" in response.text
    assert "Open Funder A" in response.text


def test_the_user_list_filters_by_role(back_office, world):
    response = back_office.get(reverse("admin:alignment_fund_user_changelist"), {"role": "researcher"})
    users = {u.username for u in response.context["cl"].result_list}
    assert users == {"researcher-a", "researcher-b"}


def test_the_user_page_links_a_funder_contact(back_office, world):
    response = back_office.get(reverse("admin:alignment_fund_user_change", args=[world.contact_a.pk]))
    assert response.status_code == 200
    assert "speaks for a funder" in response.text.lower()
    assert 'name="funder_contact-0-funder"' in response.text


def test_the_long_lists_checkbox_is_djangos_own_written_directly(world):
    """LongListAdmin writes the action checkbox without rendering a widget template: the same HTML, escaping
    included, as Django's."""
    award = Award.objects.select_related("project").first()
    award.project.title = 'Probes & "circuits" <b>'
    for model, obj in [(Award, award), (LedgerTransaction, LedgerTransaction.objects.first())]:
        model_admin = admin.site._registry[model]
        assert model_admin.action_checkbox(obj) == ModelAdmin.action_checkbox(model_admin, obj)
    assert "&amp;" in admin.site._registry[Award].action_checkbox(award)
