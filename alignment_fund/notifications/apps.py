from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The durable outbox: every message is a row before it is mail, so nothing is sent twice or lost. It knows
    nothing of what the fund tells whom (that is `grants.notifications`)."""

    name = "alignment_fund.notifications"
    label = "notifications"
    verbose_name = "Notifications"
