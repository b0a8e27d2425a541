"""Importing the review panel's spreadsheet of vetted projects.

One implementation, used by `manage.py import_projects` and by the admin's Import button (`ProjectAdmin`). Every
row is checked before anything is written; one bad row means nothing is written. A project is matched by its
reference: a row identical to the stored project is "unchanged", a row that differs from it is an error (an import
never overwrites a project; correct it in the admin). Projects carry no money movements, so they are created in
bulk; lookups are loaded once for the whole file, not per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from djmoney.money import Money
from simple_history.utils import bulk_create_with_history

from alignment_fund.countries import is_country_code
from alignment_fund.money import BASE_CURRENCY
from alignment_fund.spreadsheets.cells import (
    CellProblem,
    RowCells,
    is_empty,
    parse_amount,
    parse_bool,
    parse_date,
    parse_number,
    parse_round_number,
    parse_text,
    show,
)
from alignment_fund.spreadsheets.reading import Column, Table, match_columns
from alignment_fund.spreadsheets.report import (
    Action,
    ImportReport,
    Progress,
    RowOutcome,
    chunks,
    no_progress,
    run_all_or_nothing,
)
from alignment_fund.templatetags.money import format_money
from projects.models import Fund, Project, ResearchArea, Round

COLUMNS = [
    Column("reference", "reference", ("application reference", "project reference", "ref"), required=True),
    Column("title", "title", ("project title",), required=True),
    Column("summary", "summary", ("description", "abstract")),
    Column("lead_name", "lead name", ("lead", "lead researcher", "principal investigator"), required=True),
    Column("lead_email", "lead email", ("lead e-mail", "email")),
    Column("institution", "institution", ("organisation", "organization")),
    Column("institution_org_id", "institution org-id", ("org-id", "institution orgid", "org id")),
    Column("country", "country", ("country code",), required=True),
    Column("research_area", "research area", ("area",), required=True),
    Column("amount_requested", "amount requested GBP", ("amount requested", "requested"), required=True),
    Column("panel_score", "panel score", ("score",), required=True),
    Column("vetted_on", "date vetted", ("vetted on", "vetted"), required=True),
    Column("round", "round number", ("round",), required=True),
    Column("compute_requested", "compute requested", ("compute",)),
    Column("expert_support_requested", "expert support requested", ("expert support", "mentoring requested")),
]

# What is compared with a stored project to decide "unchanged": the model field and the column it comes from.
COMPARED = {
    "title": "title",
    "summary": "summary",
    "lead_name": "lead_name",
    "lead_id": "lead_email",
    "institution": "institution",
    "institution_org_id": "institution_org_id",
    "country": "country",
    "research_area_id": "research_area",
    "round_id": "round",
    "amount_requested": "amount_requested",
    "panel_score": "panel_score",
    "vetted_on": "vetted_on",
    "compute_requested": "compute_requested",
    "expert_support_requested": "expert_support_requested",
}
BATCH = 500


@dataclass
class _Lookups:
    """Everything rows are checked against, loaded once for the whole file."""

    areas: dict[str, ResearchArea]
    rounds: dict[int, Round]
    users_by_email: dict[str, list]
    existing: dict[str, Project]

    @classmethod
    def load(cls, references: list[str], emails: list[str]) -> _Lookups:
        users_by_email: dict[str, list] = {}
        User = get_user_model()
        for chunk in chunks(sorted(set(emails))):
            for user in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk):
                users_by_email.setdefault(user.email_lower, []).append(user)
        existing = {}
        for chunk in chunks(sorted(set(references))):
            existing.update(
                {
                    p.reference: p
                    for p in Project.objects.filter(reference__in=chunk).select_related(
                        "research_area", "round", "lead"
                    )
                }
            )
        return cls(load_areas(), load_rounds(), users_by_email, existing)


def load_areas() -> dict[str, ResearchArea]:
    """The research areas by lower-case slug and by lower-case name, as a spreadsheet may give either."""
    areas: dict[str, ResearchArea] = {}
    for area in ResearchArea.objects.all():
        areas[area.slug.lower()] = area
        areas[area.name.lower()] = area
    return areas


def load_rounds() -> dict[int, Round]:
    """The current fund's rounds by number."""
    fund = Fund.current()
    return {r.number: r for r in fund.rounds.all()} if fund else {}


def parse_area(value, areas: dict[str, ResearchArea]) -> ResearchArea:
    area = areas.get(show(value).lower())
    if area is None:
        known = ", ".join(sorted({a.name for a in areas.values()})) or "none yet"
        raise CellProblem(f"'{show(value)}' is not a research area (the areas are: {known})")
    return area


def parse_round(value, rounds: dict[int, Round]) -> Round:
    number = parse_round_number(value)
    if number not in rounds:
        raise CellProblem(f"there is no round {number}")
    return rounds[number]


def import_projects(
    table: Table, *, actor=None, dry_run: bool = False, progress: Progress = no_progress
) -> ImportReport:
    """Check every row of `table`, then (unless this is a dry run or a row is wrong) create the new projects, all in
    one transaction. Returns the report of what happened or would happen."""
    report = ImportReport(what="vetted projects", dry_run=dry_run, headers=table.headers)
    mapping, report.file_errors, report.ignored_columns = match_columns(table.headers, COLUMNS)
    if report.file_errors:
        return report
    if not table.rows:
        report.file_errors.append("The file has no rows to import.")
        return report

    references = [r.cell(mapping, "reference") for r in table.rows]
    emails = [r.cell(mapping, "lead_email") for r in table.rows]
    lookups = _Lookups.load(
        [show(v) for v in references if not is_empty(v)], [show(v).lower() for v in emails if not is_empty(v)]
    )
    seen: dict[str, int] = {}
    new_projects: list[tuple[RowOutcome, Project]] = []
    for row in progress(table.rows, total=len(table.rows), desc="Checking rows"):
        outcome = RowOutcome(row)
        report.rows.append(outcome)
        cells = RowCells(row, mapping, outcome)
        project = _project_from_row(cells, lookups)
        if project is None:
            continue
        if project.reference in seen:
            outcome.error(mapping["reference"], f"'{project.reference}' is also on row {seen[project.reference]}")
            continue
        seen[project.reference] = row.number
        stored = lookups.existing.get(project.reference)
        if stored is None:
            outcome.action = Action.NEW
            outcome.description = _describe(project)
            if project.lead is None and cells.given("lead_email"):
                email = show(cells.raw("lead_email"))
                outcome.description += f" (no account uses {email} yet: link the lead later in the admin)"
            new_projects.append((outcome, project))
        else:
            _compare(outcome, project, stored, mapping)
            if not outcome.errors:
                outcome.action = Action.UNCHANGED
                outcome.description = _describe(stored)

    def apply() -> None:
        projects = [p for _, p in new_projects]
        for start in progress(range(0, len(projects), BATCH), total=-(-len(projects) // BATCH), desc=_writing(dry_run)):
            # bulk_create sends no signals: the helper writes each project's history row too.
            bulk_create_with_history(projects[start : start + BATCH], Project, default_user=actor)
        for outcome, project in new_projects:
            outcome.instance = project
        report.created = {"projects": len(projects)}

    return run_all_or_nothing(report, apply)


def _writing(dry_run: bool) -> str:
    return "Trying the writes (rolled back)" if dry_run else "Writing"


def _project_from_row(cells: RowCells, lookups: _Lookups) -> Project | None:
    """Parse and check one row; record every problem on its outcome. Returns the unsaved project, or None."""
    take = cells.take
    values = {
        "reference": take("reference", lambda v: parse_text(v, 40), missing="a project reference is required"),
        "title": take("title", lambda v: parse_text(v, 300), missing="a title is required"),
        "summary": take("summary", parse_text) or "",
        "lead_name": take("lead_name", lambda v: parse_text(v, 200), missing="the lead researcher's name is required"),
        "institution": take("institution", lambda v: parse_text(v, 200)) or "",
        "institution_org_id": take("institution_org_id", lambda v: parse_text(v, 80)) or "",
        "country": take("country", _country, missing="a country code (e.g. GB) is required"),
        "research_area": take(
            "research_area", lambda v: parse_area(v, lookups.areas), missing="a research area is required"
        ),
        "amount_requested": take(
            "amount_requested",
            lambda v: parse_amount(v, symbols=("£",)),
            missing="the amount requested (in pounds) is required",
        ),
        "panel_score": take(
            "panel_score",
            lambda v: parse_number(v, Decimal("0"), Decimal("10"), places=2),
            missing="a vetted project needs its panel score (0–10)",
        ),
        "vetted_on": take("vetted_on", parse_date, missing="a vetted project needs the date it was vetted"),
        "round": take("round", lambda v: parse_round(v, lookups.rounds), missing="the round number is required"),
        "compute_requested": take("compute_requested", parse_bool) or False,
        "expert_support_requested": take("expert_support_requested", parse_bool) or False,
    }
    lead = take("lead_email", lambda v: _lead(v, lookups))
    outcome, mapping = cells.outcome, cells.mapping
    if values["institution_org_id"] and not values["institution"]:
        outcome.error(mapping["institution_org_id"], "an org-id is given but no institution")
    if outcome.errors:
        return None
    values["amount_requested"] = Money(values["amount_requested"], BASE_CURRENCY)
    return Project(**values, lead=lead, status=Project.Status.VETTED)


def _country(value) -> str:
    code = show(value).upper()
    if code == "UK":
        raise CellProblem("'UK' is not an ISO 3166 country code: the United Kingdom is GB")
    if not is_country_code(code):
        raise CellProblem(f"'{show(value)}' is not an ISO 3166 two-letter country code (e.g. GB, US, CA)")
    return code


def _lead(value, lookups: _Lookups):
    """The user with this email, to link as the project's lead; no one yet is fine (they can be linked later)."""
    email = show(value).lower()
    if "@" not in email:
        raise CellProblem(f"'{show(value)}' is not an email address")
    users = lookups.users_by_email.get(email, [])
    if len(users) > 1:
        raise CellProblem(f"{len(users)} accounts use {email}: link the lead in the admin instead")
    return users[0] if users else None


def _describe(project: Project) -> str:
    return f"{project.reference} '{project.title}', {format_money(project.amount_requested.amount, BASE_CURRENCY)}"


def _compare(outcome: RowOutcome, new: Project, stored: Project, mapping: dict[str, str]) -> None:
    for name, key in COMPARED.items():
        if key not in mapping:
            continue  # the file does not have this optional column: nothing to compare
        if name == "lead_id" and (new.lead_id is None or stored.lead_id is None):
            continue  # linking a lead to an account is done in the admin; the import neither links nor unlinks
        if getattr(new, name) != getattr(stored, name):
            outcome.error(
                mapping[key],
                f"{stored.reference} is already recorded with {_shown(stored, name)}: an import never changes an "
                f"existing project (correct it in the admin, or fix the file)",
            )


def _shown(project: Project, name: str) -> str:
    if name == "amount_requested":
        return format_money(project.amount_requested.amount, BASE_CURRENCY)
    if name == "research_area_id":
        return f"research area '{project.research_area.name}'"
    if name == "round_id":
        return f"round {project.round.number}"
    if name == "lead_id":
        return f"lead {project.lead.email if project.lead else 'not linked'}"
    value = getattr(project, name)
    if isinstance(value, date):
        return f"{value:%-d %b %Y}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"'{value}'"
