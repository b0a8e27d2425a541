"""/api/pool/ answers a funder's contact or an administrator: each answer matches exactly one branch of its oneOf."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft7Validator


def as_json_schema(node):
    """OpenAPI 3.0's `nullable: true` in JSON Schema's words, everywhere in the document."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture
def components(db, client):
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    return as_json_schema(schema["components"])


def matches(components, name: str, answer: dict) -> bool:
    validator = Draft7Validator({"$ref": f"#/components/schemas/{name}", "components": components})
    return validator.is_valid(answer)


@pytest.mark.parametrize(("who", "branch"), [("admin", "AdministratorsPool"), ("contact_a", "Pool")])
def test_each_pool_answer_matches_its_own_branch_of_the_oneof_and_not_the_other(
    world, client_for, components, who, branch
):
    answer = client_for(getattr(world, who)).get("/api/pool/").json()
    assert ("value" in answer) is (who == "admin")

    assert [name for name in ("Pool", "AdministratorsPool") if matches(components, name, answer)] == [branch]
    assert matches(components, "PoolResponse", answer)


def test_the_funders_branch_allows_nothing_but_its_own_figures(components):
    pool = components["schemas"]["Pool"]
    assert pool["additionalProperties"] is False
    assert {"value", "headroom"} <= set(components["schemas"]["AdministratorsPool"]["required"])
    assert not {"value", "headroom"} & set(pool["properties"])
