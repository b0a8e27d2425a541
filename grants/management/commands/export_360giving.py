from django.core.management.base import BaseCommand, CommandError

from grants.publishing import NothingToPublish, build_package, render, schema_errors


class Command(BaseCommand):
    help = "Write the fund's awards as 360Giving open data: one grant per award, as JSON or as flat CSV."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--out", default="-", help="The file to write; '-' (the default) writes to stdout.")
        parser.add_argument(
            "--check-against",
            metavar="SCHEMA_DIR",
            help="A folder holding the official 360Giving package and grant schemas: validate the package against "
            "them before writing anything.",
        )

    def handle(self, *args, **options):
        try:
            package = build_package()
        except NothingToPublish as exc:
            raise CommandError(str(exc)) from exc
        if options["check_against"]:
            problems = schema_errors(package, options["check_against"])
            if problems:
                raise CommandError("The package does not validate:\n" + "\n".join(problems))
        text = render(package, options["format"])
        if options["out"] == "-":
            self.stdout.write(text, ending="")
        else:
            newline = "" if options["format"] == "csv" else None
            with open(options["out"], "w", encoding="utf-8", newline=newline) as f:
                f.write(text)
            self.stderr.write(f"Wrote {len(package['grants'])} grants to {options['out']}.")
