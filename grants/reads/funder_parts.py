"""A funder's parts of the awards its money supports, worked out in SQL: the fixed part of each award and the funder's
part of the payments made on it by a date, for pages that add them up (the dashboard's totals by round and research
area, the statement's positions) and for downloads that stream them one award after another.

The funder's part of an award's payments follows the attribution policy of `grants.reads.attribution.split_among_funders`
(largest remainders, to the penny): the disclosed funders and the private ones as one group are split first, the group
counted as the award less the disclosed parts; then the group's part is split among its members. Here it is done in
pennies, as whole numbers, so the database gets exactly what Python's `split_pro_rata` gets: every part is rounded down
first, then the pennies left over go one each to the largest remainders (ties to the lower funder id, the private group
last). `tests/grants/test_funder_parts.py` holds the two to the same answers. A disclosed funder's part never depends on
how the private funders' share is divided among them.

`award_parts_sql(funder, on, prefix)` gives the common table expressions and their parameters; its last one,
`<prefix>awards`, has one row per award the funder's money supports on `on`, with whole pennies:
award, reference, title, awarded_on, round_name, area_name, sort_key, amount (the funder's part), whole (the award),
paid (the funder's part of its payments), terminated (ended by `on` by its status), standing (what the ledger holds
awarded on `on`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connections, router
from django.db.models import BooleanField, CharField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Cast, Concat

from alignment_fund.money import BASE_CURRENCY
from funders.models import Funder
from grants.models import Account, AwardAttribution, Disbursement, LedgerLine
from grants.models.awards import terminated_by

PENNY = Decimal("0.01")


def pounds(pennies: int | None) -> Decimal:
    """Whole pennies from SQL as an amount in pounds, exactly."""
    return Decimal(int(pennies or 0)) * PENNY


def _pennies(column: str) -> str:
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


def _ahead(units: str, weight: str, whole: str, own: str) -> str:
    """Whether a row's remainder comes before the viewer's: larger, or equal and of a lower funder id (the viewer's
    id is the next parameter). Rows with the same remainder as the viewer's share its floor's rounding."""
    rem, own_rem = f"({units} * {weight}) %% {whole}", f"({units} * {own}) %% {whole}"
    return f"{rem} > {own_rem} OR ({rem} = {own_rem} AND funder < %s)"


def award_parts_sql(funder: Funder, on: date, prefix: str = "") -> tuple[list[tuple[str, str]], list]:
    """The common table expressions (name, SQL) and their parameters for the funder's parts on `on` (see the module)."""
    mine = (
        AwardAttribution.objects.filter(funder=funder, award__awarded_on__lte=on)
        .annotate(
            m_award=F("award_id"),
            m_reference=F("award__reference"),
            m_title=F("award__project__title"),
            m_awarded_on=F("award__awarded_on"),
            m_round=F("award__round__name"),
            m_area=F("award__project__research_area__name"),
            m_sort=Concat(Cast("award__awarded_on", CharField()), Value(" "), "award__reference"),
            m_amount=F("amount"),
            m_whole=F("award__amount"),
            m_terminated=ExpressionWrapper(Q(terminated_by(on, "award__")), output_field=BooleanField()),
        )
        .values(
            "m_award",
            "m_reference",
            "m_title",
            "m_awarded_on",
            "m_round",
            "m_area",
            "m_sort",
            "m_amount",
            "m_whole",
            "m_terminated",
        )
        .order_by()
    )
    paid = Disbursement.objects.filter(paid_on__lte=on, amount_currency=BASE_CURRENCY).values("award_id", "amount")
    weights = AwardAttribution.objects.annotate(
        w_award=F("award_id"), w_funder=F("funder_id"), w_open=F("funder__disclose_amounts"), w_amount=F("amount")
    ).values("w_award", "w_funder", "w_open", "w_amount")
    standing = (
        LedgerLine.objects.filter(
            account=Account.GRANTS_AWARDED, amount_currency=BASE_CURRENCY, transaction__occurred_on__lte=on
        )
        .annotate(s_award=F("award_id"), s_amount=F("amount"))
        .values("s_award", "s_amount")
    )
    params: list = []
    ctes = []
    for name, queryset in (("mine", mine), ("paid_q", paid), ("weights_q", weights), ("standing_q", standing)):
        sql, query_params = queryset.order_by().query.get_compiler(using=database()).as_sql()
        ctes.append((f"{prefix}{name}", sql))
        params.extend(query_params)
    p = prefix
    ctes += [
        (
            f"{p}paid",
            f"SELECT d.award_id AS award, {_pennies('SUM(d.amount)')} AS units FROM {p}paid_q d "
            f"JOIN {p}mine m ON m.m_award = d.award_id GROUP BY d.award_id",
        ),
        (
            f"{p}standing",
            f"SELECT s.s_award AS award, {_pennies('SUM(s.s_amount)')} AS amount FROM {p}standing_q s "
            f"JOIN {p}mine m ON m.m_award = s.s_award GROUP BY s.s_award",
        ),
        # The viewer's own weight on each of its awards with payments, and every funder's weight on those awards.
        (
            f"{p}viewer",
            f"SELECT m.m_award AS award, {_pennies('m.m_amount')} AS own, {_pennies('m.m_whole')} AS whole, pd.units "
            f"FROM {p}mine m JOIN {p}paid pd ON pd.award = m.m_award WHERE pd.units > 0 AND m.m_whole > 0",
        ),
        (
            f"{p}others",
            f"SELECT v.award, w.w_funder AS funder, w.w_open AS open, {_pennies('w.w_amount')} AS weight, v.units, "
            f"v.whole, v.own FROM {p}weights_q w JOIN {p}viewer v ON v.award = w.w_award",
        ),
        (
            f"{p}split1",
            "SELECT award, MAX(units) AS units, MAX(whole) AS whole, MAX(own) AS own, "
            "CAST(SUM(CASE WHEN open THEN units * weight / whole ELSE 0 END) AS BIGINT) AS floors, "
            "CAST(SUM(CASE WHEN open THEN weight ELSE 0 END) AS BIGINT) AS open_weight, "
            "CAST(SUM(CASE WHEN open THEN 0 ELSE weight END) AS BIGINT) AS private_weight, "
            f"CAST(SUM(CASE WHEN open AND ({_ahead('units', 'weight', 'whole', 'own')}) THEN 1 ELSE 0 END) AS BIGINT) "
            f"AS ahead FROM {p}others GROUP BY award",
        ),
    ]
    params.append(funder.pk)
    # The private group's weight is the award less the disclosed parts; it comes last among equal remainders.
    group = "(s.whole - s.open_weight)"
    group_floor = f"s.units * {group} / s.whole"
    group_rem = f"(s.units * {group}) %% s.whole"
    if funder.disclose_amounts:
        own_rem = "(s.units * s.own) %% s.whole"
        ctes.append(
            (
                f"{p}parts",
                f"SELECT s.award, s.units * s.own / s.whole + CASE WHEN s.ahead + "
                f"CASE WHEN {group_rem} > {own_rem} THEN 1 ELSE 0 END + 1 "
                f"<= s.units - s.floors - {group_floor} THEN 1 ELSE 0 END AS part FROM {p}split1 s",
            )
        )
    else:
        ctes += [
            (
                f"{p}group1",
                f"SELECT s.award, s.own, s.private_weight, {group_floor} + CASE WHEN 1 + CAST(SUM(CASE WHEN o.open "
                f"AND (s.units * o.weight) %% s.whole >= {group_rem} THEN 1 ELSE 0 END) AS BIGINT) "
                f"<= s.units - s.floors - {group_floor} THEN 1 ELSE 0 END AS units "
                f"FROM {p}split1 s JOIN {p}others o ON o.award = s.award WHERE s.private_weight > 0 "
                "GROUP BY s.award, s.own, s.private_weight, s.units, s.whole, s.open_weight, s.floors",
            ),
            (
                f"{p}parts",
                "SELECT g.award, g.units * g.own / g.private_weight + CASE WHEN 1 + CAST(SUM(CASE WHEN NOT o.open "
                f"AND ({_ahead('g.units', 'o.weight', 'g.private_weight', 'g.own')}) THEN 1 ELSE 0 END) AS BIGINT) "
                "<= g.units - CAST(SUM(CASE WHEN o.open THEN 0 ELSE g.units * o.weight / g.private_weight END) "
                f"AS BIGINT) THEN 1 ELSE 0 END AS part FROM {p}group1 g JOIN {p}others o ON o.award = g.award "
                "GROUP BY g.award, g.units, g.own, g.private_weight",
            ),
        ]
        params.append(funder.pk)
    ctes += [
        (
            f"{p}awards",
            f"SELECT m.m_award AS award, m.m_reference AS reference, m.m_title AS title, m.m_awarded_on AS awarded_on, "
            f"m.m_round AS round_name, m.m_area AS area_name, m.m_sort AS sort_key, "
            f"{_pennies('m.m_amount')} AS amount, {_pennies('m.m_whole')} AS whole, COALESCE(pt.part, 0) AS paid, "
            f"m.m_terminated AS terminated, COALESCE(s.amount, 0) AS standing "
            f"FROM {p}mine m LEFT JOIN {p}parts pt ON pt.award = m.m_award "
            f"LEFT JOIN {p}standing s ON s.award = m.m_award",
        ),
    ]
    return ctes, params


def with_clause(*pieces: tuple[list[tuple[str, str]], list]) -> tuple[str, list]:
    """One WITH clause of several `award_parts_sql` answers (each with its own prefix), and their parameters."""
    ctes = [cte for piece in pieces for cte in piece[0]]
    params = [param for piece in pieces for param in piece[1]]
    return "WITH " + ", ".join(f"{name} AS ({sql})" for name, sql in ctes), params


def database() -> str:
    """Where these reads go: the read replica for a page or download when there is one (alignment_fund.db_router)."""
    return router.db_for_read(AwardAttribution)


def fetch(sql: str, params: list) -> list[tuple]:
    with connections[database()].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def support_by_group(funder: Funder, on: date) -> list[tuple]:
    """The funder's parts added up in SQL by round and research area: (round name, area name, first award's date,
    first award's sort key, awards, supported, paid, committed), amounts in whole pennies. An award that ended early
    supports what was paid on it and has nothing committed. One query."""
    sql, params = with_clause(award_parts_sql(funder, on))
    return fetch(
        sql + " SELECT round_name, area_name, MIN(awarded_on), MIN(sort_key), COUNT(*), "
        "SUM(CASE WHEN terminated THEN paid ELSE amount END), SUM(paid), "
        "SUM(CASE WHEN terminated THEN 0 ELSE amount - paid END) FROM awards GROUP BY round_name, area_name",
        params,
    )


def paid_parts(funder: Funder, on: date) -> dict[int, Decimal]:
    """The funder's part of each award's payments by `on`, {award id: amount}, as its dashboard adds them up."""
    sql, params = with_clause(award_parts_sql(funder, on))
    return {award: pounds(paid) for award, paid in fetch(sql + " SELECT award, paid FROM awards", params)}
