"""`manage.py backfill_rates`: loads past ECB rates, with a progress bar, and is safe to run again."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import responses
from django.core.management import CommandError, call_command

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.sources import ECB_CURRENCIES, ShippedHistory

FIXTURES = Path(__file__).parent / "fixtures"
ECB_HISTORY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.xml"


def backfill(*args) -> str:
    out = StringIO()
    call_command("backfill_rates", *args, stdout=out)
    return out.getvalue()


def test_it_loads_the_shipped_history_since_a_date_with_a_progress_bar(db, capsys, settings):
    settings.FUND_TODAY = "2026-10-30"
    output = backfill("--since", "2026-01-01")
    shipped = ShippedHistory(since=date(2026, 1, 1)).fetch()
    assert ExchangeRate.objects.count() == len(shipped)
    assert set(ExchangeRate.objects.values_list("currency", flat=True)) == set(ECB_CURRENCIES)
    assert ExchangeRate.objects.order_by("rate_date").first().rate_date == min(r.rate_date for r in shipped)
    assert f"Stored {len(shipped):,} new rates" in output
    assert "02 Jan 2026 to 30 Oct 2026" in output
    assert "up to date" in output
    progress = capsys.readouterr().err
    assert "Storing" in progress
    assert f"{len(shipped)}/{len(shipped)}" in progress


def test_running_it_again_stores_nothing(db):
    backfill("--since", "2026-10-01", "--verbosity", "0")
    before = list(ExchangeRate.objects.values_list("currency", "rate_date", "rate", "fetched_at"))
    output = backfill("--since", "2026-09-01", "--verbosity", "0")
    after = ExchangeRate.objects.filter(rate_date__gte=date(2026, 10, 1))
    assert list(after.values_list("currency", "rate_date", "rate", "fetched_at")) == before
    assert f"{len(before):,} were already stored" in output


def test_it_can_backfill_from_an_ecb_feed(db, settings):
    settings.FUND_TODAY = "2026-11-04"
    with responses.RequestsMock() as ecb:
        ecb.get(ECB_HISTORY_URL, body=(FIXTURES / "eurofxref-hist-90d.xml").read_bytes(), content_type="text/xml")
        output = backfill("--source", "ecb", "--url", ECB_HISTORY_URL, "--since", "2026-11-03", "--verbosity", "0")
    assert ExchangeRate.objects.count() == 2 * len(ECB_CURRENCIES)
    assert set(ExchangeRate.objects.values_list("source", flat=True)) == {ExchangeRate.Source.ECB_LIVE}
    assert "Stored 8 new rates" in output


def test_a_bad_feed_stops_it_with_nothing_written(db):
    with responses.RequestsMock() as ecb, pytest.raises(CommandError, match="nothing was written"):
        ecb.get(ECB_HISTORY_URL, body=(FIXTURES / "truncated.xml").read_bytes(), content_type="text/xml")
        backfill("--source", "ecb", "--url", ECB_HISTORY_URL)
    assert not ExchangeRate.objects.exists()


def test_it_refuses_a_date_after_the_history(db):
    with pytest.raises(CommandError, match="no rates published on or after 01 Jan 2099"):
        backfill("--since", "2099-01-01")
