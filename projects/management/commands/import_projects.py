from alignment_fund.spreadsheets.command import ImportCommand
from projects.imports import import_projects


class Command(ImportCommand):
    help = (
        "Import vetted projects from the review panel's spreadsheet (CSV or XLSX). All or nothing: any row error "
        "means nothing is written. Importing the same file again changes nothing."
    )

    def run(self, table, **kwargs):
        return import_projects(table, **kwargs)
