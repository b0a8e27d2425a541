"""Publishing the fund's awards as 360Giving open data (https://standard.threesixtygiving.org/).

One grant per award that stands (terminated awards are left out). The package is built once, as plain data, and
written either as 360Giving JSON or as a flat CSV with the standard's column titles, so the two can never disagree
about what is published.

What is published, and why:

- `id` is `<GRANTNAV_PREFIX>-<award reference>`; the prefix is the publisher's registered 360G- prefix.
- The recipient is the lead's institution, with its org-id when known and otherwise a stable identifier under our
  prefix. An independent researcher is a `recipientIndividual` with a pseudonymous identifier and the generic name
  the standard recommends ("Individual Recipient"): a person's name is personal data and is never published.
- `fundingOrganization` lists the organisation that administers the fund, then the co-funders behind the award's
  attribution that have agreed to both public naming and disclosure of their amounts. Nothing about the others is
  written, not even that they exist.
- `plannedDates` runs from the award date to the last milestone's due date; one `disbursementTransaction` per payment.
- No `regrantType`: the codes describe grants made *to* a grantmaker for onward granting (FRG040 "Funder
  collaboration" fits the funders' contributions to this pool), and publishers use it to set such grants aside so
  money is not counted twice. These awards go to end recipients, so they carry none.

Money is exact: amounts are `Decimal` and are written as JSON numbers with the same digits (300000.00), never via
float.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils.text import slugify

from alignment_fund.clock import fund_today
from alignment_fund.countries import country_name, is_country_code
from alignment_fund.money import BASE_CURRENCY, round_money
from alignment_fund.spreadsheet_safety import neutralise_row
from grants.models import Award, AwardAttribution, Disbursement
from projects.models import Fund

SCHEMA_VERSION = "1.4"
OPEN_GOVERNMENT_LICENCE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
INDIVIDUAL_NAME = "Individual Recipient"
CHUNK = 1000  # awards read (and prefetched) at a time


class NothingToPublish(Exception):
    """A 360Giving package needs at least one grant."""


def prefix() -> str:
    """The publisher's 360Giving prefix, e.g. 360G-alignmentfund (the settings value may omit the '360G-')."""
    value = settings.GRANTNAV_PREFIX.strip().rstrip("-")
    return value if value.startswith("360G-") else f"360G-{value}"


def grant_identifier(award: Award) -> str:
    return f"{prefix()}-{award.reference}"


def _local_org_id(kind: str, name: str) -> str:
    return f"{prefix()}-{kind}-{slugify(name) or 'unnamed'}"


def awards_to_publish():
    """Every award that stands, with everything a grant needs in a fixed number of queries."""
    disclosed = AwardAttribution.objects.filter(
        funder__disclose_amounts=True, funder__publicly_named=True
    ).select_related("funder")
    return (
        Award.objects.live()
        .select_related("project__research_area", "round__fund")
        .prefetch_related(
            "milestones",
            # A join, not a prefetch: Django prefetches a forward one-to-one as one OR per row on SQLite, which
            # fails past about a thousand payments ("Expression tree is too large").
            Prefetch("disbursements", queryset=Disbursement.objects.select_related("milestone")),
            Prefetch("attributions", queryset=disclosed, to_attr="disclosed_attributions"),
        )
        .order_by("awarded_on", "reference")
    )


def build_package(awards: Iterable[Award] | None = None) -> dict[str, Any]:
    """The 360Giving data package: metadata and one grant per award, in memory (the reconciliation and the tests;
    the downloads stream the same thing with `stream`). Dates are the fund's today, so an export is
    reproducible."""
    grants = list(iter_grants(awards))
    if not grants:
        raise NothingToPublish("There are no awards to publish yet.")
    return {**package_metadata(), "grants": grants}


def iter_grants(awards: Iterable[Award] | None = None) -> Iterator[dict[str, Any]]:
    """One grant after another, the awards read a chunk at a time (each chunk with its prefetches), so the whole
    export is never in memory."""
    for award in awards_to_publish().iterator(chunk_size=CHUNK) if awards is None else awards:
        yield build_grant(award)


def package_metadata() -> dict[str, Any]:
    """Everything in the package but its grants."""
    fund = Fund.current()
    today = fund_today().isoformat()
    publisher: dict[str, Any] = {"name": fund.administered_by}
    if fund.administrator_org_id:
        publisher["identifier"] = fund.administrator_org_id
    if fund.website:
        publisher["website"] = fund.website
    return {
        "version": SCHEMA_VERSION,
        "title": f"{fund.name}: grants awarded",
        "description": (
            f"Grants awarded by {fund.name}, a pooled research fund administered by {fund.administered_by}. "
            "Co-funders are named where they have agreed to public disclosure. Amounts are in pounds sterling."
        ),
        "identifier": f"{prefix()}-{today}",
        "issued": today,
        "modified": today,
        "publisher": publisher,
        "license": getattr(settings, "GRANTNAV_LICENSE", OPEN_GOVERNMENT_LICENCE),
    }


def build_grant(award: Award) -> dict[str, Any]:
    project = award.project
    round_ = award.round
    fund = round_.fund
    identifier = grant_identifier(award)
    milestones = sorted(award.milestones.all(), key=lambda milestone: (milestone.due_on, milestone.number))
    payments = sorted(award.disbursements.all(), key=lambda payment: (payment.paid_on, payment.pk))
    grant: dict[str, Any] = {
        "id": identifier,
        "title": project.title,
        "description": project.summary
        or f"Research in {project.research_area.name.lower()} funded by {fund.name} ({round_.name}).",
        "currency": BASE_CURRENCY,
        "amountAppliedFor": project.amount_requested.amount,
        "amountAwarded": award.amount.amount,
        "amountDisbursed": round_money(sum((payment.amount.amount for payment in payments), Decimal("0"))),
        "awardDate": award.awarded_on.isoformat(),
    }
    if project.is_independent:
        grant["recipientIndividual"] = {"id": f"{prefix()}-IND-{project.reference}", "name": INDIVIDUAL_NAME}
    else:
        grant["recipientOrganization"] = [
            {
                "id": project.institution_org_id or _local_org_id("ORG", project.institution),
                "name": project.institution,
            }
        ]
    grant["fundingOrganization"] = _funding_organisations(award, fund)
    grant["grantProgramme"] = [{"code": f"{prefix()}-R{round_.number}", "title": round_.name}]
    planned = {"startDate": award.awarded_on.isoformat()}
    if milestones:
        planned["endDate"] = milestones[-1].due_on.isoformat()
    grant["plannedDates"] = [planned]
    if payments:
        grant["disbursementTransaction"] = [
            {
                "id": f"{identifier}-P{payment.milestone.number}",
                "transactionDate": payment.paid_on.isoformat(),
                "valueDate": payment.paid_on.isoformat(),
                "value": payment.amount.amount,
                "currency": BASE_CURRENCY,
                "description": f"Payment for milestone {payment.milestone.number}: {payment.milestone.title}",
            }
            for payment in payments
        ]
    grant["classifications"] = [
        {
            "vocabulary": f"{prefix()}-research-area",
            "code": project.research_area.slug,
            "title": project.research_area.name,
        }
    ]
    if is_country_code(project.country):
        grant["beneficiaryLocation"] = [{"countryCode": project.country, "name": country_name(project.country)}]
    grant["fromOpenCall"] = "Yes"
    return grant


def _funding_organisations(award: Award, fund: Fund) -> list[dict[str, str]]:
    administrator = {
        "id": fund.administrator_org_id or _local_org_id("ORG", fund.administered_by),
        "name": fund.administered_by,
    }
    organisations = [administrator]
    attributions = getattr(award, "disclosed_attributions", None)
    if attributions is None:  # not prefetched: apply the same rule here
        attributions = award.attributions.filter(funder__disclose_amounts=True, funder__publicly_named=True)
    largest_first = sorted(attributions, key=lambda attribution: (-attribution.amount.amount, attribution.funder.name))
    for attribution in largest_first:
        funder = attribution.funder
        if not (funder.disclose_amounts and funder.publicly_named):
            continue
        entry = {"id": funder.org_id or _local_org_id("FUNDER", funder.slug), "name": funder.name}
        # The administrator may also be a funder (UK AISI runs the fund and pays into it): list it once.
        if not any(
            organisation["id"] == entry["id"] or organisation["name"].casefold() == entry["name"].casefold()
            for organisation in organisations
        ):
            organisations.append(entry)
    return organisations


# JSON, with exact decimals


def to_json(value: Any, indent: int = 2) -> str:
    """JSON text in which a Decimal is written as the number it is (300000.00), not through float; floats are
    refused, since no amount here should ever have been one."""
    if isinstance(value, dict) and value.get("grants"):
        metadata = {key: item for key, item in value.items() if key != "grants"}
        return "".join(iter_json(metadata, value["grants"], indent))
    return _encode(value, 0, indent) + "\n"


def iter_json(metadata: dict[str, Any], grants: Iterable[dict[str, Any]], indent: int = 2) -> Iterator[str]:
    """The package's JSON a grant at a time: exactly `_encode` of the whole package, with `grants` last."""
    pad, inner = "\n" + " " * indent, "\n" + " " * indent * 2
    items = [
        f"{json.dumps(str(key), ensure_ascii=False)}: {_encode(item, 1, indent)}" for key, item in metadata.items()
    ]
    yield "{" + pad + ("," + pad).join(items) + ("," if items else "") + pad + '"grants": ['
    empty = True
    for grant in grants:
        yield ("" if empty else ",") + inner + _encode(grant, 2, indent)
        empty = False
    yield ("]" if empty else pad + "]") + "\n}\n"


def _encode(value: Any, level: int, indent: int) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be written as a JSON number")
        return format(value, "f")
    if isinstance(value, float):
        raise TypeError("a float reached the 360Giving export: amounts must be Decimal")
    inner = "\n" + " " * indent * (level + 1)
    outer = "\n" + " " * indent * level
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{json.dumps(str(key), ensure_ascii=False)}: {_encode(item, level + 1, indent)}"
            for key, item in value.items()
        ]
        return "{" + inner + ("," + inner).join(items) + outer + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join(_encode(item, level + 1, indent) for item in value) + outer + "]"
    return json.dumps(value, ensure_ascii=False)


# CSV, with the standard's flat column titles

# Single-valued groups use the standard's rolled-up titles ("Recipient Org:Identifier"); funding organisations
# repeat, so they are numbered ("Funding Org:0:Identifier", "Funding Org:1:Identifier", ...).
_FIXED_COLUMNS = [
    ("Identifier", lambda grant: grant["id"]),
    ("Title", lambda grant: grant["title"]),
    ("Description", lambda grant: grant["description"]),
    ("Currency", lambda grant: grant["currency"]),
    ("Amount Applied For", lambda grant: grant.get("amountAppliedFor")),
    ("Amount Awarded", lambda grant: grant["amountAwarded"]),
    ("Amount Disbursed", lambda grant: grant.get("amountDisbursed")),
    ("Award Date", lambda grant: grant["awardDate"]),
    ("Planned Dates:Start Date", lambda grant: _first(grant, "plannedDates", "startDate")),
    ("Planned Dates:End Date", lambda grant: _first(grant, "plannedDates", "endDate")),
    ("Recipient Org:Identifier", lambda grant: _first(grant, "recipientOrganization", "id")),
    ("Recipient Org:Name", lambda grant: _first(grant, "recipientOrganization", "name")),
    ("Recipient Ind:Identifier", lambda grant: grant.get("recipientIndividual", {}).get("id")),
    ("Recipient Ind:Name", lambda grant: grant.get("recipientIndividual", {}).get("name")),
    ("Beneficiary Location:Name", lambda grant: _first(grant, "beneficiaryLocation", "name")),
    ("Beneficiary Location:Country Code", lambda grant: _first(grant, "beneficiaryLocation", "countryCode")),
    ("Grant Programme:Code", lambda grant: _first(grant, "grantProgramme", "code")),
    ("Grant Programme:Title", lambda grant: _first(grant, "grantProgramme", "title")),
    ("Classifications:0:Vocabulary", lambda grant: _first(grant, "classifications", "vocabulary")),
    ("Classifications:0:Code", lambda grant: _first(grant, "classifications", "code")),
    ("Classifications:0:Title", lambda grant: _first(grant, "classifications", "title")),
    ("From An Open Call?", lambda grant: grant.get("fromOpenCall")),
]


def _first(grant: dict, key: str, field: str):
    items = grant.get(key) or [{}]
    return items[0].get(field)


def csv_table(package: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    grants = package["grants"]
    funders = max(len(grant["fundingOrganization"]) for grant in grants)
    return _csv_headers(funders), [_csv_row(grant, funders) for grant in grants]


def _csv_headers(funders: int) -> list[str]:
    headers = [title for title, _ in _FIXED_COLUMNS]
    for index in range(funders):
        headers += [f"Funding Org:{index}:Identifier", f"Funding Org:{index}:Name"]
    return headers


def _csv_row(grant: dict[str, Any], funders: int) -> list[str]:
    row = [_cell(get(grant)) for _, get in _FIXED_COLUMNS]
    for index in range(funders):
        org = grant["fundingOrganization"][index] if index < len(grant["fundingOrganization"]) else {}
        row += [_cell(org.get("id")), _cell(org.get("name"))]
    return row


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def to_csv(package: dict[str, Any]) -> str:
    headers, rows = csv_table(package)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(neutralise_row(row) for row in rows)
    return out.getvalue()


def render(package: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(package)
    if fmt == "csv":
        return to_csv(package)
    raise ValueError(f"Unknown format {fmt!r}: use json or csv.")
