"""Researchers write through the API with their own token, exactly two things: accepting their award's offer and
uploading a milestone's report (multipart, a `file`). Administrators accept a report or ask for changes. Everyone
else gets a 404 for what is not theirs, and a file that is not a report a 400 with a message, never a 500."""

from __future__ import annotations

import pytest

from grants import actions
from grants.models import Award, Milestone, MilestoneReport
from tests.factories import UserFactory
from tests.report_files import docx_bytes, executable_bytes, odt_bytes, pdf_bytes, upload, valid_pdf

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def lead(world, client):
    """An API client for researcher A with the token they asked for themselves, as a script would."""
    from rest_framework.test import APIClient

    answer = client.post("/api/token/", {"username": "researcher-a", "password": PASSWORD})
    assert answer.status_code == 200, answer.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return api


def accept(world) -> None:
    actions.do_accept_award(world.researcher_a, award=world.award_a)


def send(api, milestone: Milestone, name: str = "report.pdf", content: bytes | None = None):
    return api.post(
        f"/api/milestones/{milestone.pk}/report/",
        {"file": upload(name, pdf_bytes() if content is None else content)},
        format="multipart",
    )


def test_the_lead_accepts_the_offer_with_their_token_once(world, lead):
    first = lead.post(f"/api/awards/{world.award_a.pk}/acceptance/")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "accepted" and first.json()["accepted_at"]
    again = lead.post(f"/api/awards/{world.award_a.pk}/acceptance/")
    assert (again.status_code, again.json()["accepted_at"]) == (200, first.json()["accepted_at"])


@pytest.mark.parametrize("who", ["researcher_b", "admin", "contact_a"])
def test_nobody_else_accepts_an_offer(world, client_for, who):
    response = client_for(getattr(world, who)).post(f"/api/awards/{world.award_a.pk}/acceptance/")
    assert response.status_code == 404
    assert Award.objects.get(pk=world.award_a.pk).status == Award.Status.OFFERED


def test_a_terminated_award_cannot_be_accepted(world, lead):
    actions.do_terminate_award(world.admin, award=world.award_a, terminated_on=world.award_a.awarded_on)
    response = lead.post(f"/api/awards/{world.award_a.pk}/acceptance/")
    assert response.status_code == 400
    assert "terminated" in response.json()["award"][0]


@pytest.mark.parametrize(
    ("name", "content"), [("r.pdf", pdf_bytes()), ("r.docx", docx_bytes()), ("r.odt", odt_bytes())]
)
def test_the_lead_uploads_a_report(world, schedule, lead, name, content):
    accept(world)
    response = send(lead, schedule["a2"], name, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["version"], body["status"], body["original_name"], body["size"]) == (
        1,
        "submitted",
        name,
        len(content),
    )
    assert body["file_url"].endswith(f"/awards/reports/{body['id']}/file/")
    milestone = lead.get(f"/api/milestones/{schedule['a2'].pk}/").json()
    assert milestone["report_status"] == "received"
    assert [report["id"] for report in milestone["reports"]] == [body["id"]]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.pdf", executable_bytes(), "is a program"),
        ("report.pdf", b"%PDF-1.4\n" + b"0" * (25 * 1024 * 1024), "at most 20 MB"),
        ("report.docx", b"PK\x03\x04 not really a zip", "its content is not a Word document"),
    ],
)
def test_a_file_that_is_not_a_report_is_a_400_with_a_message(world, schedule, lead, name, content, message):
    accept(world)
    response = send(lead, schedule["a2"], name, content)
    assert response.status_code == 400, response.content
    assert message in response.json()["file"][0]
    assert not MilestoneReport.objects.exists()


@pytest.mark.parametrize(
    ("body", "format_"), [({}, "multipart"), ({"file": "text, not a file"}, "multipart"), ({"file": "x"}, "json")]
)
def test_a_request_without_a_file_is_refused_never_a_500(world, schedule, lead, body, format_):
    accept(world)
    response = lead.post(f"/api/milestones/{schedule['a2'].pk}/report/", body, format=format_)
    assert response.status_code == (415 if format_ == "json" else 400), response.content


@pytest.mark.parametrize("who", ["researcher_b", "admin", "contact_a"])
def test_nobody_but_the_lead_uploads(world, schedule, client_for, who):
    accept(world)
    assert send(client_for(getattr(world, who)), schedule["a2"]).status_code == 404
    assert not MilestoneReport.objects.exists()


def test_researchers_see_only_their_own_milestones_and_reports(world, schedule, lead, client_for):
    accept(world)
    send(lead, schedule["a2"])
    other = client_for(world.researcher_b)
    assert [m["award"] for m in other.get("/api/milestones/").json()["results"]] == [world.award_b.pk]
    assert other.get(f"/api/milestones/{schedule['a2'].pk}/").status_code == 404
    assert client_for(UserFactory(username="nobody")).get("/api/milestones/").json()["count"] == 0


def test_administrators_accept_a_report_or_ask_for_changes(world, schedule, lead, client_for):
    accept(world)
    admin = client_for(world.admin)
    milestone = schedule["a2"]
    send(lead, milestone, "v1.pdf")
    refused = admin.post(f"/api/milestones/{milestone.pk}/report/request-changes/", {}, format="json")
    assert refused.status_code == 400 and "comment" in refused.json()
    sent_back = admin.post(
        f"/api/milestones/{milestone.pk}/report/request-changes/", {"comment": "Add the ablations."}, format="json"
    )
    assert (sent_back.status_code, sent_back.json()["status"]) == (200, "changes_requested")
    seen = lead.get(f"/api/milestones/{milestone.pk}/").json()
    assert seen["report_status"] == "not_due"
    assert seen["reports"][0]["review_comment"] == "Add the ablations."
    assert send(lead, milestone, "v2.pdf").json()["version"] == 2
    accepted = admin.post(f"/api/milestones/{milestone.pk}/report/accept/", {}, format="json")
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    assert lead.get(f"/api/milestones/{milestone.pk}/").json()["report_status"] == "approved"


def test_researchers_cannot_review(world, schedule, lead):
    accept(world)
    send(lead, schedule["a2"])
    response = lead.post(f"/api/milestones/{schedule['a2'].pk}/report/accept/", {}, format="json")
    assert response.status_code == 403
    assert Milestone.objects.get(pk=schedule["a2"].pk).approved_on is None


def test_an_upload_does_not_honour_nor_break_on_an_idempotency_key(world, schedule, lead):
    accept(world)
    response = lead.post(
        f"/api/milestones/{schedule['a2'].pk}/report/",
        {"file": valid_pdf()},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="one",
    )
    assert response.status_code == 201
