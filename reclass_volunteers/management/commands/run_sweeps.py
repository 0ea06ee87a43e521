"""Run the periodic sweeps by hand: `manage.py run_sweeps` (all) or `run_sweeps name ...`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reclass_volunteers import sweeps


class Command(BaseCommand):
    help = "Run the periodic reminder sweeps now and print what each sent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="Sweeps to run (default: all).")
        parser.add_argument("--list", action="store_true", help="List the sweeps and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        registry = sweeps.discover()
        if options["list"]:
            for name in sorted(registry):
                self.stdout.write(name)
            return
        try:
            runs = sweeps.run_sweeps(options["names"] or None)
        except KeyError as error:
            raise CommandError(str(error.args[0])) from None
        for run in runs:
            status = f"failed: {run.error}" if run.error else "ok"
            self.stdout.write(
                f"{run.name:<32} sent {run.sent:>5}  skipped {run.skipped:>5}  {status}"
            )
