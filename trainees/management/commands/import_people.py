from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trainees import services


class Command(BaseCommand):
    help = (
        "Import people from a CSV file (employee_no, name, email, team, roles, manager_no; UTF-8 or GBK). "
        "Upserts by employee number; writes nothing while any row is invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate and count only; write nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        report = services.people_import(content=content, dry_run=dry_run)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Nothing was imported: {len(report.errors)} problem(s) in {file}.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {len(report.rows)} rows: {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged, {report.teams_created} new teams, "
                f"{report.manager_links_added} manager links."
            )
        )
