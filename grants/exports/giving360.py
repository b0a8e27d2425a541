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
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from json.encoder import encode_basestring
from typing import Any

from django.conf import settings
from django.db.models import F, Max
from django.utils.text import slugify

from alignment_fund.clock import fund_today
from alignment_fund.countries import country_name, is_country_code
from alignment_fund.money import BASE_CURRENCY, round_money
from alignment_fund.spreadsheet_safety import neutralise_row
from grants.models import Award, AwardAttribution, Disbursement, Milestone
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


def grant_identifier(reference: str) -> str:
    return f"{prefix()}-{reference}"


def _local_org_id(kind: str, name: str) -> str:
    return f"{prefix()}-{kind}-{_slug(name)}"


@lru_cache(maxsize=4096)
def _slug(name: str) -> str:
    """A name as it appears in an identifier (slugify is pure; an export asks for the same few names thousands of
    times)."""
    return slugify(name) or "unnamed"


# What a grant says about its award, project, round and fund: read as plain values with their joins, a chunk of
# awards at a time, never as model instances (at the stress size, building the models took minutes).
_AWARD_VALUES = {
    "award_id": F("pk"),
    "award_reference": F("reference"),
    "amount_awarded": F("amount"),
    "award_date": F("awarded_on"),
    "title": F("project__title"),
    "summary": F("project__summary"),
    "amount_requested": F("project__amount_requested"),
    "project_reference": F("project__reference"),
    "institution": F("project__institution"),
    "institution_org_id": F("project__institution_org_id"),
    "country": F("project__country"),
    "area_name": F("project__research_area__name"),
    "area_slug": F("project__research_area__slug"),
    "round_name": F("round__name"),
    "round_number": F("round__number"),
    "fund_name": F("round__fund__name"),
    "fund_org_id": F("round__fund__administrator_org_id"),
    "administered_by": F("round__fund__administered_by"),
}


def awards_to_publish():
    """Every award that stands, as the values its grant needs, oldest first."""
    return Award.objects.live().order_by("awarded_on", "reference").values(**_AWARD_VALUES)


def build_package() -> dict[str, Any]:
    """The 360Giving data package: metadata and one grant per award, in memory (the reconciliation and the tests;
    the downloads stream the same thing with `stream`). Dates are the fund's today, so an export is
    reproducible."""
    grants = list(iter_grants())
    if not grants:
        raise NothingToPublish("There are no awards to publish yet.")
    return {**package_metadata(), "grants": grants}


def iter_grants() -> Iterator[dict[str, Any]]:
    """One grant after another, the awards read a chunk at a time with, for each chunk, three queries for their
    milestones' last due date, their payments and their disclosed funders: the whole export is never in memory."""
    rows = awards_to_publish().iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        ids = [award["award_id"] for award in chunk]
        last_due = dict(
            Milestone.objects.filter(award_id__in=ids)
            .order_by()
            .values("award_id")
            .annotate(last=Max("due_on"))
            .values_list("award_id", "last")
        )
        payments = defaultdict(list)
        for award_id, *payment in (
            Disbursement.objects.filter(award_id__in=ids)
            .order_by("award_id", "paid_on", "pk")
            .values_list("award_id", "paid_on", "amount", "milestone__number", "milestone__title")
        ):
            payments[award_id].append(payment)
        funders = defaultdict(list)
        for award_id, *funder in (
            AwardAttribution.objects.filter(
                award_id__in=ids, funder__disclose_amounts=True, funder__publicly_named=True
            )
            .order_by()
            .values_list("award_id", "amount", "funder__name", "funder__org_id", "funder__slug")
        ):
            funders[award_id].append(funder)
        for award in chunk:
            key = award["award_id"]
            yield build_grant(award, last_due.get(key), payments[key], funders[key])


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


def build_grant(award: dict[str, Any], last_due, payments: list, funders: list) -> dict[str, Any]:
    """One grant from its award's values (`awards_to_publish`), its last milestone's due date, its payments
    (paid_on, amount, milestone number and title, in date order) and its disclosed, named funders (amount, name,
    org-id, slug)."""
    identifier = grant_identifier(award["award_reference"])
    grant: dict[str, Any] = {
        "id": identifier,
        "title": award["title"],
        "description": award["summary"]
        or f"Research in {award['area_name'].lower()} funded by {award['fund_name']} ({award['round_name']}).",
        "currency": BASE_CURRENCY,
        "amountAppliedFor": award["amount_requested"],
        "amountAwarded": award["amount_awarded"],
        "amountDisbursed": round_money(sum((amount for _, amount, _, _ in payments), Decimal("0"))),
        "awardDate": award["award_date"].isoformat(),
    }
    if not award["institution"]:  # an independent researcher
        grant["recipientIndividual"] = {"id": f"{prefix()}-IND-{award['project_reference']}", "name": INDIVIDUAL_NAME}
    else:
        grant["recipientOrganization"] = [
            {
                "id": award["institution_org_id"] or _local_org_id("ORG", award["institution"]),
                "name": award["institution"],
            }
        ]
    grant["fundingOrganization"] = _funding_organisations(award, funders)
    grant["grantProgramme"] = [{"code": f"{prefix()}-R{award['round_number']}", "title": award["round_name"]}]
    planned = {"startDate": award["award_date"].isoformat()}
    if last_due:
        planned["endDate"] = last_due.isoformat()
    grant["plannedDates"] = [planned]
    if payments:
        grant["disbursementTransaction"] = [
            {
                "id": f"{identifier}-P{number}",
                "transactionDate": paid_on.isoformat(),
                "valueDate": paid_on.isoformat(),
                "value": amount,
                "currency": BASE_CURRENCY,
                "description": f"Payment for milestone {number}: {title}",
            }
            for paid_on, amount, number, title in payments
        ]
    grant["classifications"] = [
        {"vocabulary": f"{prefix()}-research-area", "code": award["area_slug"], "title": award["area_name"]}
    ]
    if is_country_code(award["country"]):
        grant["beneficiaryLocation"] = [{"countryCode": award["country"], "name": country_name(award["country"])}]
    grant["fromOpenCall"] = "Yes"
    return grant


def _funding_organisations(award: dict[str, Any], funders: list) -> list[dict[str, str]]:
    """The fund's administrator, then the award's disclosed and publicly named funders, largest part first."""
    administrator = {
        "id": award["fund_org_id"] or _local_org_id("ORG", award["administered_by"]),
        "name": award["administered_by"],
    }
    organisations = [administrator]
    for _, name, org_id, slug in sorted(funders, key=lambda funder: (-funder[0], funder[1])):
        entry = {"id": org_id or _local_org_id("FUNDER", slug), "name": name}
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
    # Strings, booleans, None and integers as json.dumps(..., ensure_ascii=False) writes them, without its
    # per-call setup: the export encodes hundreds of thousands of them.
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
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
        items = [f"{encode_basestring(str(key))}: {_encode(item, level + 1, indent)}" for key, item in value.items()]
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
