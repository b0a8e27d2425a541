"""Who is a fund administrator: one rule, used by the pages, the API, the exports, the querysets and the back office.

An administrator is a signed-in, active staff user. Everyone else who asks for an administrator's page gets a 404,
as if it did not exist: the fund's back pages are not advertised.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def is_administrator(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def administrator_required(view):
    """Signed in (else to the sign-in page) and an administrator (else 404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_administrator(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper
