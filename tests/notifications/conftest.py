from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.test.utils import override_settings

from alignment_fund.rates.models import ExchangeRate
from alignment_fund.rates.storage import store
from tests.conftest import shipped_rates
from tests.factories import UserFactory, build_world

TODAY = "2026-02-20"


@pytest.fixture(scope="module")
def fund(django_db_setup, django_db_blocker):
    """The shared small fund, built once for the module and rolled back at its end."""
    with (
        django_db_blocker.unblock(),
        override_settings(FUND_TODAY=TODAY, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        store(shipped_rates(date(2025, 1, 1)), ExchangeRate.Source.ECB_HISTORY)
        yield build_world(UserFactory(username="alice-admin", is_staff=True, is_superuser=True))
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fund_today(settings):
    settings.FUND_TODAY = TODAY
