"""The 360Giving export: validated against the official schemas (local copies, never fetched), disclosure-safe,
exact with money, and downloadable by administrators only."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from djmoney.money import Money

from funders.models import Receipt
from grants import actions
from grants.exports.giving360 import build_package, to_csv, to_json
from grants.models import Award, Milestone
from tests.factories import ProjectFactory
from tests.threesixtygiving import GRANT_SCHEMA, schema_errors


@pytest.fixture
def fund(world, settings):
    """The small world, plus a payment schedule with two payments made and an independent researcher's award."""
    settings.FUND_TODAY = "2026-03-02"
    settings.GRANTNAV_PREFIX = "360G-alignmentfund"
    world.fund.administrator_org_id = "GB-GOR-D1418"
    world.fund.website = "https://alignmentproject.aisi.gov.uk/"
    world.fund.save()
    award = world.award_a
    for number, due in enumerate([date(2025, 12, 15), date(2026, 1, 15), date(2026, 3, 16)], start=1):
        Milestone.objects.create(
            award=award, number=number, title=f"Report {number}", due_on=due, amount=Money("100000.00", "GBP")
        )
    for milestone in award.milestones.all()[:2]:
        actions.do_receive_milestone_report(world.admin, milestone=milestone, received_on=milestone.due_on)
        actions.do_approve_milestone(world.admin, milestone=milestone, approved_on=milestone.due_on)
        actions.do_record_disbursement(
            world.admin,
            milestone=milestone,
            paid_on=milestone.expected_payment_on,
            reference=f"PAY-{award.reference}-{milestone.number}",
        )
    independent = ProjectFactory(
        round=world.round,
        research_area=world.other_area,
        reference="R1-0009",
        title="Agent foundations",
        lead_name="Jane Quietly-Private",
        institution="",
        country="CA",
    )
    world.independent_award = actions.do_award_project(
        world.admin, project=independent, amount="123456.78", awarded_on=date(2025, 11, 14)
    )
    return world


def exported_json(fund) -> dict:
    # Read numbers back as Decimal, to see exactly what was written.
    return json.loads(to_json(build_package()), parse_float=Decimal)


def exported_csv(fund) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(to_csv(build_package()))))


def test_the_json_export_validates_against_the_official_package_and_grant_schemas(fund):
    package = exported_json(fund)

    assert schema_errors(package) == []
    for grant in package["grants"]:
        assert schema_errors(grant, schema=GRANT_SCHEMA) == []
    assert len(package["grants"]) == 3


def test_the_validation_is_real_it_rejects_a_grant_without_an_amount_or_with_a_bad_date(fund):
    package = exported_json(fund)
    grant = package["grants"][0]
    del grant["amountAwarded"]
    package["grants"][1]["awardDate"] = "19/02/2026"

    problems = schema_errors(package)

    assert problems
    assert schema_errors(grant, schema=GRANT_SCHEMA)


def test_each_award_is_one_grant_with_its_identifier_amount_dates_and_payments(fund):
    package = exported_json(fund)
    grant = next(g for g in package["grants"] if g["id"] == f"360G-alignmentfund-{fund.award_a.reference}")

    assert grant["currency"] == "GBP"
    assert grant["amountAwarded"] == Decimal("300000.00")
    assert grant["awardDate"] == "2025-11-10"
    assert grant["plannedDates"] == [{"startDate": "2025-11-10", "endDate": "2026-03-16"}]
    assert [(t["valueDate"], t["value"], t["currency"]) for t in grant["disbursementTransaction"]] == [
        ("2026-01-30", Decimal("100000.00"), "GBP"),
        ("2026-02-27", Decimal("100000.00"), "GBP"),
    ]
    assert grant["amountDisbursed"] == Decimal("200000.00")
    assert grant["grantProgramme"] == [{"code": "360G-alignmentfund-R1", "title": "Round 1"}]
    assert grant["classifications"][0]["title"] == "Interpretability"
    assert grant["beneficiaryLocation"] == [{"countryCode": "GB", "name": "United Kingdom"}]
    assert grant["recipientOrganization"][0]["name"] == "University of Somewhere"
    assert grant["fundingOrganization"][0] == {"id": "GB-GOR-D1418", "name": "UK AI Security Institute"}
    assert package["publisher"] == {
        "name": "UK AI Security Institute",
        "identifier": "GB-GOR-D1418",
        "website": "https://alignmentproject.aisi.gov.uk/",
    }
    assert package["license"].startswith("https://www.nationalarchives.gov.uk/doc/open-government-licence/")
    assert package["issued"] == "2026-03-02"


def test_amounts_are_written_as_exact_json_numbers(fund):
    text = to_json(build_package())

    assert '"amountAwarded": 123456.78' in text
    assert '"amountAwarded": 300000.00' in text


def test_an_independent_researcher_is_an_individual_recipient_never_named(fund):
    package = exported_json(fund)
    grant = next(g for g in package["grants"] if g["id"].endswith(fund.independent_award.reference))

    assert "recipientOrganization" not in grant
    assert grant["recipientIndividual"] == {"id": "360G-alignmentfund-IND-R1-0009", "name": "Individual Recipient"}
    assert "Quietly-Private" not in to_json(build_package())
    assert "Quietly-Private" not in to_csv(build_package())


def test_an_undisclosed_funder_never_appears_in_the_json_or_the_csv(fund):
    assert fund.award_b.attributions.filter(funder=fund.funder_b).exists()  # B's money is behind an award

    text_json, text_csv = to_json(build_package()), to_csv(build_package())

    for text in (text_json, text_csv):
        assert "Quiet Funder B" not in text
        assert "funder-b" not in text
        assert "Open Funder A" in text


def test_a_funder_that_discloses_amounts_but_is_not_publicly_named_is_left_out(fund):
    fund.funder_a.publicly_named = False
    fund.funder_a.save()

    assert "Open Funder A" not in to_json(build_package())
    assert "Open Funder A" not in to_csv(build_package())


def test_an_administrator_that_is_also_a_funder_is_listed_once(fund):
    fund.funder_a.name = "UK AI Security Institute"
    fund.funder_a.save()

    grant = exported_json(fund)["grants"][0]

    assert [o["name"] for o in grant["fundingOrganization"]] == ["UK AI Security Institute"]


def test_the_csv_uses_360giving_column_titles(fund):
    rows = exported_csv(fund)
    row = next(r for r in rows if r["Identifier"].endswith(fund.award_a.reference))

    assert row["Title"] == "Sparse probes"
    assert row["Currency"] == "GBP"
    assert row["Amount Awarded"] == "300000.00"
    assert row["Award Date"] == "2025-11-10"
    assert row["Recipient Org:Name"] == "University of Somewhere"
    assert row["Recipient Org:Identifier"].startswith("360G-alignmentfund-ORG-")
    assert row["Funding Org:0:Identifier"] == "GB-GOR-D1418"
    assert row["Funding Org:0:Name"] == "UK AI Security Institute"
    assert row["Funding Org:1:Name"] == "Open Funder A"
    assert row["Grant Programme:Title"] == "Round 1"
    assert row["Planned Dates:Start Date"] == "2025-11-10"
    assert row["Planned Dates:End Date"] == "2026-03-16"
    assert row["Beneficiary Location:Country Code"] == "GB"


def test_the_command_writes_json_and_csv_files(fund, tmp_path):
    call_command("export_360giving", "--format", "json", "--out", tmp_path / "grants.json")
    call_command("export_360giving", "--format", "csv", "--out", tmp_path / "grants.csv")

    package = json.loads((tmp_path / "grants.json").read_text(), parse_float=Decimal)
    assert len(package["grants"]) == 3
    assert (tmp_path / "grants.csv").read_text().startswith("Identifier,Title,Description,Currency,")


def test_the_command_refuses_when_there_is_nothing_to_publish(db):
    with pytest.raises(CommandError, match="no awards to publish"):
        call_command("export_360giving")


def test_an_administrator_downloads_the_json_and_the_csv(client, fund, django_assert_max_num_queries):
    client.force_login(fund.admin)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("grants:export_360giving_json"))
        body = b"".join(response.streaming_content)  # a streaming download reads as it is sent
    csv_response = client.get(reverse("grants:export_360giving_csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert 'filename="360G-alignmentfund-2026-03-02.json"' in response["Content-Disposition"]
    assert len(json.loads(body)["grants"]) == 3
    assert csv_response.status_code == 200
    assert b"".join(csv_response.streaming_content).decode().startswith("Identifier,")


def test_the_download_costs_the_same_queries_however_many_awards(client, fund, django_assert_num_queries):
    def download():
        return b"".join(client.get(reverse("grants:export_360giving_json")).streaming_content)

    client.force_login(fund.admin)
    download()  # warm the session
    with CaptureQueriesContext(connection) as three_awards:
        download()
    actions.do_award_project(fund.admin, project=fund.waiting, amount="60000.00", awarded_on=date(2025, 11, 20))
    with django_assert_num_queries(len(three_awards)):
        download()


@pytest.mark.parametrize("who", ["contact_a", "researcher_a", "outsider"])
def test_anyone_but_an_administrator_gets_a_404(client, fund, who):
    client.force_login(getattr(fund, who))

    assert client.get(reverse("grants:export_360giving_json")).status_code == 404
    assert client.get(reverse("grants:export_360giving_csv")).status_code == 404


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, fund):
    response = client.get(reverse("grants:export_360giving_csv"))

    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.fixture
def demo_fund(db, settings, monkeypatch):
    """The demo fund: Microsoft's money is behind awards, and Microsoft keeps its amounts private."""
    settings.FUND_TODAY = "2026-10-30"
    monkeypatch.setenv("DEMO_PASSWORD", "demo-Password-1")
    call_command("seed_demo", quiet=True, stdout=io.StringIO())


def test_the_demo_funds_export_validates_against_the_official_schemas(demo_fund):
    package = json.loads(to_json(build_package()), parse_float=Decimal)

    assert schema_errors(package) == []
    assert len(package["grants"]) == Award.objects.count()


# Apart from the schema test, as every disclosure check here is: a leak fails on its own, whatever the schemas say.


def test_the_demo_funds_export_never_mentions_microsofts_undisclosed_money(demo_fund):
    # Its money is in the fund (whether awards draw on it depends on the disclosed funders' money, which comes first).
    assert Receipt.objects.filter(pledge__funder__name="Microsoft").exists()

    package = build_package()

    assert "microsoft" not in (to_json(package) + to_csv(package)).casefold()
    assert any(o["name"] == "OpenAI" for g in package["grants"] for o in g["fundingOrganization"])


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_streamed_download_is_the_package_text_exactly(fund, fmt):
    from grants.exports.streaming import stream

    expected = to_json(build_package()) if fmt == "json" else to_csv(build_package())
    pieces = list(stream(fmt))
    assert "".join(pieces) == expected
