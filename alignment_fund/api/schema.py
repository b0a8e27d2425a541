"""The OpenAPI document at /api/schema/ lists every answer each operation can give, not only the successful one.

drf-spectacular documents the 200 or 201 it can see in a view; the refusals come from what the view is made of, so
they are added here, once, for every operation (settings: DEFAULT_SCHEMA_CLASS), rather than by each view:

- 400 where the request carries something to refuse: a body, or query parameters other than paging;
- 401 where signing in is required;
- 403 where a permission beyond signing in can say no to this method (the message is the permission's own);
- 404 where the path names a record, and for lists, whose pages can run out;
- 422 and the `Idempotency-Key` header on writes that honour the key (`idempotency.idempotent`).

A view can still document an answer itself with `extend_schema(responses=...)`: what it says comes first.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from alignment_fund.api.idempotency import IDEMPOTENCY_PARAMETER

PAGING = {"page", "page_size"}


class ErrorSerializer(serializers.Serializer):
    """Every refusal but a 400: one message."""

    detail = serializers.CharField()


class FieldErrorsSerializer(serializers.Serializer):
    """A 400: a message or messages for each field, query parameter or header at fault (documented below)."""


class FieldErrorsSchema(OpenApiSerializerExtension):
    target_class = FieldErrorsSerializer

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": "The messages for each field, query parameter or header at fault, under its name: "
            '`{"amount": ["..."]}`. `non_field_errors` holds those about the request as a whole; `detail` says why '
            "a body could not be read at all.",
            "additionalProperties": {
                "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            },
        }


def field_errors(description: str) -> OpenApiResponse:
    return OpenApiResponse(FieldErrorsSerializer, description=description)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


NOT_SIGNED_IN = error("Not signed in: send `Authorization: Token <key>` (from /api/token/) or a session cookie.")


class APISchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._idempotent():
            parameters = [*parameters, IDEMPOTENCY_PARAMETER]
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, response in self._errors(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _handler(self):
        action = getattr(self.view, "action", None) or self.method.lower()
        return getattr(self.view, action, None)

    def _idempotent(self) -> bool:
        return getattr(self._handler(), "idempotent", False)

    def _errors(self, operation: dict) -> dict[str, OpenApiResponse]:
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"}
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        permissions = self.view.get_permissions()
        errors = {}
        if "requestBody" in operation or query - PAGING:
            errors["400"] = field_errors(
                "Refused, with a message for each field at fault: nothing was recorded."
                if writes
                else "Refused, with a message for each query parameter at fault."
            )
        if any(isinstance(permission, IsAuthenticated) for permission in permissions):
            errors["401"] = NOT_SIGNED_IN
        refusals = [
            getattr(permission, "message", "This role cannot do this.")
            for permission in permissions
            if not isinstance(permission, IsAuthenticated)
            and getattr(permission, "refuses", lambda method: True)(self.method)
        ]
        if refusals:
            errors["403"] = error(" ".join(dict.fromkeys(refusals)))
        if any(p["in"] == "path" for p in parameters):
            errors["404"] = error("No such record, or not one you may see.")
        elif "page" in query:
            errors["404"] = error("No such page: the list has fewer.")
        if self._idempotent():
            errors["422"] = error("The Idempotency-Key was already used for a different request: nothing was recorded.")
        return errors
