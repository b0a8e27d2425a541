"""Who is told what: the daily job's rules on the shared small fund, the command that runs it by hand, and the hook
for report reviews. A funder's email never carries another funder's figure."""

from __future__ import annotations

from datetime import date

from django.core import mail
from django.core.management import call_command
from djmoney.money import Money

from alignment_fund.notifications.models import OutboxMessage
from alignment_fund.notifications.topics import Topic
from funders.models import Pledge
from grants import actions
from grants.models import Award, Milestone
from grants.notifications import queue_approvals_waiting, queue_report_reviewed, run_daily
from grants.notifications.rules import last_quarter

TODAY = date(2026, 2, 20)


def milestone(award, number, due_on, amount="50000.00"):
    return Milestone.objects.create(
        award=award, number=number, title=f"Milestone {number}", due_on=due_on, amount=Money(amount, "GBP")
    )


def topics_for(user) -> set[str]:
    return set(OutboxMessage.objects.filter(recipient=user).values_list("topic", flat=True))


def test_leads_hear_of_reports_due_soon_and_overdue(fund, db):
    soon = milestone(fund.award_a, 1, date(2026, 3, 1))
    late = milestone(fund.award_b, 1, date(2026, 1, 31))
    milestone(fund.award_a, 2, date(2026, 6, 30))  # not yet: more than 14 days away
    run_daily(TODAY)
    due = OutboxMessage.objects.get(topic=Topic.REPORT_DUE)
    assert due.recipient == fund.researcher_a and due.event_key == f"report-due:{soon.pk}"
    assert "1 March 2026" in due.body_text and "Report due 1 Mar 2026" in due.subject
    overdue = OutboxMessage.objects.get(topic=Topic.REPORT_OVERDUE)
    assert overdue.recipient == fund.researcher_b and f"report-overdue:{late.pk}:" in overdue.event_key
    assert "20 days ago" in overdue.body_text


def test_leads_hear_of_their_offer_and_of_each_payment(fund, db):
    Award.objects.filter(pk=fund.award_a.pk).update(status=Award.Status.ACTIVE)  # B stays offered
    paid = milestone(fund.award_a, 1, date(2026, 1, 15))
    actions.do_receive_milestone_report(fund.admin, milestone=paid, received_on=date(2026, 1, 20))
    actions.do_approve_milestone(fund.admin, milestone=paid, approved_on=date(2026, 1, 25))
    actions.do_record_disbursement(fund.admin, milestone=paid, paid_on=date(2026, 2, 13), reference="PAY-N-1")
    run_daily(TODAY)
    offer = OutboxMessage.objects.get(topic=Topic.AWARD_OFFERED)
    assert offer.recipient == fund.researcher_b and "£150,000.00" in offer.body_text
    payment = OutboxMessage.objects.get(topic=Topic.PAYMENT_RELEASED)
    assert payment.recipient == fund.researcher_a and "£50,000.00" in payment.subject


def test_running_the_job_twice_sends_each_message_once(fund, db):
    milestone(fund.award_a, 1, date(2026, 3, 1))
    first = run_daily(TODAY)
    second = run_daily(TODAY)
    assert first.queued > 0 and first.sent.sent == first.queued
    assert (second.queued, second.sent.sent) == (0, 0)
    assert len(mail.outbox) == first.queued
    assert len({(m.to[0], m.subject) for m in mail.outbox}) == len(mail.outbox)


def test_a_lead_who_switched_reminders_off_gets_none(fund, db, client):
    milestone(fund.award_a, 1, date(2026, 3, 1))
    client.force_login(fund.researcher_a)
    client.post("/accounts/notifications/", {"on": []})  # every reminder off; essential ones stay on
    run_daily(TODAY)
    assert Topic.REPORT_DUE not in topics_for(fund.researcher_a)
    assert not [m for m in mail.outbox if m.to == [fund.researcher_a.email] and "Report due" in m.subject]


def test_administrators_hear_of_months_short_of_cash(fund, db):
    run_daily(TODAY)
    assert not OutboxMessage.objects.filter(topic=Topic.CASH_SHORT).exists()
    milestone(fund.award_b, 1, date(2026, 5, 15), "2500000.00")  # paid in the June run: more than the GBP cash
    run_daily(TODAY)
    short = OutboxMessage.objects.get(topic=Topic.CASH_SHORT)
    assert short.recipient == fund.admin and short.subject == "GBP cash falls short in June 2026"
    assert not OutboxMessage.objects.filter(topic=Topic.CASH_SHORT).exclude(recipient=fund.admin).exists()


def test_stale_rates_are_told_once_per_newest_rate(fund, db):
    from alignment_fund.rates.models import ExchangeRate

    ExchangeRate.objects.filter(rate_date__gt=date(2026, 2, 2)).delete()
    run_daily(TODAY)
    run_daily(TODAY)
    stale = OutboxMessage.objects.filter(topic=Topic.RATES_STALE)
    assert [m.recipient for m in stale] == [fund.admin]
    assert "STALE" in stale.get().body_text


def test_approvals_waiting_are_told_to_every_administrator_once_a_day(fund, db):
    assert queue_approvals_waiting([], TODAY) == 0
    assert queue_approvals_waiting(["Award R1-0003: £80,000.00, proposed by bob"], TODAY) == 1
    assert queue_approvals_waiting(["Award R1-0003: £80,000.00, proposed by bob"], TODAY) == 0
    message = OutboxMessage.objects.get(topic=Topic.APPROVALS_WAITING)
    assert message.recipient == fund.admin and "R1-0003" in message.body_text


def test_a_report_review_is_told_to_the_lead_with_the_comment(fund, db):
    report = milestone(fund.award_a, 1, date(2026, 1, 31))
    assert queue_report_reviewed(report, "sent_back", "Please add the benchmark tables.", review_key="1") == 1
    assert queue_report_reviewed(report, "sent_back", "Please add the benchmark tables.", review_key="1") == 0
    assert queue_report_reviewed(report, "accepted", review_key="2") == 1
    sent_back, accepted = OutboxMessage.objects.filter(topic=Topic.REPORT_REVIEWED).order_by("pk")
    assert sent_back.recipient == fund.researcher_a and "Report sent back" in sent_back.subject
    assert "benchmark tables" in sent_back.body_text and "benchmark tables" in sent_back.body_html
    assert "Report accepted" in accepted.subject


def test_the_last_quarter_is_the_one_that_ended_before_today():
    assert last_quarter(date(2026, 2, 20)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert last_quarter(date(2026, 4, 1)) == (date(2026, 1, 1), date(2026, 3, 31))


def test_funders_hear_their_statement_is_ready_with_only_their_own_money(fund, db):
    run_daily(TODAY)
    to_a = OutboxMessage.objects.get(topic=Topic.STATEMENT_READY, recipient=fund.contact_a)
    to_b = OutboxMessage.objects.get(topic=Topic.STATEMENT_READY, recipient=fund.contact_b)
    assert "2025-Q4" in to_a.subject
    assert "US$2,000,000.00" in to_a.body_text or "$2,000,000.00" in to_a.body_text
    # Funder B keeps its amounts private: nothing sent to A names B or B's money, in any form.
    b_amounts = {"1,234,567.89", "1234567.89"}
    for body in (to_a.subject, to_a.body_text, to_a.body_html):
        assert not any(amount in body for amount in b_amounts)
        assert "Quiet Funder B" not in body
    assert "1,234,567.89" in to_b.body_text  # B's own email does show B's own money


def test_a_funders_email_does_not_change_with_another_funders_private_money(fund, db):
    run_daily(TODAY)
    before = OutboxMessage.objects.get(topic=Topic.STATEMENT_READY, recipient=fund.contact_a)
    OutboxMessage.objects.all().delete()
    actions.do_record_pledge(
        fund.admin,
        funder=fund.funder_b,
        amount="777777.77",
        currency="GBP",
        pledged_on=date(2025, 12, 1),
        reference="PB-2",
    )
    run_daily(TODAY)
    after = OutboxMessage.objects.get(topic=Topic.STATEMENT_READY, recipient=fund.contact_a)
    assert (after.subject, after.body_text, after.body_html) == (before.subject, before.body_text, before.body_html)
    assert Pledge.objects.filter(reference="PB-2").exists()


def test_the_command_runs_the_job_and_says_what_it_did(fund, db, capsys):
    milestone(fund.award_a, 1, date(2026, 3, 1))
    call_command("send_notifications", "--on", "2026-02-20")
    first = capsys.readouterr().out
    call_command("send_notifications", "--on", "2026-02-20")
    second = capsys.readouterr().out
    assert first.startswith(f"{OutboxMessage.objects.count()} queued, {OutboxMessage.objects.count()} sent")
    assert second.startswith("0 queued, 0 sent")
