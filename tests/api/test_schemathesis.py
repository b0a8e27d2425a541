"""The API against its own schema, by schemathesis: the demo fund, an administrator's token, a funder's and a
researcher's (who may upload reports and accept offers: random multipart bodies must be a 400, never a 500), requests
generated from /api/schema/ (valid and invalid), and every answer checked: no server error, a documented status
code and content type, and a body that matches the documented shape.

It runs in-process through the WSGI app, in the test's transaction (writes go nowhere), with a fixed seed and a
few examples per operation, so it is the same run every time and takes a minute or two.
"""

from __future__ import annotations

import io

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import (
    content_type_conformance,
    load_all_checks,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.pytest.lazy import get_all_tests

from grants.models import Award

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PASSWORD = "demo-Password-1"


@pytest.fixture
def tokens(db, settings, monkeypatch, client):
    """The demo fund, and a token for its administrator, one for OpenAI's contact and one for the researcher, asked
    for as a client would."""
    settings.FUND_TODAY = "2026-10-30"
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", quiet=True, stdout=io.StringIO())
    found = {}
    for username in ("admin", "openai", "researcher"):
        response = client.post("/api/token/", {"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.content
        found[username] = response.json()["token"]
    # The administrator's token carries an administrator's rights: the run reaches every record.
    awards = client.get("/api/awards/", HTTP_AUTHORIZATION=f"Token {found['admin']}").json()
    assert awards["count"] == Award.objects.count() > 0
    return found


@pytest.fixture
def wsgi_app():
    """Django's WSGI app. At each request's start and end it closes a connection that is inside a transaction, as
    every connection is in a test: on PostgreSQL that ends the test's transaction and every request after it fails.
    Django's own test client stops that for the length of a request; here it is stopped for the length of the run."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(tokens, wsgi_app):
    config = schemathesis.Config.from_dict(
        {
            "seed": 20260220,
            "generation": {
                "mode": "all",
                "max-examples": 20,
                "deterministic": True,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}},
            "cache": {"enabled": False},
        }
    )
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, config=config)


def test_every_operation_answers_as_its_schema_says_for_an_administrator_a_funder_and_a_researcher(api_schema, tokens):
    load_all_checks()

    def call_and_validate(case):
        for token in tokens.values():
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

    failures, operations = [], 0
    # What `@schema.parametrize()` runs for each operation (its examples, coverage and fuzzing phases), driven here:
    # its loader for a schema made by a fixture reads a pytest attribute that pytest 9 no longer has.
    for result in get_all_tests(schema=api_schema, test_func=call_and_validate, settings=None, given_kwargs=None):
        operation, test = result.ok()
        operations += 1
        try:
            test()
        except (Exception, BaseExceptionGroup) as exc:  # every operation runs; all that failed are reported together
            failures.append(f"{operation.label}\n{exc}")
    assert operations == sum(len(methods) for methods in api_schema.raw_schema["paths"].values()) > 30
    assert not failures, "\n\n".join(failures)
