from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = "Fund, rounds and awards"

    def ready(self) -> None:
        from alignment_fund.rates.signals import rates_stored

        # Summaries carry the rates they used: new rates mean a new snapshot.
        rates_stored.connect(_refresh_summaries, dispatch_uid="grants.refresh_summaries_on_new_rates")


def _refresh_summaries(sender, **kwargs) -> None:
    from grants.tasks import enqueue_summary_refresh

    enqueue_summary_refresh()
