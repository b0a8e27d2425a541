from datetime import date

import pytest

from tests.projects.views.conftest import TODAY, milestone


def _url(award) -> str:
    return f"/awards/{award.pk}/"


def test_the_lead_sees_the_award_with_its_payments(client, world, schedule):
    client.force_login(world.researcher_a)
    response = client.get(_url(world.award_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sparse probes" in html
    assert 'data-testid="payments"' in html and "PAY-A-1" in html and "Total paid" in html


@pytest.mark.parametrize("who", ["researcher_b", "contact_a", "contact_b", "outsider"])
def test_anyone_but_the_lead_gets_404(client, world, who):
    # contact_a's money supports this award, and still it is not theirs to see here.
    client.force_login(getattr(world, who))
    assert client.get(_url(world.award_a)).status_code == 404


def test_an_award_that_does_not_exist_gets_the_same_404(client, world):
    client.force_login(world.researcher_a)
    assert client.get("/awards/999999/").status_code == 404


def test_an_overdue_report_says_what_to_do_and_when_payment_could_follow(client, world):
    milestone(world.award_a, 1, date(2026, 1, 15), title="Inception report")
    client.force_login(world.researcher_a)
    response = client.get(_url(world.award_a))
    status = response.context["award"]
    # Not approved yet: an approval today would be paid at the end of next month.
    assert TODAY.month == 2 and status.next_payment.expected_on == date(2026, 3, 31)
    assert "Report overdue since 15 Jan 2026: send it to be paid." in response.content.decode()
    assert status.milestones[0].overdue
