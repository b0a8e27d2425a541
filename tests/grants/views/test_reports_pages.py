"""The report flow through the pages: the lead reads the offer's terms and accepts, uploads a report (a real one is
received, a program renamed .pdf or a 25 MB file is refused on the form), downloads it; an administrator reviews it
from the award's page; the overdue final report is flagged on the three pages that show the award."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

from grants import actions
from grants.models import Award, Milestone, MilestoneReport
from tests.factories import ProjectFactory
from tests.report_files import executable_bytes, pdf_bytes, upload, valid_pdf


@pytest.fixture
def milestones(world):
    return [
        Milestone.objects.create(award=world.award_a, number=n, title=t, due_on=d, amount=Money(a, "GBP"))
        for n, t, d, a in [(1, "Probes", date(2026, 1, 31), "100000"), (2, "Final report", date(2026, 6, 30), "200000")]
    ]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_lead_reads_the_terms_and_accepts_the_offer(world, milestones):
    lead = signed_in(world.researcher_a)
    page = lead.get(reverse("researcher:award", args=[world.award_a.pk])).content.decode()
    assert 'data-testid="offer"' in page and 'data-testid="conditions"' in page
    assert "£300,000.00" in page and "£200,000.00" in page and "30 Jun 2026" in page
    response = lead.post(reverse("researcher:accept_award", args=[world.award_a.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("researcher:award", args=[world.award_a.pk])
    page = response.content.decode()
    assert "You accepted the offer" in page and 'data-testid="offer"' not in page
    award = Award.objects.get(pk=world.award_a.pk)
    assert (award.status, award.accepted_by) == (Award.Status.ACCEPTED, world.researcher_a)


def test_another_researcher_cannot_accept_nor_upload(world, milestones):
    other = signed_in(world.researcher_b)
    assert other.post(reverse("researcher:accept_award", args=[world.award_a.pk])).status_code == 404
    actions.do_accept_award(world.researcher_a, award=world.award_a)
    url = reverse("researcher:upload_report", args=[milestones[0].pk])
    assert other.post(url, {"file": valid_pdf()}).status_code == 404
    assert not MilestoneReport.objects.exists()


def test_the_lead_uploads_a_report_and_a_program_or_a_huge_file_is_refused_on_the_form(world, milestones):
    actions.do_accept_award(world.researcher_a, award=world.award_a)
    lead = signed_in(world.researcher_a)
    url = reverse("researcher:upload_report", args=[milestones[0].pk])
    refused = lead.post(url, {"file": upload("report.pdf", executable_bytes())})
    assert refused.status_code == 200
    assert "is a program, not a document" in refused.content.decode()
    huge = lead.post(url, {"file": upload("huge.pdf", b"%PDF-1.7\n" + b"1" * (25 * 1024 * 1024))})
    assert "at most 20 MB" in huge.content.decode()
    assert not MilestoneReport.objects.exists()
    sent = lead.post(url, {"file": upload("Interim résumé.pdf", pdf_bytes())}, follow=True)
    page = sent.content.decode()
    assert "Report for milestone 1 received" in page and "Interim résumé.pdf" in page
    assert Milestone.objects.get(pk=milestones[0].pk).report_received_on == date(2026, 2, 20)


def test_a_report_is_served_to_its_lead_and_administrators_only(world, milestones):
    actions.do_accept_award(world.researcher_a, award=world.award_a)
    report = actions.do_submit_milestone_report(
        world.researcher_a, milestone=milestones[0], upload=upload('Results "final".pdf', pdf_bytes())
    )
    url = reverse("researcher:report_file", args=[report.pk])
    for user in (world.researcher_a, world.admin):
        response = signed_in(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == pdf_bytes()
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="Results \\"final\\".pdf"'
        assert response["Cache-Control"] == "private, no-store"
    for user in (world.researcher_b, world.contact_a, world.outsider):
        assert signed_in(user).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    assert (
        report.file.name
        not in signed_in(world.researcher_a).get(reverse("researcher:award", args=[world.award_a.pk])).content.decode()
    )


def test_an_administrator_asks_for_changes_then_accepts_from_the_award_page(world, milestones):
    actions.do_accept_award(world.researcher_a, award=world.award_a)
    actions.do_submit_milestone_report(world.researcher_a, milestone=milestones[0], upload=valid_pdf("v1.pdf"))
    admin = signed_in(world.admin)
    award_page = admin.get(reverse("grants:award", args=[world.award_a.pk])).content.decode()
    review = reverse("grants:review_report", args=[milestones[0].pk])
    assert review in award_page and 'data-testid="review-1"' in award_page
    missing_comment = admin.post(review, {"decision": "request_changes", "comment": ""})
    assert "Say what should change" in missing_comment.content.decode()
    admin.post(review, {"decision": "request_changes", "comment": "Please add the benchmark table."})
    lead_page = signed_in(world.researcher_a).get(reverse("researcher:award", args=[world.award_a.pk])).content.decode()
    assert "Please add the benchmark table." in lead_page and 'data-testid="upload-1"' in lead_page
    actions.do_submit_milestone_report(world.researcher_a, milestone=milestones[0], upload=valid_pdf("v2.pdf"))
    response = admin.post(review, {"decision": "accept", "comment": ""}, follow=True)
    assert "accepted: the milestone is approved" in response.content.decode()
    assert Milestone.objects.get(pk=milestones[0].pk).approved_on == date(2026, 2, 20)
    versions = signed_in(world.researcher_a).get(reverse("researcher:upload_report", args=[milestones[0].pk]))
    assert "v1.pdf" in versions.content.decode() and "v2.pdf" in versions.content.decode()


def test_an_overdue_final_report_is_flagged_on_the_three_pages(world, milestones, settings):
    settings.FUND_TODAY = "2026-07-01"
    admin = signed_in(world.admin)
    flag = 'data-testid="final-report-overdue"'
    assert flag in admin.get(reverse("grants:award", args=[world.award_a.pk])).content.decode()
    assert flag in admin.get(reverse("grants:portfolio")).content.decode()
    lead = signed_in(world.researcher_a)
    assert flag in lead.get(reverse("researcher:award", args=[world.award_a.pk])).content.decode()
    assert flag in lead.get(reverse("researcher:my_awards")).content.decode()
    settings.FUND_TODAY = "2026-06-30"
    assert flag not in lead.get(reverse("researcher:award", args=[world.award_a.pk])).content.decode()
    assert flag not in admin.get(reverse("grants:portfolio")).content.decode()


def test_the_portfolio_lists_the_oldest_overdue_final_reports_and_the_awards_list_finds_every_one(
    world, milestones, settings, monkeypatch
):
    settings.FUND_TODAY = "2026-07-01"
    project = ProjectFactory(round=world.round, research_area=world.area, lead=world.researcher_a, reference="R1-0777")
    later = actions.do_award_project(world.admin, project=project, amount="60000.00", awarded_on=date(2025, 11, 20))
    Milestone.objects.create(
        award=later, number=1, title="Final", due_on=date(2026, 6, 1), amount=Money("60000", "GBP")
    )
    monkeypatch.setattr("grants.reads.portfolio.LISTED", 1)
    admin = signed_in(world.admin)
    page = admin.get(reverse("grants:portfolio")).content.decode()
    assert page.count('data-testid="final-report-overdue"') == 1  # the oldest: due 1 Jun, before 30 Jun
    assert later.reference in page
    assert "The oldest 1 of 2 final reports overdue" in page
    listed = admin.get(reverse("grants:award_list"), {"reports": "final-overdue"})
    assert sorted(award.pk for award in listed.context["page"].object_list) == sorted([world.award_a.pk, later.pk])
    actions.do_accept_award(world.researcher_a, award=world.award_a)
    actions.do_submit_milestone_report(world.researcher_a, milestone=milestones[1], upload=valid_pdf())
    waiting = admin.get(reverse("grants:award_list"), {"reports": "waiting"})
    assert [award.pk for award in waiting.context["page"].object_list] == [world.award_a.pk]
    overdue = admin.get(reverse("grants:award_list"), {"reports": "final-overdue"})
    assert [award.pk for award in overdue.context["page"].object_list] == [later.pk]
    misspelt = admin.get(reverse("grants:award_list"), {"reports": "late"})
    assert misspelt.status_code == 200
    assert 'data-testid="filter-errors"' in misspelt.content.decode()


def test_the_back_office_lists_reports_with_the_checked_download_and_accepts_them(world, milestones):
    actions.do_accept_award(world.researcher_a, award=world.award_a)
    report = actions.do_submit_milestone_report(world.researcher_a, milestone=milestones[0], upload=valid_pdf())
    admin = signed_in(world.admin)
    changelist = reverse("admin:grants_milestonereport_changelist")
    page = admin.get(changelist).content.decode()
    assert reverse("researcher:report_file", args=[report.pk]) in page and report.file.name not in page
    admin.post(changelist, {"action": "accept_reports", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == (MilestoneReport.Status.ACCEPTED, world.admin)
    assert Milestone.objects.get(pk=milestones[0].pk).approved_on == date(2026, 2, 20)


def test_approving_a_milestone_by_hand_accepts_its_waiting_report(world, milestones):
    actions.do_accept_award(world.researcher_a, award=world.award_a)
    report = actions.do_submit_milestone_report(world.researcher_a, milestone=milestones[0], upload=valid_pdf())
    actions.do_approve_milestone(world.admin, milestone=milestones[0], approved_on=date(2026, 2, 20))
    report.refresh_from_db()
    assert report.status == MilestoneReport.Status.ACCEPTED
    assert (
        'data-testid="report-waiting"' not in signed_in(world.admin).get(reverse("grants:portfolio")).content.decode()
    )
