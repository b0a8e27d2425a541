"""Who is a fund administrator: one rule, used by the pages, the API, the exports, the querysets and the back office.

An administrator is a signed-in, active staff user. Everyone else who asks for an administrator's page gets a 404,
as if it did not exist: the fund's back pages are not advertised.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import reverse


def is_administrator(user) -> bool:
    """Signed in, active, staff, and (where STAFF_SECOND_FACTOR is on) past the second factor in this session."""
    staff = bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)
    return staff and not second_factor_missing(user)


def second_factor_missing(user) -> bool:
    """A staff member who still owes the second factor: such a session has no administrator's rights yet."""
    if not (settings.STAFF_SECOND_FACTOR and user is not None and user.is_authenticated and user.is_staff):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified is not None and is_verified())


def administrator_required(view):
    """Signed in (else to the sign-in page) and an administrator (else 404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if second_factor_missing(request.user):
            from django.contrib.auth.views import redirect_to_login  # not at import: the user model imports this module

            return redirect_to_login(request.get_full_path(), reverse("two_factor"))
        if not is_administrator(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper
