"""Validating a 360Giving export against the official schemas kept in tests/fixtures/360giving (never fetched)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "fixtures" / "360giving"
PACKAGE_SCHEMA = "360-giving-package-schema.json"
GRANT_SCHEMA = "360-giving-schema.json"
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


def _is_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path))


def schema_errors(data: Any, schema: str = PACKAGE_SCHEMA, schema_dir: Path = SCHEMA_DIR) -> list[str]:
    """Validate `data` (a package, or one grant with schema=GRANT_SCHEMA) against the 360Giving schemas. Returns the
    problems found, as readable lines; empty means valid.

    The schemas say dates are `oneOf` a date-time or a YYYY-MM-DD pattern, which only works when the "date-time"
    format is asserted (otherwise a plain date matches both branches), so formats are checked here. The package
    schema refers to the grant schema by a URL; a local registry resolves it to the local file.
    """
    grant_schema = json.loads((schema_dir / GRANT_SCHEMA).read_text(encoding="utf-8"))
    package_schema = json.loads((schema_dir / PACKAGE_SCHEMA).read_text(encoding="utf-8"))
    grant_resource = Resource(contents=grant_schema, specification=DRAFT202012)
    # The package names the grant schema by a URL that may differ in version from the grant schema's own $id.
    grant_urls = {grant_schema["$id"], package_schema["properties"]["grants"]["items"]["$ref"]}
    registry = Registry().with_resources((url, grant_resource) for url in grant_urls)
    checker = FormatChecker()
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("uri")(_is_uri)
    root = package_schema if schema == PACKAGE_SCHEMA else grant_schema
    validator = Draft202012Validator(root, registry=registry, format_checker=checker)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(package)'}: {error.message}"
        for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]
