from collections.abc import Mapping

from django.core.exceptions import NON_FIELD_ERRORS
from rest_framework import serializers
from rest_framework.settings import api_settings


class InputSerializer(serializers.Serializer):
    """A request body: the fields it declares and nothing else.

    DRF ignores keys it does not know, so a misspelt `recieved_on` or a client-supplied `amount_currency` would be
    dropped silently and the write would go ahead on defaults. Here an unknown key is a 400 naming it.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            accepted = sorted(name for name, field in self.fields.items() if not field.read_only)
            unknown = sorted(set(data) - set(accepted))
            if unknown:
                raise serializers.ValidationError(
                    {key: [f"Unknown field. This request accepts: {', '.join(accepted)}."] for key in unknown}
                )
        return super().to_internal_value(data)


def field_errors(error_dict: dict, rename: Mapping[str, str] | None = None) -> dict:
    """A Django `message_dict` as DRF field errors: `__all__` becomes `non_field_errors`, and fields the request
    does not have under that name are renamed (the operation's `currency` is the request's `amount`)."""
    rename = {NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY, **(rename or {})}
    detail: dict[str, list[str]] = {}
    for field, messages in error_dict.items():
        detail.setdefault(rename.get(field, field), []).extend(messages)
    return detail
