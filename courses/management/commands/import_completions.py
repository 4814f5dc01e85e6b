"""`manage.py import_completions --issuer <slug> FILE.csv [--dry-run]`: the admin's CSV import, from a shell.

Same checks, row kinds (new, enrol, unchanged, correct, refused) and all-or-nothing apply as the admin; the awards
are queued for the worker on commit.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.imports import ImportNotApplicable, RowKind, completion_import_apply, completion_import_preview
from issuers.models import Issuer


def _counts(counts: dict) -> str:
    """What the rows do, as the admin's preview and report count them (decision 0015)."""
    return ", ".join(f"{kind} {counts.get(kind, 0)}" for kind in (*RowKind.ALL, "expired"))


class Command(BaseCommand):
    help = (
        "Import enrolments and completions from a CSV file (email, name, course, completed, evidence_url, narrative)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--issuer", required=True, help="The institution's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and write nothing.")

    def handle(self, *args, file: Path, issuer: str, dry_run: bool, **options):
        institution = Issuer.objects.filter(slug=issuer).first()
        if institution is None:
            raise CommandError(f"No institution with slug '{issuer}'.")
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        record, parsed = completion_import_preview(actor=None, issuer=institution, filename=file.name, content=content)
        for error in parsed.errors:
            self.stderr.write(f"line {error.line}: {error.message}")
        if parsed.errors:
            raise CommandError(f"{len(parsed.errors)} problem(s); nothing was imported.")
        if dry_run:
            self.stdout.write(
                f"{len(parsed.rows)} row(s) are ready to import (dry run: nothing written): {_counts(parsed.counts())}."
            )
            return
        try:
            record = completion_import_apply(actor=None, completion_import=record, parsed=parsed)
        except ImportNotApplicable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {record.enrolled_count} enrolment(s) and {record.completed_count} completion(s) "
                f"(import {record.public_id}): {_counts(record.applied_counts)}."
            )
        )
