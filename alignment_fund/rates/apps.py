from django.apps import AppConfig


class RatesConfig(AppConfig):
    """Reference exchange rates: a leaf that values money and knows nothing of funders, projects or awards."""

    name = "alignment_fund.rates"
    label = "rates"
    verbose_name = "Reference exchange rates"
