from __future__ import annotations

from collections.abc import Callable, Mapping

from csp.decorators import csp_update
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from alignment_fund.api.authentication import VerifiedTokenAuthentication
from alignment_fund.api.pagination import Pagination
from alignment_fund.api.parsers import JSONParser
from alignment_fund.api.serializers import field_errors


class APIViewSet(viewsets.GenericViewSet):
    """The base of every endpoint: JSON in and out, token or session sign-in, pages of 50.

    Token authentication comes first so that a request without credentials is answered 401 with a
    `WWW-Authenticate: Token` challenge (session authentication alone can only answer 403).
    """

    authentication_classes = [VerifiedTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    pagination_class = Pagination
    lookup_value_regex = "[0-9]+"

    def filter_queryset(self, queryset):
        # The filters are the list's, and documented there: a record named by its id is that record whatever the
        # query string says (DRF would apply them to it too, and answer an undocumented 400 or a 404).
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def validated(self, input_serializer: type[serializers.Serializer]) -> dict:
        """The request body checked by `input_serializer`: its validated data, or a 400 with field errors."""
        serializer = input_serializer(data=self.request.data, context=self.get_serializer_context())
        if not serializer.is_valid():
            raise serializers.ValidationError(flat_errors(serializer.errors))
        return dict(serializer.validated_data)

    def created(self, obj) -> Response:
        """201 with the new record as a reader sees it, read back through the same scoped query as the list."""
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def updated(self, obj) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data)


def flat_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """Field errors one level deep, as the schema documents them: a nested list's errors are named by their path
    (`instalments.1.amount`), so every value is a list of messages."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            flat.update(flat_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        if errors:
            flat[prefix or "non_field_errors"] = [str(item) for item in errors]
    elif isinstance(errors, list):
        for index, item in enumerate(errors):
            flat.update(flat_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [str(errors)]
    return flat


def run_action(action: Callable, *args, rename: Mapping[str, str] | None = None, **kwargs):
    """Call one of the fund's operations (grants.actions.do_*) and turn its refusal into a 400 with field errors.

    The operations raise `ActionError`, a Django ValidationError with a message per field, and have then written
    nothing; DRF would answer a Django ValidationError with a 500.
    """
    try:
        return action(*args, **kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise serializers.ValidationError(field_errors(exc.message_dict, rename)) from exc
        raise serializers.ValidationError({"non_field_errors": exc.messages}) from exc


# The one inline <style> of drf-spectacular's Swagger UI page, allowed by its hash on that page only. The page itself
# loads its scripts from our origin (the sidecar's static files, then its own start-up script at ?script=). Recheck
# the hash when drf-spectacular is upgraded: tests/api/test_schema.py computes it from the page.
DOCS_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"

docs = csp_update({"style-src": [DOCS_STYLE_HASH]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))
