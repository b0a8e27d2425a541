from django.core.management.base import BaseCommand, CommandError

from grants.exports.giving360 import NothingToPublish, build_package, render


class Command(BaseCommand):
    help = "Write the fund's awards as 360Giving open data: one grant per award, as JSON or as flat CSV."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--out", default="-", help="The file to write; '-' (the default) writes to stdout.")

    def handle(self, *args, **options):
        try:
            package = build_package()
        except NothingToPublish as exc:
            raise CommandError(str(exc)) from exc
        text = render(package, options["format"])
        if options["out"] == "-":
            self.stdout.write(text, ending="")
        else:
            newline = "" if options["format"] == "csv" else None
            with open(options["out"], "w", encoding="utf-8", newline=newline) as output:
                output.write(text)
            self.stderr.write(f"Wrote {len(package['grants'])} grants to {options['out']}.")
