"""Awards by round and by research area: awarded and disbursed on the portfolio, the summary snapshot, the
administrators' pool, each funder's pool overview and the API's pools; each round's headroom."""

from __future__ import annotations

from decimal import Decimal

from alignment_fund.money import total
from grants.reconcile.facts import ZERO, AwardFacts, Facts
from grants.reconcile.fund import API_POOL, POOL, PORTFOLIO, SNAPSHOT
from grants.reconcile.rows import Rows
from grants.reconcile.surfaces import Surfaces, amount


def _expected(groups: dict[str, list[AwardFacts]]) -> dict[str, dict[str, Decimal | int]]:
    return {
        label: {
            "awards": len(awards),
            "awarded": total(award.counted for award in awards),
            "disbursed": total(award.paid for award in awards),
        }
        for label, awards in groups.items()
    }


def check_groups(facts: Facts, surfaces: Surfaces, rows: Rows) -> None:
    expected = {"round": _expected(facts.by_round()), "research area": _expected(facts.by_area())}

    def check(kind: str, surface: str, shown: dict[str, dict], usd: bool = True, count: bool = True) -> None:
        for figure in ("awards", "awarded", "disbursed") if count else ("awarded", "disbursed"):
            want = {label: values[figure] for label, values in expected[kind].items()}
            got = {label: values[figure] for label, values in shown.items()}
            rows.each(f"{kind} {{}}: {figure}" + ("" if figure == "awards" else " (GBP)"), surface, want, got)
            if usd and figure != "awards":
                rows.each(
                    f"{kind} {{}}: {figure} (USD)",
                    surface,
                    {label: facts.usd(value) for label, value in want.items()},
                    {label: values[f"{figure} usd"] for label, values in shown.items()},
                )

    def pool_groups(groups) -> dict[str, dict]:
        return {
            group.label: {
                "awards": group.award_count,
                "awarded": group.awarded.gbp,
                "disbursed": group.disbursed.gbp,
                "awarded usd": group.awarded.usd,
                "disbursed usd": group.disbursed.usd,
            }
            for group in groups
        }

    def api_groups(groups: list[dict]) -> dict[str, dict]:
        return {
            group["label"]: {
                "awards": group["award_count"],
                "awarded": amount(group["awarded"]["gbp"]),
                "disbursed": amount(group["disbursed"]["gbp"]),
                "awarded usd": amount(group["awarded"]["usd"]),
                "disbursed usd": amount(group["disbursed"]["usd"]),
            }
            for group in groups
        }

    page = surfaces.portfolio
    check(
        "round",
        PORTFOLIO,
        {row.round.name: {"awarded": row.awarded_gbp, "disbursed": row.disbursed_gbp} for row in page.rounds},
        usd=False,
        count=False,
    )
    check(
        "research area",
        PORTFOLIO,
        {
            row.area.name: {"awards": row.award_count, "awarded": row.awarded_gbp, "disbursed": row.disbursed_gbp}
            for row in page.areas
        },
        usd=False,
    )
    snapshot = surfaces.snapshot
    check(
        "round",
        SNAPSHOT,
        {
            row["round"]: {
                "awarded": Decimal(row["awarded"]["GBP"]),
                "disbursed": Decimal(row["disbursed"]["GBP"]),
                "awarded usd": Decimal(row["awarded"]["USD"]),
                "disbursed usd": Decimal(row["disbursed"]["USD"]),
            }
            for row in snapshot["rounds"]
        },
        count=False,
    )
    # The snapshot gives each area what its awards' funders' parts add up to: the awards themselves.
    rows.each(
        "research area {}: attributed (GBP)",
        SNAPSHOT,
        {label: values["awarded"] for label, values in expected["research area"].items()},
        {row["research_area"]: Decimal(row["attributed"]["GBP"]) for row in snapshot["research_areas"]},
    )
    admin = surfaces.administrators_pool
    check("round", POOL, pool_groups(admin.rounds))
    check("research area", POOL, pool_groups(admin.areas))
    check("round", API_POOL, api_groups(surfaces.api_pool["rounds"]))
    check("research area", API_POOL, api_groups(surfaces.api_pool["research_areas"]))
    for funder in surfaces.funders:
        pool = surfaces.dashboards[funder.pk].pool
        check("round", f"{funder.name}'s pool overview", pool_groups(pool.rounds))
        check("research area", f"{funder.name}'s pool overview", pool_groups(pool.areas))
    for funder_id, answer in surfaces.api_contact_pools.items():
        surface = f"API /api/pool/ ({facts.funders[funder_id].name}'s contact)"
        check("round", surface, api_groups(answer["rounds"]))
        check("research area", surface, api_groups(answer["research_areas"]))
    check_round_headroom(facts, surfaces, rows)


def check_round_headroom(facts: Facts, surfaces: Surfaces, rows: Rows) -> None:
    """A round can award the lesser of the fund's headroom and what is left of its budget (never below nothing)."""
    fund_gbp, fund_usd = facts.headroom()
    awarded = {label: values["awarded"] for label, values in _expected(facts.by_round()).items()}
    expected_gbp, expected_usd = {}, {}
    for name, budget in facts.rounds:
        left = budget - awarded.get(name, ZERO) - facts.reserved_by_round.get(name, ZERO)
        expected_gbp[name] = max(ZERO, min(left, fund_gbp))
        # In dollars: the fund's own dollar figure when the fund is the limit, else the round's budget left.
        expected_usd[name] = (
            ZERO if expected_gbp[name] == ZERO else fund_usd if expected_gbp[name] == fund_gbp else facts.usd(left)
        )
    rows.each(
        "round {}: headroom (GBP)",
        PORTFOLIO,
        expected_gbp,
        {r.round.name: r.headroom_gbp for r in surfaces.portfolio.rounds},
    )
    snapshot = surfaces.snapshot["rounds"]
    rows.each(
        "round {}: headroom (GBP)",
        SNAPSHOT,
        expected_gbp,
        {r["round"]: Decimal(r["headroom"]["GBP"]) for r in snapshot},
    )
    rows.each(
        "round {}: headroom (USD)",
        SNAPSHOT,
        expected_usd,
        {r["round"]: Decimal(r["headroom"]["USD"]) for r in snapshot},
    )
