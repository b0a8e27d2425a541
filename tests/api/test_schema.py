"""The OpenAPI document at /api/schema/ and the Swagger UI page at /api/docs/."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, reverse
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
    # the eight records, four reversals, two report reviews, deciding approvals, proposing and releasing runs, and
    # what the lead of an award may do
    assert len(writes) == 18 + len(LEAD_WRITES)
    for path, operation in writes:
        if (path, "post") in LEAD_WRITES:
            continue
        assert "requestBody" in operation, path
        assert {"400", "401", "403", "422"} <= set(operation["responses"]), path
        assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"], path


# What a project's lead writes: no role is refused (anyone not the lead gets a 404, as if it did not exist).
LEAD_WRITES = {("/api/milestones/{id}/report/", "post"), ("/api/awards/{id}/acceptance/", "post")}


def test_the_leads_writes_document_their_bodies_and_answers(schema):
    upload = schema["paths"]["/api/milestones/{id}/report/"]["post"]
    [(media_type, body)] = upload["requestBody"]["content"].items()
    assert media_type == "multipart/form-data"
    component = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert component["properties"]["file"] == {**component["properties"]["file"], "type": "string", "format": "binary"}
    assert component["required"] == ["file"]
    assert set(upload["responses"]) == {"201", "400", "401", "404", "415"}
    acceptance = schema["paths"]["/api/awards/{id}/acceptance/"]["post"]
    assert "requestBody" not in acceptance
    assert set(acceptance["responses"]) == {"200", "400", "401", "404", "422"}
    assert "Idempotency-Key" in [p["name"] for p in acceptance["parameters"] if p["in"] == "header"]


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_refusal_the_api_gives_is_documented_with_its_json_body(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        where = f"{method.upper()} {path}"
        if path == "/api/token/":
            assert set(responses) == {"200", "400", "429"}
        else:
            assert "401" in responses, where
        if "{id}" in path or "page" in query:
            assert "404" in responses, where
        if "requestBody" in operation or query - {"page", "page_size"}:
            assert "400" in responses, where
        for code, response in responses.items():
            if code.startswith("2"):
                continue
            [(media_type, content)] = response["content"].items()
            assert media_type == "application/json", where
            expected = "FieldErrors" if code == "400" else "Error"
            assert content["schema"] == {"$ref": f"#/components/schemas/{expected}"}, (where, code)


def test_a_403_is_documented_where_a_role_can_be_refused_and_only_there(schema):
    refused = {(path, method) for path, method, operation in operations(schema) if "403" in operation["responses"]}
    writes = {
        (path, method)
        for path, method, _ in operations(schema)
        if method in ("post", "patch") and path != "/api/token/"
    }
    funders_only = {
        (f"/api/{name}{detail}", "get")
        for name in ("funders", "pledges", "receipts", "conversions", "attributions")
        for detail in ("/", "/{id}/")
    } | {("/api/pool/", "get")}
    administrators_only = {
        (f"/api/{name}{detail}", "get") for name in ("approvals", "payment-runs") for detail in ("/", "/{id}/")
    } | {(f"/api/payment-runs/{{id}}/remittance-{fmt}/", "get") for fmt in ("csv", "xlsx")}
    assert refused == (writes - LEAD_WRITES) | funders_only | administrators_only


def test_a_400_is_a_message_or_messages_under_each_name_at_fault(schema):
    errors = schema["components"]["schemas"]["FieldErrors"]
    assert errors["type"] == "object"
    assert errors["additionalProperties"] == {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    }
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_the_administrators_note_on_a_pledge_is_documented_as_sometimes_absent(schema):
    pledge = schema["components"]["schemas"]["Pledge"]
    assert "note" in pledge["properties"]
    assert "note" not in pledge["required"]


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
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self._in = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in self.inline else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in and data.strip():
            self.inline[self._in].append(data)


def _directive(policy: str, name: str) -> list[str]:
    for directive in policy.split(";"):
        words = directive.split()
        if words and words[0] == name:
            return words[1:]
    return []


def test_the_docs_page_loads_swagger_ui_from_our_own_origin_with_no_inline_script(db, client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert _directive(csp, "script-src") == ["'self'"]
    page = _Tags()
    page.feed(response.content.decode())
    assert page.inline["script"] == []
    assert not [tag for tag, attrs in page.tags if "style" in attrs]
    assets = [attrs.get("src") or attrs.get("href") for tag, attrs in page.tags if tag in ("script", "link")]
    # The favicon, the stylesheet, Swagger UI's two bundles, and the script that starts it, served by the view.
    assert len(assets) == 5
    assert assets[-1] == "/api/docs/?script="
    for url in assets[:-1]:
        assert url.startswith("/static/drf_spectacular_sidecar/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"


def test_the_docs_pages_start_up_script_reads_our_schema_and_never_calls_the_public_validator(db, client):
    response = client.get("/api/docs/", {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    script = response.content.decode()
    assert 'url: "/api/schema/"' in script
    assert '"validatorUrl": null' in script


def test_the_docs_pages_one_inline_style_is_allowed_by_its_hash_on_that_page_only(db, client):
    response = client.get("/api/docs/")
    page = _Tags()
    page.feed(response.content.decode())

    [style] = page.inline["style"]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = response["Content-Security-Policy"]
    assert _directive(policy, "style-src") == ["'self'", f"'sha256-{digest}'"]
    assert "unsafe-inline" not in policy
    assert "sha256-" not in client.get(reverse("login"))["Content-Security-Policy"]


def test_the_corrections_are_documented_with_every_answer(schema):
    for name in ("pledges", "receipts", "conversions", "disbursements"):
        operation = schema["paths"][f"/api/{name}/{{id}}/reversal/"]["post"]
        assert set(operation["responses"]) == {"201", "202", "400", "401", "403", "404", "422"}, name
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body.endswith("/ReversalInputRequest")
    assert schema["components"]["schemas"]["ReversalInputRequest"]["required"] == ["reason"]
    amend = schema["paths"]["/api/awards/{id}/"]["patch"]
    assert set(amend["responses"]) == {"200", "400", "401", "403", "404"}
    assert amend["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AmendmentInputRequest")
    assert set(schema["components"]["schemas"]["AmendmentInputRequest"]["required"]) == {"amount", "reason"}
    assert "reversal" in schema["components"]["schemas"]["Receipt"]["properties"]
    assert "amendments" in schema["components"]["schemas"]["Award"]["properties"]
