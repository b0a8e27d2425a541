"""What "today" is for the fund. `FUND_TODAY` pins it (the demo, reproducible reports); otherwise London's date."""

from datetime import date

from django.conf import settings
from django.utils import timezone


def fund_today() -> date:
    if settings.FUND_TODAY:
        return date.fromisoformat(settings.FUND_TODAY)
    return timezone.localdate()
