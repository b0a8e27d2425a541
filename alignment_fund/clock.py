"""What "today" is for the fund. `FUND_TODAY` pins it (the demo, reproducible reports); otherwise London's date."""

from datetime import date

from django.conf import settings
from django.utils import timezone


def fund_today() -> date:
    if settings.FUND_TODAY:
        return date.fromisoformat(settings.FUND_TODAY)
    return timezone.localdate()


def fund_now():
    """The moment for the fund: now, on the fund's today. With `FUND_TODAY` pinned, that day at the current London
    time, so what is stamped (an offer accepted, a report uploaded) is never after the fund's own today."""
    now = timezone.localtime()
    if not settings.FUND_TODAY:
        return now
    return now.replace(year=fund_today().year, month=fund_today().month, day=fund_today().day)
