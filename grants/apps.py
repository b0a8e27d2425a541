from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = "Fund, rounds and awards"

    def ready(self) -> None:
        from alignment_fund.rates.signals import rates_stored
        from grants.reads.remembered import code_digest

        code_digest()  # of the code as it is when the process starts, not as a deploy may leave it later

        # Summaries carry the rates they used: new rates mean a new snapshot.
        rates_stored.connect(_refresh_summaries, dispatch_uid="grants.refresh_summaries_on_new_rates")
        post_migrate.connect(_grant_app_role, sender=self, dispatch_uid="grants.grant_app_role")


def _refresh_summaries(sender, **kwargs) -> None:
    from grants.tasks import enqueue_summary_refresh

    enqueue_summary_refresh()


# Tables the running app may add to but never change or empty.
APPEND_ONLY_TABLES = ("grants_ledgertransaction", "grants_ledgerline", "grants_awardamendment")
# Tables the running app may only read: the database keeps them, by triggers (the ledger's day totals, the fund's
# version).
READ_ONLY_TABLES = ("grants_ledgerdaytotal", "grants_fundchange")


def _grant_app_role(sender, using="default", **kwargs) -> None:
    from django.apps import apps
    from django.conf import settings
    from django.db import connections

    from alignment_fund.db_roles import grant_app_role

    # Every record's history is append-only too (grants/migrations/0006): simple-history's models name their source.
    history = [m._meta.db_table for m in apps.get_models() if getattr(m, "instance_type", None) is not None]
    grant_app_role(connections[using], settings.DATABASE_APP_ROLE, [*APPEND_ONLY_TABLES, *history], READ_ONLY_TABLES)
