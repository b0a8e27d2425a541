"""A POST with an `Idempotency-Key` can be repeated safely: the repeat returns the first answer and writes nothing."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from alignment_fund.models import IdempotencyRecord
from funders.models import Pledge
from grants.models import Award, LedgerTransaction


def pledge_body(world, reference="PB-7", amount="25000.00"):
    return {
        "funder": world.funder_b.pk,
        "amount": {"amount": amount, "currency": "GBP"},
        "pledged_on": "2026-02-19",
        "reference": reference,
    }


def post(client, url, body, key):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_repeated_request_returns_the_first_answer_and_records_once(world, client_for):
    admin = client_for(world.admin)
    ledger = LedgerTransaction.objects.count()
    first = post(admin, "/api/pledges/", pledge_body(world), "5d1c0c4e-pledge-7")
    again = post(admin, "/api/pledges/", pledge_body(world), "5d1c0c4e-pledge-7")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Pledge.objects.filter(reference="PB-7").count() == 1
    assert LedgerTransaction.objects.count() == ledger + 1
    assert IdempotencyRecord.objects.get(key="5d1c0c4e-pledge-7").user == world.admin


def test_without_a_key_the_same_request_is_refused_the_second_time(world, client_for):
    admin = client_for(world.admin)
    assert admin.post("/api/pledges/", pledge_body(world), format="json").status_code == 201
    again = admin.post("/api/pledges/", pledge_body(world), format="json")
    assert again.status_code == 400
    assert "reference" in again.json()


def test_the_key_order_and_spacing_of_the_body_do_not_matter(world, client_for):
    admin = client_for(world.admin)
    body = pledge_body(world)
    first = post(admin, "/api/pledges/", body, "k-1")
    reordered = dict(reversed(list(body.items())))
    again = admin.post(
        "/api/pledges/",
        json.dumps(reordered, indent=4),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert Pledge.objects.filter(reference="PB-7").count() == 1


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(world, client_for):
    admin = client_for(world.admin)
    post(admin, "/api/pledges/", pledge_body(world), "k-2")
    before = (Pledge.objects.count(), LedgerTransaction.objects.count())
    other = post(admin, "/api/pledges/", pledge_body(world, reference="PB-8", amount="1.00"), "k-2")
    assert other.status_code == 422
    assert "already used for another request" in other.json()["detail"]
    assert (Pledge.objects.count(), LedgerTransaction.objects.count()) == before


def test_the_same_key_on_another_endpoint_is_refused(world, client_for):
    admin = client_for(world.admin)
    post(admin, "/api/pledges/", pledge_body(world), "k-3")
    award = post(
        admin,
        "/api/awards/",
        {"project": world.waiting.pk, "amount": {"amount": "60000.00", "currency": "GBP"}, "awarded_on": "2025-11-20"},
        "k-3",
    )
    assert award.status_code == 422
    assert not Award.objects.filter(project=world.waiting).exists()


def test_keys_belong_to_their_user(world, client_for, admin_user):
    from tests.factories import UserFactory

    other_admin = UserFactory(username="bob-admin", is_staff=True)
    post(client_for(world.admin), "/api/pledges/", pledge_body(world), "shared-key")
    theirs = post(client_for(other_admin), "/api/pledges/", pledge_body(world, reference="PB-8"), "shared-key")
    assert theirs.status_code == 201
    assert theirs.json()["reference"] == "PB-8"


def test_a_refused_request_is_not_remembered_so_it_can_be_corrected_under_the_same_key(world, client_for):
    admin = client_for(world.admin)
    refused = post(admin, "/api/pledges/", pledge_body(world, amount="ten"), "k-4")
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    corrected = post(admin, "/api/pledges/", pledge_body(world), "k-4")
    assert corrected.status_code == 201


def test_milestone_approvals_replay_too(world, schedule, client_for):
    admin = client_for(world.admin)
    url = f"/api/milestones/{schedule['b1'].pk}/report-received/"
    first = post(admin, url, {"received_on": "2026-02-02"}, "k-5")
    again = post(admin, url, {"received_on": "2026-02-02"}, "k-5")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    # Without the key, the operation itself refuses a second report.
    assert admin.post(url, {"received_on": "2026-02-02"}, format="json").status_code == 400


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "bad\x07key"])
def test_a_malformed_key_is_refused(world, client_for, key):
    response = post(client_for(world.admin), "/api/pledges/", pledge_body(world), key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Pledge.objects.filter(reference="PB-7").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_the_same_key_at_the_same_instant_record_once(rates, client_for):
    """The record is written in the write's transaction, under a unique (user, key): the second request's insert
    waits for the first to commit, fails, rolls its own write back, and replays the first answer."""
    from tests.factories import UserFactory, build_world

    world = build_world(UserFactory(username="alice-admin", is_staff=True))
    barrier = threading.Barrier(2)
    answers = []

    def send():
        client = client_for(world.admin)
        barrier.wait()
        try:
            answers.append(post(client, "/api/pledges/", pledge_body(world), "race-key"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Pledge.objects.filter(reference="PB-7").count() == 1
    assert IdempotencyRecord.objects.filter(key="race-key").count() == 1
