import secrets
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from alignment_fund.clock import fund_today
from alignment_fund.models import User
from alignment_fund.rates.models import ExchangeRate
from grants.demo import DEMO_USERS, DemoBuilder
from grants.demo.stress import replicate
from grants.models import Account, Award, LedgerLine
from grants.reads.position import pool_position
from projects.models import Fund


class Command(BaseCommand):
    help = (
        "Load the demo fund (The Alignment Project) if it is not there yet, set the demo accounts' password "
        "(DEMO_PASSWORD, or a generated one), and print the sign-ins. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print only the sign-ins.")
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Build N times the demo (N = 1000 is the stress size). On PostgreSQL the demo is built once through "
            "the fund's operations and copied N - 1 times in bulk (grants/demo/stress.py); on SQLite the whole fund "
            "is built through the operations, N times the size.",
        )

    def handle(self, *args, quiet=False, scale=1, **options):
        today = fund_today()
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        if Fund.objects.exists():
            self.stdout.write("The demo fund is already loaded; leaving its data as it is.")
        else:
            self.stdout.write(
                f"Building the demo fund as of {today:%d %b %Y}" + (f", {scale} times…" if scale > 1 else "…")
            )
            self._build(today, scale, None if quiet else self.stdout)
        password = settings_password()
        for username, _, _ in DEMO_USERS:
            user = User.objects.get(username=username)
            user.set_password(password["value"])
            user.save(update_fields=["password"])
        pool = pool_position(today)
        pledged = LedgerLine.objects.filter(transaction__occurred_on__lte=today).balance_by_currency(
            Account.FUNDER_CAPITAL
        )
        pledged_gbp = sum(
            (
                ExchangeRate.objects.quote(currency, "GBP", today).convert(-amount)
                for currency, amount in pledged.items()
            ),
            Decimal("0.00"),
        )
        lines = [
            "",
            f"The Alignment Project, as of {today:%-d %b %Y}: £{pledged_gbp:,.0f} pledged in all, "
            f"{Award.objects.count()} awards, headroom £{pool.headroom_gbp:,.0f} "
            f"(pool now £{pool.pool_gbp:,.0f} or ${pool.pool_usd:,.0f}; at today's reference rates).",
            "",
            "Open http://127.0.0.1:8000/ and sign in as:",
        ]
        lines += [f"  {username:<12} {note}" for username, _, note in DEMO_USERS]
        lines.append(
            f"  password     {password['value']}"
            + ("" if password["given"] else "  (generated; set DEMO_PASSWORD to choose one)")
        )
        lines.append(
            "Administrators can add a second factor (an authenticator app) from 'Second factor' in the top bar; "
            "with PRODUCTION=1 it is required."
        )
        self.stdout.write("\n".join(lines))

    @staticmethod
    @transaction.atomic
    def _build(today, scale: int, stdout) -> None:
        started = time.perf_counter()
        if scale > 1 and connection.vendor == "postgresql":
            DemoBuilder(today, stdout=stdout).build()
            replicate(scale - 1, stdout=stdout)
        else:
            DemoBuilder(today, stdout=stdout, scale=scale).build()
        if stdout is not None:
            stdout.write(f"Built in {time.perf_counter() - started:.0f} s.")


def settings_password() -> dict:
    import os

    given = os.environ.get("DEMO_PASSWORD", "")
    return {"value": given or secrets.token_urlsafe(10), "given": bool(given)}
