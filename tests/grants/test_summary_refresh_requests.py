from datetime import date

from django.db import transaction

from grants import actions
from grants.tasks import enqueue_summary_refresh
from tests.factories import FunderFactory


def test_many_writes_in_one_transaction_ask_for_one_refresh(db, rates, admin_user, django_capture_on_commit_callbacks):
    funder = FunderFactory(currency="USD")
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(3):
            pledge = actions.do_record_pledge(
                admin_user,
                funder=funder,
                amount="1000.00",
                currency="USD",
                pledged_on=date(2026, 1, 5),
                reference=f"P-{n}",
            )
            actions.do_record_receipt(
                admin_user,
                pledge=pledge,
                amount="1000.00",
                currency="USD",
                received_on=date(2026, 1, 6),
                bank_reference=f"B-{n}",
            )
    assert [c for c in callbacks if c is enqueue_summary_refresh] == [enqueue_summary_refresh]


def test_a_request_rolled_back_with_its_savepoint_is_asked_again(
    db, rates, admin_user, django_capture_on_commit_callbacks
):
    funder = FunderFactory(currency="GBP")
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                actions.do_record_pledge(
                    admin_user,
                    funder=funder,
                    amount="10.00",
                    currency="GBP",
                    pledged_on=date(2026, 1, 5),
                    reference="P-1",
                )
                raise RuntimeError("the import found a bad row")
        except RuntimeError:
            pass
        actions.do_record_pledge(
            admin_user, funder=funder, amount="10.00", currency="GBP", pledged_on=date(2026, 1, 5), reference="P-2"
        )
    assert [c for c in callbacks if c is enqueue_summary_refresh] == [enqueue_summary_refresh]


def test_the_admin_offers_spreadsheet_imports_for_pledges_and_projects(admin_client):
    for url in ["/admin/funders/pledge/", "/admin/projects/project/"]:
        page = admin_client.get(url).content.decode()
        assert "import/" in page, url
    assert admin_client.get("/admin/funders/pledge/import/").status_code == 200
    assert admin_client.get("/admin/projects/project/import/").status_code == 200
