from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alignment_fund.access import second_factor_missing
from alignment_fund.health import broker_status, rates_status
from alignment_fund.models import User


@login_required
def home(request):
    """Send each user to their own home."""
    if second_factor_missing(request.user):
        return redirect("two_factor")
    role = request.user.role
    if role == User.Role.ADMINISTRATOR:
        return redirect("grants:portfolio")
    if role == User.Role.FUNDER:
        return redirect("funder:dashboard")
    if role == User.Role.RESEARCHER:
        return redirect("researcher:my_awards")
    return render(request, "no_role.html", status=200)


@require_GET
@never_cache
def healthz(request):
    """JSON on the database, the broker and the age of the newest exchange rate: 200 when healthy, 503 when not."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy, and we say which
        checks["database"] = {"ok": False, "error": str(exc)[:200]}
    checks["broker"] = broker_status()
    if checks["database"]["ok"]:
        try:
            checks["rates"] = rates_status()
        except Exception as exc:  # noqa: BLE001 - e.g. migrations not applied: unhealthy, not a 500
            checks["rates"] = {"ok": False, "error": str(exc)[:200]}
    else:
        checks["rates"] = {"ok": False, "error": "no database"}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks}, status=200 if healthy else 503)


def not_found(request, exception):
    """A 404 for a URL nothing answers: JSON under /api/ (`/api/awards/-1/`, `/api/awardz/`), as the API's own 404s
    are, so a client reads every answer of the API the same way; the site's page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
