"""Query-string filters that say no to what they do not understand, rather than quietly not filtering."""

import django_filters.rest_framework as filters


class ISODateFilter(filters.DateFilter):
    """A date in a query string is YYYY-MM-DD only: 02/03/2026 is a different day either side of the Atlantic."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(*args, **kwargs)


class BooleanChoiceFilter(filters.TypedChoiceFilter):
    """`true` or `false`. django-filter's BooleanFilter reads anything else as "no filter" and returns every row."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)
