"""The OpenAPI document at /api/schema/ and the Swagger UI page at /api/docs/."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver
from drf_spectacular.validation import validate_schema

from alignment_fund import api_urls

# Pages that serve the API rather than being part of it.
NOT_OPERATIONS = {"/api/schema/", "/api/docs/"}


def api_routes(patterns=None, prefix="/api/"):
    """Every route under /api/, written as OpenAPI writes paths (`/api/pledges/{id}/`)."""
    for pattern in api_urls.urlpatterns if patterns is None else patterns:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<(\w+)>[^)]+\)", r"{\1}", route).replace("<int:", "{").replace(">", "}")
        route = route.replace("{pk}", "{id}")
        if isinstance(pattern, URLResolver):
            yield from api_routes(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            yield prefix + route


@pytest.fixture
def schema(db, client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Alignment Fund API"
    validate_schema(schema)  # against the OpenAPI 3 JSON schema drf-spectacular ships: no network


def test_the_schema_covers_every_route_of_the_api_and_nothing_else(schema):
    routes = set(api_routes()) - NOT_OPERATIONS
    assert routes == set(schema["paths"])


def test_the_schema_documents_token_and_session_sign_in(schema):
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_every_write_documents_its_body_its_errors_and_the_idempotency_key(schema):
    writes = [
        (path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method == "post" and path != "/api/token/"
    ]
    assert len(writes) == 8
    for path, operation in writes:
        assert "requestBody" in operation, path
        assert {"400", "401", "403", "422"} <= set(operation["responses"]), path
        assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"], path


def test_money_is_documented_as_a_decimal_string_with_its_currency(schema):
    money = schema["components"]["schemas"]["Money"]
    assert money["properties"]["amount"]["type"] == "string"
    assert set(money["required"]) == {"amount", "currency"}
    award_amount = schema["components"]["schemas"]["AwardInputRequest"]["properties"]["amount"]
    assert award_amount["allOf"][0]["$ref"].endswith("/GBPMoneyRequest")


def test_generating_the_schema_raises_no_warnings(tmp_path):
    # Warnings mean an endpoint whose shape drf-spectacular had to guess: the document would be wrong somewhere.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def test_the_docs_page_loads_swagger_ui_from_our_own_origin_with_no_inline_code(db, client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page = _Tags()
    page.feed(response.content.decode())
    assert page.inline_scripts == []
    assert not [tag for tag, attrs in page.tags if tag == "style" or "style" in attrs]
    assets = [attrs.get("src") or attrs.get("href") for tag, attrs in page.tags if tag in ("script", "link")]
    assert len(assets) == 5
    for url in assets:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"
    root = next(attrs for tag, attrs in page.tags if attrs.get("id") == "swagger-ui")
    assert root["data-schema-url"] == "/api/schema/"
    assert root["data-csrf-token"]


def test_the_vendored_swagger_ui_carries_its_licence():
    for name in ["LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt", "README.md"]:
        assert finders.find(f"vendor/swagger-ui/{name}"), name
