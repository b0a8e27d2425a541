from alignment_fund.spreadsheets.command import ImportCommand
from grants.imports.pledges import import_pledges


class Command(ImportCommand):
    help = (
        "Import pledges and their receipts from a spreadsheet (CSV or XLSX), recording each through the fund's "
        "actions so the ledger is posted. All or nothing; importing the same file again changes nothing."
    )

    def run(self, table, **kwargs):
        return import_pledges(table, **kwargs)
