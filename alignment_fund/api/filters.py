"""Query-string filters that say no to what they do not understand, rather than quietly not filtering."""

import re

import django_filters.rest_framework as filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.fields import ModelChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

# Ids are whole numbers of at most 18 digits, as in request bodies (`fields.IdField`): that fits every database's
# integer columns, so a longer number is refused here with a 400 rather than overflowing the query into a 500.
LARGEST_ID = 10**18 - 1
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}


def parse_id(value, noun: str) -> int:
    """An id from a query string: digits only (not 1.5, 1e3 or -1), from 1 to `LARGEST_ID`."""
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]+", text):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValidationError(f'Give the {noun}\'s id as a whole number, such as 12, not "{shown}".', code="invalid")
    digits = text.lstrip("0")
    if not digits or len(digits) > len(str(LARGEST_ID)):
        raise ValidationError(
            f"There is no {noun} with that id: ids are whole numbers from 1 to {LARGEST_ID}.", code="out_of_range"
        )
    return int(digits)


class IdFormField(forms.Field):
    def __init__(self, *, noun: str = "object", **kwargs):
        self.noun = noun
        super().__init__(**kwargs)

    def to_python(self, value) -> int | None:
        if value in self.empty_values:
            return None
        return parse_id(value, self.noun)


class ModelIdFormField(ModelChoiceField):
    """django-filter's model choice, reading the id strictly first and naming what was not found."""

    def __init__(self, *args, noun: str = "object", **kwargs):
        self.noun = noun
        kwargs.setdefault("error_messages", {"invalid_choice": f"There is no {noun} with that id."})
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return super().to_python(parse_id(value, self.noun))


@extend_schema_field(ID_SCHEMA)
class IdFilter(filters.Filter):
    """Rows whose foreign key is this id (`IdFilter(field_name="award_id", noun="award")`). An id that exists nowhere
    finds nothing; one that is not an id at all (1.5, 1e3, twenty digits) is a 400 naming the filter.

    django-filter's NumberFilter reads a decimal: 1.5 silently became id 1, and 1e19 reached the database and
    overflowed it."""

    field_class = IdFormField


@extend_schema_field(ID_SCHEMA)
class ModelIdFilter(filters.ModelChoiceFilter):
    """Rows related to this object, which must be one in `queryset` (another funder's id is refused like one that
    does not exist). Give `noun` for the messages: `ModelIdFilter(queryset=..., noun="round")`."""

    field_class = ModelIdFormField


class ISODateFilter(filters.DateFilter):
    """A date in a query string is YYYY-MM-DD only: 02/03/2026 is a different day either side of the Atlantic."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanChoiceFilter(filters.TypedChoiceFilter):
    """`true` or `false`. django-filter's BooleanFilter reads anything else as "no filter" and returns every row."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)
