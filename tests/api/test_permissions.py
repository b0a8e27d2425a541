"""Who may see and do what through the API: the pages' access matrix, endpoint by endpoint.

Anonymous requests get 401; a role that has no business with an endpoint gets 403; an object that is not yours
answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

import pytest

from grants.models import AwardAttribution

ROLES = ["anonymous", "admin", "contact_a", "contact_b", "researcher_a", "researcher_b", "outsider"]


def user_for(world, role):
    return None if role == "anonymous" else getattr(world, role)


# Expected status of GET on each list, by role.
FUNDER_SCOPE = {"anonymous": 401, "admin": 200, "contact_a": 200, "contact_b": 200}
LISTS = {
    "funders": FUNDER_SCOPE,
    "pledges": FUNDER_SCOPE,
    "receipts": FUNDER_SCOPE,
    "conversions": FUNDER_SCOPE,
    "attributions": FUNDER_SCOPE,
    "pool": FUNDER_SCOPE,
    "rounds": {},
    "research-areas": {},
    "projects": {},
    "awards": {},
    "milestones": {},
    "disbursements": {},
}


def expected_list_status(endpoint, role):
    table = LISTS[endpoint]
    if role == "anonymous":
        return 401
    if table is FUNDER_SCOPE:
        return table.get(role, 403)
    return 200


@pytest.mark.parametrize("endpoint", LISTS)
def test_each_list_answers_each_role_as_the_pages_do(world, schedule, client_for, endpoint):
    answers = {role: client_for(user_for(world, role)).get(f"/api/{endpoint}/").status_code for role in ROLES}
    assert answers == {role: expected_list_status(endpoint, role) for role in ROLES}


def test_an_anonymous_request_is_challenged_for_a_token(world, client_for):
    response = client_for(None).get("/api/awards/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def _objects(world, schedule):
    """endpoint -> (the A side's object, the B side's object or None)."""
    # Each funder backs one award in the world (A's money is restricted to interpretability; B pays for the other).
    attributions = {a.funder_id: a for a in AwardAttribution.objects.filter(award__in=[world.award_a, world.award_b])}
    conversion = world.receipt_a.conversions.get()
    return {
        "funders": (world.funder_a, world.funder_b),
        "pledges": (world.pledge_a, world.pledge_b),
        "receipts": (world.receipt_a, world.receipt_b),
        "conversions": (conversion, None),
        "attributions": (attributions[world.funder_a.pk], attributions[world.funder_b.pk]),
        "projects": (world.award_a.project, world.award_b.project),
        "awards": (world.award_a, world.award_b),
        "milestones": (schedule["a1"], schedule["b1"]),
        "disbursements": (schedule["payment_a1"], None),
    }


FUNDER_OWNED = {"funders", "pledges", "receipts", "conversions", "attributions"}


def expected_detail_status(endpoint, role, side):
    """`side` is "a" or "b": whose object it is (funder A's / researcher A's, or B's)."""
    if role == "anonymous":
        return 401
    if role == "admin":
        return 200
    if endpoint in FUNDER_OWNED:
        if not role.startswith("contact"):
            return 403
        return 200 if role == f"contact_{side}" else 404
    return 200 if role == f"researcher_{side}" else 404


@pytest.mark.parametrize(
    "endpoint",
    [
        "funders",
        "pledges",
        "receipts",
        "conversions",
        "attributions",
        "projects",
        "awards",
        "milestones",
        "disbursements",
    ],
)
def test_each_record_answers_its_owner_and_hides_from_everyone_else(world, schedule, client_for, endpoint):
    answers, expected = {}, {}
    for side, obj in zip("ab", _objects(world, schedule)[endpoint], strict=True):
        if obj is None:
            continue
        for role in ROLES:
            response = client_for(user_for(world, role)).get(f"/api/{endpoint}/{obj.pk}/")
            answers[side, role] = response.status_code
            expected[side, role] = expected_detail_status(endpoint, role, side)
            if response.status_code == 200:
                assert response.json()["id"] == obj.pk
    assert answers == expected


def test_a_record_that_does_not_exist_answers_404(world, client_for):
    for endpoint, role in [("pledges", "contact_a"), ("awards", "researcher_a"), ("milestones", "admin")]:
        client = client_for(user_for(world, role))
        for pk in ["999999", "99999999999999999999999", "abc", "1.5"]:
            assert client.get(f"/api/{endpoint}/{pk}/").status_code == 404, (endpoint, pk)


def _ids(response):
    return sorted(row["id"] for row in response.json()["results"])


def test_each_role_lists_exactly_its_own_records(world, schedule, client_for):
    objects = _objects(world, schedule)
    admin, a, b = client_for(world.admin), client_for(world.contact_a), client_for(world.contact_b)
    ra, rb, outsider = client_for(world.researcher_a), client_for(world.researcher_b), client_for(world.outsider)

    assert _ids(a.get("/api/pledges/")) == [world.pledge_a.pk]
    assert _ids(b.get("/api/pledges/")) == [world.pledge_b.pk]
    assert _ids(admin.get("/api/pledges/")) == sorted([world.pledge_a.pk, world.pledge_b.pk])
    assert _ids(a.get("/api/receipts/")) == [world.receipt_a.pk]
    assert _ids(b.get("/api/conversions/")) == []
    assert _ids(a.get("/api/funders/")) == [world.funder_a.pk]
    assert {row["funder"]["id"] for row in a.get("/api/attributions/").json()["results"]} == {world.funder_a.pk}
    assert len(_ids(admin.get("/api/attributions/"))) == AwardAttribution.objects.count()

    assert _ids(ra.get("/api/awards/")) == [world.award_a.pk]
    assert _ids(rb.get("/api/awards/")) == [world.award_b.pk]
    assert _ids(a.get("/api/awards/")) == []  # funders see awards through their attributions, not here
    assert _ids(outsider.get("/api/awards/")) == []
    assert _ids(ra.get("/api/milestones/")) == sorted(m.pk for m in world.award_a.milestones.all())
    assert _ids(rb.get("/api/disbursements/")) == []
    assert _ids(ra.get("/api/disbursements/")) == [objects["disbursements"][0].pk]
    assert _ids(ra.get("/api/projects/")) == [world.award_a.project.pk]
    assert len(_ids(admin.get("/api/projects/"))) == 3


WRITES = [
    "/api/pledges/",
    "/api/receipts/",
    "/api/conversions/",
    "/api/awards/",
    "/api/disbursements/",
    "/api/milestones/{a2}/report-received/",
    "/api/milestones/{a2}/approval/",
    "/api/awards/{award}/termination/",
    "/api/pledges/{pledge}/reversal/",
    "/api/receipts/{receipt}/reversal/",
]


def test_only_administrators_write(world, schedule, client_for):
    answers = {
        (url, role): client_for(user_for(world, role))
        .post(
            url.format(
                a2=schedule["a2"].pk, award=world.award_a.pk, pledge=world.pledge_a.pk, receipt=world.receipt_a.pk
            ),
            {},
            format="json",
        )
        .status_code
        for url in WRITES
        for role in ROLES
        if role != "admin"
    }
    assert answers == {(url, role): 401 if role == "anonymous" else 403 for url, role in answers}


def test_nothing_is_edited_or_deleted_through_the_api(world, client_for):
    admin = client_for(world.admin)
    for url in [f"/api/pledges/{world.pledge_a.pk}/", f"/api/awards/{world.award_a.pk}/", "/api/funders/"]:
        for method in ["put", "patch", "delete"]:
            if (url, method) == (f"/api/awards/{world.award_a.pk}/", "patch"):
                continue  # an amendment, with a reason: tests/api/test_corrections.py
            assert getattr(admin, method)(url, {}, format="json").status_code == 405, (method, url)
