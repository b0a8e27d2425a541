"""Ids in the path: one that exists nowhere, however long, or that is not an id at all, is a JSON 404, never a 500."""

from __future__ import annotations

import pytest

DETAIL = [
    "funders",
    "pledges",
    "receipts",
    "conversions",
    "attributions",
    "rounds",
    "research-areas",
    "projects",
    "awards",
    "milestones",
    "disbursements",
]
WRITES = ["awards/{}/termination/", "milestones/{}/report-received/", "milestones/{}/approval/"]
IDS = ["0", "999999999999999999", "9223372036854775808", "99999999999999999999", "9" * 5000, "-1", "1.5", "abc"]


@pytest.fixture
def admin(world, client_for):
    return client_for(world.admin)


def assert_json_404(response):
    assert response.status_code == 404, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": response.json()["detail"]}


@pytest.mark.parametrize("endpoint", DETAIL)
def test_an_id_that_exists_nowhere_or_is_no_id_is_a_json_404(world, admin, endpoint):
    for pk in IDS:
        assert_json_404(admin.get(f"/api/{endpoint}/{pk}/"))


@pytest.mark.parametrize("write", WRITES)
def test_a_write_to_an_id_that_exists_nowhere_is_a_json_404(world, admin, write):
    for pk in IDS:
        assert_json_404(admin.post("/api/" + write.format(pk), {}, format="json"))


def test_a_url_nothing_under_the_api_answers_is_a_json_404_and_the_sites_are_still_pages(world, admin, client):
    assert_json_404(admin.get("/api/awardz/"))
    assert admin.get("/api/awardz/").json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_record_named_by_its_id_is_that_record_whatever_the_lists_filters_say(world, admin):
    # The filters are documented on the list only; on a record they are not read, so they cannot refuse it.
    award = admin.get(f"/api/awards/{world.award_a.pk}/", {"round": "abc", "status": "terminated"})
    assert award.status_code == 200, award.content
    assert award.json()["id"] == world.award_a.pk
    assert admin.get("/api/awards/", {"round": "abc"}).status_code == 400
