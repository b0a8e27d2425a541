"""`make bench`'s measurements of the fund in this database (build it first with `seed_demo --scale N`).

Every page is timed against a trivial signed-in page (the password change form) in the same run, interleaved, so
the figures are ratios a busy machine does not distort; each page's SQL queries are counted. The allocation summary
job is timed against a raw SQL GROUP BY over the same rows; the exports for their first bytes, their whole time and
the peak memory of a process that writes them; the pledge import in rows a second. Results are printed and kept in
`var/bench/<label>.json`; `bench --table` prints every label's figures side by side. Nothing is asserted: these are
figures to read, not tests.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment_fund.clock import fund_today
from alignment_fund.models import User
from alignment_fund.spreadsheets.reading import Row, Table
from funders.models import Funder, Pledge, Receipt
from grants.imports.pledges import import_pledges
from grants.models import Award
from grants.reads.pages import warm_pages
from grants.reads.remembered import forget
from grants.reads.snapshots import build_summary
from projects.models import Round

OUT = Path(settings.BASE_DIR) / "var" / "bench"
AFTER_A_CHANGE = ", first visit after a change"  # nothing remembered, in memory or in the database
KEPT = ", first visit, kept by the worker"  # after a change, nothing in memory: read from the database
FORGETTING = (AFTER_A_CHANGE, KEPT)
SLOW = 4.0  # a page slower than this many seconds is timed once, not `repeat` times


def pages() -> list[tuple[str, str, str]]:
    """(label, who, url) of every page measured; the first is the trivial page the others are compared with."""
    round_ = Round.objects.order_by("number").first()
    award = Award.objects.order_by("pk").first()
    today = fund_today()
    pledge_funder = Pledge.objects.order_by("-pk").values_list("funder_id", flat=True).first()
    receipt_funder = (
        Receipt.objects.exclude(amount_currency="GBP")
        .order_by("-pk")
        .values_list("pledge__funder_id", flat=True)
        .first()
    )
    remembering = [
        ("/portfolio/", "admin", reverse("grants:portfolio")),
        ("/funder/ (OpenAI)", "openai", reverse("funder:dashboard")),
        ("calendar", "admin", reverse("grants:calendar")),
    ]
    return [
        ("password change (trivial)", "admin", reverse("password_change")),
        *remembering,
        (
            "calendar, this month's payments",
            "admin",
            reverse("grants:calendar_month", args=[f"{today:%Y}", f"{today:%m}"]),
        ),
        ("round page", "admin", reverse("grants:round", args=[round_.pk])),
        ("waitlist", "admin", reverse("grants:waitlist")),
        ("award page", "admin", reverse("grants:award", args=[award.pk])),
        ("funder CSV statement", "openai", reverse("funder:statement")),
        ("/api/attributions/ first page", "admin", "/api/attributions/"),
        ("/api/awards/ first page", "admin", "/api/awards/"),
        ("admin awards changelist", "admin", reverse("admin:grants_award_changelist")),
        ("admin funders changelist", "admin", reverse("admin:funders_funder_changelist")),
        ("admin ledger changelist", "admin", reverse("admin:grants_ledgertransaction_changelist")),
        ("receipt form", "admin", reverse("grants:record_receipt")),
        ("conversion form", "admin", reverse("grants:record_conversion")),
        # Scoped to a funder: the newest pledge's, and the newest receipt of foreign cash's.
        ("receipt form for a funder", "admin", reverse("grants:record_receipt") + f"?funder={pledge_funder}"),
        ("conversion form for a funder", "admin", reverse("grants:record_conversion") + f"?funder={receipt_funder}"),
        ("admin receipt add", "admin", reverse("admin:funders_receipt_add")),
        ("admin conversion add", "admin", reverse("admin:funders_conversion_add")),
        # The pages that remember figures per version of the fund, on the first visit after a change: nothing
        # remembered, every figure worked out from the records (grants.reads.remembered).
        *((f"{name}{AFTER_A_CHANGE}", who, url) for name, who, url in remembering),
        *((f"{name}{KEPT}", who, url) for name, who, url in remembering),
    ]


def fetch(client: Client, url: str, label: str = "") -> tuple[float, int, int]:
    """(seconds, queries, status) of one request, its streamed body read to the end; a first visit after a change
    starts with nothing remembered."""
    if label.endswith(FORGETTING):
        forget(kept_too=label.endswith(AFTER_A_CHANGE))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            for _ in response.streaming_content:
                pass
        seconds = time.perf_counter() - started
    return seconds, len(queries), response.status_code


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Measure the pages, the summary job, the exports and the import on this database (see `make bench`)."

    def add_arguments(self, parser):
        parser.add_argument("--label", default="", help="The size measured, e.g. 1x, 10x, stress.")
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--import-rows", type=int, default=1000, help="Pledge rows imported (0: skip).")
        parser.add_argument("--skip-exports", action="store_true", help="Do not time the exports.")
        parser.add_argument("--table", action="store_true", help="Print every label's saved figures side by side.")
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="TEXT",
            help="Measure only the pages and jobs whose label contains TEXT (repeatable; the trivial page is always"
            " measured); the figures are printed, not saved.",
        )

    def handle(self, *args, label="", repeat=7, table=False, only=(), **options):
        if table:
            return self.print_table()
        label = label or f"{Award.objects.count()} awards"
        results = {"label": label, "awards": Award.objects.count(), "pages": {}, "jobs": {}}
        clients = {}
        for username in ("admin", "openai"):
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        measured = pages()
        wanted = list(only)
        if wanted:
            measured = measured[:1] + [page for page in measured[1:] if any(part in page[0] for part in wanted)]
        times: dict[str, list[float]] = {name: [] for name, _, _ in measured}
        counts: dict[str, int] = {}
        # The first visits after a change forget every remembered figure: they are measured after the others, and the
        # visits that find the figures the worker kept after them, once it has (`warm_pages`, as the summary job).
        groups = (
            [page for page in measured if not page[0].endswith(FORGETTING)],
            [page for page in measured if page[0].endswith(AFTER_A_CHANGE)],
            [page for page in measured if page[0].endswith(KEPT)],
        )
        for group in groups:
            if group and group is groups[-1]:
                warm_pages(fund_today())
            for name, who, url in group:  # warm up, and find the slow ones
                seconds, counts[name], status = fetch(clients[who], url, name)
                if status != 200:
                    self.stderr.write(f"{name}: HTTP {status}")
                times[name].append(seconds)
            for _ in range(repeat - 1):
                for name, who, url in group:
                    if times[name][0] < SLOW:
                        seconds, counts[name], _ = fetch(clients[who], url, name)  # the count of a visit like the rest
                        times[name].append(seconds)
        trivial = statistics.median(times[measured[0][0]])
        for name, _, _ in measured:
            p50 = statistics.median(times[name])
            results["pages"][name] = {
                "p50": p50,
                "p95": percentile(times[name], 0.95),
                "ratio": p50 / trivial,
                "queries": counts[name],
                "runs": len(times[name]),
            }
            self.stdout.write(
                f"{label:>8} {name:<50} p50 {p50 * 1000:9.1f} ms  p95 {percentile(times[name], 0.95) * 1000:9.1f} ms"
                f"  {p50 / trivial:8.1f}×  {counts[name]:3} queries"
            )
        results["jobs"] = self.jobs(
            options["import_rows"],
            not options["skip_exports"],
            lambda name: not wanted or any(p in name for p in wanted),
        )
        if not wanted or any(part in "funder CSV statement, streamed" for part in wanted):
            results["jobs"]["funder CSV statement, streamed"] = self.download(
                clients["openai"], reverse("funder:statement")
            )
        for name, figures in results["jobs"].items():
            self.stdout.write(f"{label:>8} {name:<50} {figures}")
        if wanted:  # a partial run would hide this label's other figures from `--table`
            return
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{label}.json").write_text(json.dumps(results, indent=2))

    def jobs(self, import_rows: int, exports: bool = True, wanted=lambda name: True) -> dict:
        today = fund_today()
        jobs = {}
        if wanted("refresh_allocation_summaries"):
            jobs["refresh_allocation_summaries"] = self.summary_job(today)
        for name, code in (
            {}
            if not exports
            else {
                "360Giving JSON": "from grants.exports.streaming import stream; pieces = stream('json')",
                "360Giving CSV": "from grants.exports.streaming import stream; pieces = stream('csv')",
                "ledger CSV": "from grants.exports.ledger_csv import iter_ledger_csv; pieces = iter_ledger_csv()",
            }.items()
        ):
            if wanted(name):
                jobs[name] = self.export(code)
        if import_rows and wanted("import_pledges"):
            jobs["import_pledges"] = self.import_rate(import_rows)
        return jobs

    @staticmethod
    def download(client, url: str, repeat: int = 3) -> dict:
        """A streamed download as its reader gets it: the median seconds to its first piece and to its end."""
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            pieces = iter(client.get(url).streaming_content)
            size = len(next(pieces, b""))
            first = time.perf_counter() - started
            size += sum(len(piece) for piece in pieces)
            runs.append((first, time.perf_counter() - started, size))
        return {
            "first_piece_seconds": statistics.median(run[0] for run in runs),
            "seconds": statistics.median(run[1] for run in runs),
            "megabytes": runs[-1][2] / 1e6,
        }

    @staticmethod
    def summary_job(today) -> dict:
        """The allocation summary's time against a raw SQL GROUP BY over the same rows."""
        started = time.perf_counter()
        build_summary(today)
        summary = time.perf_counter() - started
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for group in ("f.name, f.disclose_amounts", "ra.name"):
                cursor.execute(
                    f"SELECT {group}, sum(a.amount) FROM grants_awardattribution a "  # noqa: S608
                    "JOIN grants_award w ON w.id = a.award_id JOIN funders_funder f ON f.id = a.funder_id "
                    "JOIN projects_project p ON p.id = w.project_id "
                    "JOIN projects_researcharea ra ON ra.id = p.research_area_id "
                    f"WHERE w.awarded_on <= %s GROUP BY {group}",
                    [today],
                )
                cursor.fetchall()
            cursor.execute(  # the ledger's balances, from the day totals the summary's pool position reads
                "SELECT account, currency, sum(hundredths) FROM grants_ledgerdaytotal WHERE occurred_on <= %s "
                "GROUP BY account, currency",
                [today],
            )
            cursor.fetchall()
        raw = time.perf_counter() - started
        return {"seconds": summary, "raw_sql_seconds": raw, "ratio": summary / raw}

    @staticmethod
    def export(code: str) -> dict:
        """Run an export in its own process, writing nowhere: seconds to the first piece, in all, and peak RSS."""
        script = (
            "import django, os, resource, time, json; django.setup(); t = time.perf_counter(); " + code + "; "
            "first = None; size = 0\n"
            "for piece in pieces:\n"
            "    first = first or time.perf_counter() - t; size += len(piece)\n"
            "print(json.dumps({'first_piece_seconds': first, 'seconds': time.perf_counter() - t, 'megabytes': "
            "size / 1e6, 'peak_rss_mb': int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024}))"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "alignment_fund.settings"},
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    @staticmethod
    def import_rate(count: int) -> dict:
        """`count` pledges with a receipt each, checked and written through the actions, then rolled back."""
        funders = list(Funder.objects.filter(disclose_amounts=True).order_by("pk").values_list("slug", "currency"))
        headers = ["Funder", "Pledge reference", "Amount", "Currency", "Pledged on"]
        headers += ["Receipt bank reference", "Receipt amount", "Received on"]
        rows = []
        for n in range(count):
            slug, currency = funders[n % len(funders)]
            values = [slug, f"BENCH-{n}", "1000.00", currency, "2026-09-30", f"BENCH-BANK-{n}", "250.00", "2026-10-01"]
            rows.append(Row(n + 2, dict(zip(headers, values, strict=True))))
        admin = User.objects.get(username="admin")
        started = time.perf_counter()
        report = import_pledges(Table(headers, rows), actor=admin, dry_run=True)
        seconds = time.perf_counter() - started
        return {"rows": count, "seconds": seconds, "rows_per_second": count / seconds, "ok": report.ok}

    def print_table(self) -> None:
        saved = [json.loads(path.read_text()) for path in sorted(OUT.glob("*.json"), key=lambda p: p.stat().st_mtime)]
        if not saved:
            self.stdout.write("No figures yet: run `make bench`.")
            return
        labels = [run["label"] for run in saved]
        self.stdout.write("| page | " + " | ".join(f"{label}: p50 / p95 ms, ratio, queries" for label in labels) + " |")
        self.stdout.write("| --- |" + " --- |" * len(labels))
        for name in saved[0]["pages"]:
            cells = []
            for run in saved:
                page = run["pages"].get(name)
                cells.append(
                    f"{page['p50'] * 1000:,.0f} / {page['p95'] * 1000:,.0f}, {page['ratio']:.1f}×, {page['queries']}"
                    if page
                    else ""
                )
            self.stdout.write(f"| {name} | " + " | ".join(cells) + " |")
        for name in saved[0]["jobs"]:
            cells = []
            for run in saved:
                job = run["jobs"].get(name, {})
                cells.append(
                    ", ".join(
                        f"{key} {value:,.2f}" if isinstance(value, float) else f"{key} {value}"
                        for key, value in job.items()
                    )
                )
            self.stdout.write(f"| {name} | " + " | ".join(cells) + " |")
