"""The back office's date drill-down for long lists.

Django's `date_hierarchy` first lists the years that hold rows with `SELECT DISTINCT date_trunc('year', ...)` over
the whole table: a full scan of hundreds of thousands of rows on every visit to the list. This one lists every year
from the first date to the last (Django's own MIN/MAX, two index lookups on an indexed column), so a year with no
rows may be offered and then shows an empty list. Below the years (a year or a month chosen) it is Django's own."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db.models import Max, Min

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def date_hierarchy_by_range(cl):
    if not cl.date_hierarchy:
        return {"show": False}
    field_name = cl.date_hierarchy
    if any(key.startswith(f"{field_name}__") for key in cl.params):
        return date_hierarchy(cl)
    span = cl.queryset.aggregate(first=Min(field_name), last=Max(field_name))
    if not (span["first"] and span["last"]) or span["first"].year == span["last"].year:
        return date_hierarchy(cl)  # one year (or none): Django goes straight to its months
    return {
        "show": True,
        "back": None,
        "choices": [
            {"link": cl.get_query_string({f"{field_name}__year": str(year)}, [f"{field_name}__"]), "title": str(year)}
            for year in range(span["first"].year, span["last"].year + 1)
        ],
    }
