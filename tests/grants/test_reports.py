"""The lead accepts the offer and sends each milestone's report; administrators accept it or ask for changes; the
last payment completes the award; an overdue final report is flagged. Through the operations."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from djmoney.money import Money

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.storage import store
from alignment_fund.uploads import MAX_REPORT_BYTES, reports_storage
from grants import actions
from grants.actions import ActionError
from grants.models import Award, Milestone, MilestoneReport
from grants.reads.reports import final_report_overdue, final_reports_overdue
from tests.conftest import shipped_rates
from tests.factories import UserFactory, build_world
from tests.report_files import (
    DOCX_TYPE,
    ODT_TYPE,
    docx_bytes,
    executable_bytes,
    odt_bytes,
    pdf_bytes,
    upload,
    valid_pdf,
    zip_bomb_docx_bytes,
)

TODAY = "2026-02-20"


@pytest.fixture(scope="module")
def fund(django_db_setup, django_db_blocker):
    """The small world, award A with two milestones (£100k due Dec 2025, £200k due Mar 2026), built once."""
    with (
        django_db_blocker.unblock(),
        override_settings(FUND_TODAY=TODAY, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        store(shipped_rates(date(2025, 1, 1)), ExchangeRate.Source.ECB_HISTORY)
        world = build_world(UserFactory(username="alice-admin", is_staff=True, is_superuser=True))
        for number, title, due, amount in [
            (1, "Probes", date(2025, 12, 31), "100000"),
            (2, "Final", date(2026, 3, 31), "200000"),
        ]:
            Milestone.objects.create(
                award=world.award_a, number=number, title=title, due_on=due, amount=Money(amount, "GBP")
            )
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(fund, db, settings):
    settings.FUND_TODAY = TODAY
    return fund


def first(world) -> Milestone:
    return world.award_a.milestones.get(number=1)


def accepted(world) -> Award:
    return actions.do_accept_award(world.researcher_a, award=world.award_a)


# Accepting the offer


def test_the_lead_accepts_the_offer_once_with_its_time_and_who(world):
    award = actions.do_accept_award(world.researcher_a, award=world.award_a)
    assert (award.status, award.accepted_by) == (Award.Status.ACCEPTED, world.researcher_a)
    stamped = award.accepted_at
    assert stamped is not None
    again = actions.do_accept_award(world.researcher_a, award=world.award_a)
    assert (again.status, again.accepted_at) == (Award.Status.ACCEPTED, stamped)


def test_an_acceptance_is_stamped_on_the_funds_today_and_an_earlier_one_at_its_time(world):
    award = actions.do_accept_award(world.researcher_a, award=world.award_a)
    assert timezone.localtime(award.accepted_at).date() == date(2026, 2, 20)  # FUND_TODAY, not the machine's date
    Award.objects.filter(pk=award.pk).update(status=Award.Status.OFFERED, accepted_at=None, accepted_by=None)
    for wrong in (datetime(2025, 11, 9, 12, tzinfo=UTC), datetime(2026, 2, 21, 12, tzinfo=UTC)):
        with pytest.raises(ActionError, match="between the day it was made and now"):
            actions.do_accept_award(world.researcher_a, award=world.award_a, accepted_at=wrong)
    given = datetime(2025, 11, 12, 12, tzinfo=UTC)
    assert actions.do_accept_award(world.researcher_a, award=world.award_a, accepted_at=given).accepted_at == given


@pytest.mark.parametrize("who", ["researcher_b", "admin", "contact_a"])
def test_only_the_lead_accepts(world, who):
    with pytest.raises(ActionError, match="Only the project's lead"):
        actions.do_accept_award(getattr(world, who), award=world.award_a)
    assert Award.objects.get(pk=world.award_a.pk).status == Award.Status.OFFERED


def test_a_terminated_award_cannot_be_accepted(world):
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=date(2026, 2, 1))
    with pytest.raises(ActionError, match="terminated"):
        actions.do_accept_award(world.researcher_a, award=world.award_a)
    assert Award.objects.get(pk=world.award_a.pk).accepted_at is None


# Uploading a report


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", pdf_bytes(), "application/pdf"),
        ("Report.DOCX", docx_bytes(), DOCX_TYPE),
        ("r.odt", odt_bytes(), ODT_TYPE),
    ],
)
def test_a_pdf_docx_or_odt_report_is_received_and_stored_under_a_random_name(world, name, content, content_type):
    accepted(world)
    report = actions.do_submit_milestone_report(
        world.researcher_a, milestone=first(world), upload=upload(name, content)
    )
    assert (report.version, report.status, report.content_type) == (1, MilestoneReport.Status.SUBMITTED, content_type)
    assert (report.original_name, report.size, report.uploaded_by) == (name, len(content), world.researcher_a)
    assert name.lower() not in report.file.name.lower() and report.file.name.startswith("reports/")
    with reports_storage.open(report.file.name, "rb") as stored:
        assert stored.read() == content
    assert Milestone.objects.get(pk=report.milestone_id).report_received_on == date(2026, 2, 20)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", executable_bytes(), "is a program"),
        ("report.exe", executable_bytes(), "is a program"),
        ("report.docx", zip_bomb_docx_bytes(), "zip bomb"),
        ("report.pdf", docx_bytes(), "content is not a PDF"),
        ("report.docx", pdf_bytes(), "content is not a Word document"),
        ("report.odt", docx_bytes(), "content is not an OpenDocument text"),
        ("report.docx", odt_bytes(), "content is not a Word document"),
        ("report.txt", b"plain text", "is not a PDF, a Word document"),
        ("report.pdf", b"", "is empty"),
    ],
)
def test_a_file_that_is_not_a_report_is_refused_and_nothing_is_written(world, name, content, message):
    accepted(world)
    with pytest.raises(ActionError, match=message):
        actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=upload(name, content))
    assert not MilestoneReport.objects.exists()
    assert Milestone.objects.get(pk=first(world).pk).report_received_on is None


def test_a_report_over_20_mb_is_refused(world):
    accepted(world)
    big = upload("big.pdf", b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024))
    with pytest.raises(ActionError, match=r"is 25.0 MB: a report can be at most 20 MB"):
        actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=big)
    just = upload("just.pdf", b"%PDF-1.4\n" + b"0" * (MAX_REPORT_BYTES - 9))
    assert (
        actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=just).size
        == MAX_REPORT_BYTES
    )


@pytest.mark.parametrize("who", ["researcher_b", "admin", "contact_a"])
def test_only_the_lead_sends_reports(world, who):
    accepted(world)
    with pytest.raises(ActionError, match="Only the project's lead"):
        actions.do_submit_milestone_report(getattr(world, who), milestone=first(world), upload=valid_pdf())


def test_reports_wait_for_the_offer_to_be_accepted(world):
    with pytest.raises(ActionError, match="Accept the award's offer first"):
        actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=valid_pdf())


def test_one_version_waits_for_review_at_a_time(world):
    accepted(world)
    actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=valid_pdf())
    with pytest.raises(ActionError, match="waiting for review"):
        actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=valid_pdf("v2.pdf"))
    assert MilestoneReport.objects.count() == 1


# Reviewing


def test_accepting_the_report_approves_the_milestone_today(world):
    accepted(world)
    actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=valid_pdf())
    report = actions.do_accept_milestone_report(world.admin, milestone=first(world), comment="Clear, thank you.")
    assert (report.status, report.reviewed_by, report.review_comment) == ("accepted", world.admin, "Clear, thank you.")
    milestone = first(world)
    assert (milestone.approved_on, milestone.approved_by) == (date(2026, 2, 20), world.admin)
    with pytest.raises(ActionError, match="already approved"):
        actions.do_submit_milestone_report(world.researcher_a, milestone=milestone, upload=valid_pdf())


def test_asking_for_changes_sends_it_back_and_keeps_the_earlier_version(world):
    accepted(world)
    actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=valid_pdf("v1.pdf"))
    with pytest.raises(ActionError, match="Say what should change"):
        actions.do_request_report_changes(world.admin, milestone=first(world), comment="  ")
    sent_back = actions.do_request_report_changes(world.admin, milestone=first(world), comment="Add the benchmarks.")
    assert sent_back.status == MilestoneReport.Status.CHANGES_REQUESTED
    assert first(world).report_received_on is None
    with pytest.raises(ActionError, match="No report of this milestone is waiting"):
        actions.do_accept_milestone_report(world.admin, milestone=first(world))
    second = actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=valid_pdf("v2.pdf"))
    assert second.version == 2
    actions.do_accept_milestone_report(world.admin, milestone=first(world))
    assert list(first(world).reports.values_list("version", "status")) == [(2, "accepted"), (1, "changes_requested")]


@pytest.mark.parametrize("who", ["researcher_a", "contact_a"])
def test_only_administrators_review(world, who):
    accepted(world)
    actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=valid_pdf())
    with pytest.raises(ActionError, match="Only fund administrators"):
        actions.do_accept_milestone_report(getattr(world, who), milestone=first(world))
    with pytest.raises(ActionError, match="Only fund administrators"):
        actions.do_request_report_changes(getattr(world, who), milestone=first(world), comment="No")


# Completion and the overdue flag


def pay(world, milestone: Milestone, reference: str) -> None:
    actions.do_submit_milestone_report(world.researcher_a, milestone=milestone, upload=valid_pdf())
    actions.do_accept_milestone_report(world.admin, milestone=milestone)
    actions.do_record_disbursement(world.admin, milestone=milestone, paid_on=date(2026, 2, 20), reference=reference)


def test_the_last_payment_completes_the_award(world):
    accepted(world)
    pay(world, first(world), "PAY-1")
    assert Award.objects.get(pk=world.award_a.pk).status == Award.Status.ACTIVE
    pay(world, world.award_a.milestones.get(number=2), "PAY-2")
    assert Award.objects.get(pk=world.award_a.pk).status == Award.Status.COMPLETED


def test_milestones_short_of_the_award_leave_it_active_when_all_are_paid(world):
    Milestone.objects.filter(award=world.award_a, number=2).update(amount=Money("150000", "GBP"))
    accepted(world)
    pay(world, first(world), "PAY-1")
    pay(world, world.award_a.milestones.get(number=2), "PAY-2")
    assert Award.objects.get(pk=world.award_a.pk).status == Award.Status.ACTIVE


def test_an_overdue_final_report_is_flagged_until_it_arrives(world):
    award = Award.objects.get(pk=world.award_a.pk)
    assert not final_report_overdue(award, award.milestones.all(), date(2026, 3, 31))
    assert final_report_overdue(award, award.milestones.all(), date(2026, 4, 1))
    assert [m.award_id for m in final_reports_overdue(date(2026, 4, 1))] == [award.pk]
    assert list(final_reports_overdue(date(2026, 3, 31))) == []
    accepted(world)
    actions.do_submit_milestone_report(world.researcher_a, milestone=award.milestones.get(number=2), upload=valid_pdf())
    assert list(final_reports_overdue(date(2026, 4, 1))) == []
    actions.do_terminate_award(world.admin, award=award, terminated_on=date(2026, 2, 20))
    award.refresh_from_db()
    assert not final_report_overdue(award, award.milestones.all(), date(2026, 5, 1))


def test_the_lead_is_told_of_each_review_once_it_is_committed(world, django_capture_on_commit_callbacks):
    from alignment_fund.notifications.models import OutboxMessage
    from alignment_fund.notifications.topics import Topic

    accepted(world)
    actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=valid_pdf("v1.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_request_report_changes(world.admin, milestone=first(world), comment="Add the benchmarks.")
    actions.do_submit_milestone_report(world.researcher_a, milestone=first(world), upload=valid_pdf("v2.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_accept_milestone_report(world.admin, milestone=first(world), comment="Clear, thank you.")
    told = OutboxMessage.objects.filter(recipient=world.researcher_a, topic=Topic.REPORT_REVIEWED).order_by("pk")
    assert [message.event_key.split(":")[0] for message in told] == ["report-sent_back", "report-accepted"]
    assert "Add the benchmarks." in told[0].body_text and "Clear, thank you." in told[1].body_text
