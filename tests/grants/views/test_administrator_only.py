"""Every administrator page answers 404 to anyone signed in who is not staff, as if it did not exist, and sends
the anonymous to the sign-in page. A POST from them writes nothing."""

from datetime import date

import pytest
from django.urls import reverse
from djmoney.money import Money

from funders.models import Conversion, Pledge, Receipt
from grants.models import Award, Disbursement, LedgerTransaction, Milestone


@pytest.fixture
def urls(world):
    milestone = Milestone.objects.create(
        award=world.award_a, number=1, title="Inception", due_on=date(2026, 1, 31), amount=Money("100000", "GBP")
    )
    return [
        reverse("grants:portfolio"),
        reverse("grants:waitlist"),
        reverse("grants:calendar"),
        reverse("grants:calendar_month", args=["2026", "02"]),
        reverse("grants:round", args=[world.round.pk]),
        reverse("grants:project", args=[world.award_a.project.pk]),
        reverse("grants:project", args=[world.waiting.pk]),
        reverse("grants:award_project", args=[world.waiting.pk]),
        reverse("grants:award", args=[world.award_a.pk]),
        reverse("grants:record_pledge"),
        reverse("grants:record_receipt"),
        reverse("grants:record_conversion"),
        reverse("grants:milestone_received", args=[milestone.pk]),
        reverse("grants:milestone_approve", args=[milestone.pk]),
        reverse("grants:record_disbursement", args=[milestone.pk]),
    ]


@pytest.mark.parametrize("who", ["contact_a", "contact_b", "researcher_a", "outsider"])
def test_anyone_but_an_administrator_gets_not_found(client, world, urls, who):
    # researcher_a leads award_a's project and contact_a's money supports it: still not their page.
    client.force_login(getattr(world, who))
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_an_inactive_administrator_gets_nothing(client, world, urls):
    world.admin.is_active = False
    world.admin.save()
    client.force_login(world.admin)
    for url in urls:
        assert client.get(url).status_code in (302, 404), url


def test_the_anonymous_are_sent_to_sign_in(client, world, urls):
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_a_post_from_a_non_administrator_writes_nothing(client, world, urls):
    models = [Pledge, Receipt, Conversion, Award, Disbursement, LedgerTransaction]
    before = [m.objects.count() for m in models]
    client.force_login(world.contact_a)
    for url in urls:
        response = client.post(
            url,
            {
                "funder": world.funder_a.pk,
                "reference": "X-1",
                "amount": "100000",
                "currency": "USD",
                "pledged_on": "2026-02-19",
                "awarded_on": "2026-02-19",
                "status": "offered",
                "received_on": "2026-02-19",
                "approved_on": "2026-02-19",
                "paid_on": "2026-02-19",
            },
        )
        assert response.status_code == 404, url
    assert [m.objects.count() for m in models] == before
