from django.core.management.base import BaseCommand, CommandError

from grants.exports.giving360 import NothingToPublish
from grants.exports.streaming import stream


class Command(BaseCommand):
    help = (
        "Write the fund's awards as 360Giving open data: one grant per award, as JSON or as flat CSV. The file is "
        "written as the awards are read, a chunk at a time, so memory stays flat however many there are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--out", default="-", help="The file to write; '-' (the default) writes to stdout.")

    def handle(self, *args, **options):
        try:
            pieces = stream(options["format"])
        except NothingToPublish as exc:
            raise CommandError(str(exc)) from exc
        if options["out"] == "-":
            for piece in pieces:
                self.stdout.write(piece, ending="")
            return
        newline = "" if options["format"] == "csv" else None
        with open(options["out"], "w", encoding="utf-8", newline=newline) as output:
            for piece in pieces:
                output.write(piece)
        self.stderr.write(f"Wrote the {options['format'].upper()} export to {options['out']}.")
