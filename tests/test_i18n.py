"""Both languages: the institution admin in French (model names, column headers, filters, form labels), and the
French catalog complete, free of fuzzy guesses, with its placeholders intact and its compiled .mo up to date.

The catalog is read with a small parser (polib is not a dependency): msgctxt/msgid/msgid_plural/msgstr[n], the
"#," flags line, and continuation strings are all the PO format this project's catalog uses.
"""

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib import admin
from django.utils.functional import Promise
from django.utils.translation import override
from django.utils.translation.template import templatize

from courses.services import enrolment_complete
from tests.conftest import skip_or_fail
from tests.factories import BadgeClassFactory, CourseFactory, EnrolmentFactory, MembershipFactory

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "locale" / "fr" / "LC_MESSAGES"
# What `makemessages` skips (the Makefile's and README's command): not the platform's own user-facing text.
NOT_SCANNED = {".venv", "var", "tests", "bench", "locale", "test-artifacts", "node_modules", "__pycache__"}
OUR_APPS = {"badges", "courses", "issuers", "learners"}

# English words an institution would see if the admin fell back to the model or field names.
ENGLISH = ["Enrolments", "Badge classes", "Awards", "Courses", "Learners", "Completed at", "Public id", "Created at"]


# -- the admin in French --------------------------------------------------------------------------------------
@pytest.fixture
def programme(db, monkeypatch):
    """An owner of an institution with one course, one completed enrolment and its award: every list has a row."""
    monkeypatch.setattr("badges.services._queue_issue", lambda ids: None)  # the award stays pending; no worker
    membership = MembershipFactory()
    badge_class = BadgeClassFactory(issuer=membership.issuer)
    course = CourseFactory(issuer=membership.issuer, badge_class=badge_class)
    enrolment = EnrolmentFactory(course=course)
    award = enrolment_complete(actor=None, enrolment=enrolment)
    return {"user": membership.user, "course": course, "enrolment": enrolment, "award": award}


@pytest.fixture
def french_admin(client, programme):
    client.force_login(programme["user"])

    def get(path: str) -> str:
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200, (path, response.status_code)
        assert response["Content-Language"] == "fr"
        return response.content.decode()

    return get


def assert_french(html: str, *expected: str) -> None:
    missing = [text for text in expected if text not in html]
    assert not missing, f"French missing: {missing}"
    english = [word for word in ENGLISH if re.search(rf">\s*{re.escape(word)}\s*<", html)]
    assert not english, f"English left in the French admin: {english}"


def test_admin_index_names_every_model_in_french(french_admin):
    html = french_admin("/admin/")
    assert_french(
        html, "Formations", "Inscriptions", "Modèles de badges", "Badges décernés", "Apprenants", "Établissements"
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/courses/course/", ["Sélectionnez l’objet formation à modifier", "Titre", "Code de la formation"]),
        ("/admin/courses/enrolment/", ["Apprenant", "Formation", "Statut", "Terminée le"]),
        ("/admin/badges/badgeclass/", ["Nom", "Établissement", "Type de réussite", "Créé le"]),
        ("/admin/badges/award/", ["Modèle de badge", "Apprenant", "Statut", "Décerné le", "Par statut"]),
    ],
)
def test_change_lists_show_french_headers_and_filters(french_admin, path, expected):
    html = french_admin(path)
    assert_french(html, *expected)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/courses/course/add/", ["Ajouter : formation", "Titre", "Badge décerné", "Commence le"]),
        ("/admin/courses/enrolment/add/", ["Ajouter : inscription", "Formation"]),
        ("/admin/badges/badgeclass/add/", ["Ajouter : modèle de badge", "Compétences visées", "Nom de la compétence"]),
    ],
)
def test_add_forms_show_french_labels(french_admin, path, expected):
    html = french_admin(path)
    assert_french(html, *expected)


def test_award_page_shows_french_labels(french_admin, programme):
    html = french_admin(f"/admin/badges/award/{programme['award'].pk}/change/")
    assert_french(html, "Modèle de badge", "Établissement", "Inscription", "Motif de révocation", "Statut")


def registered_fields(model_admin) -> set[str]:
    """The field names an admin shows: its columns, filters and form fields that are the model's own fields."""
    names = set()
    for entry in [*model_admin.list_display, *model_admin.list_filter, *(model_admin.fields or ())]:
        if isinstance(entry, str):
            names.add(entry)
        elif isinstance(entry, tuple | list) and entry and isinstance(entry[0], str):
            names.add(entry[0])
    for fieldset in model_admin.fieldsets or ():
        for entry in fieldset[1].get("fields", ()):
            names.update([entry] if isinstance(entry, str) else entry)
    model_fields = {f.name for f in model_admin.model._meta.get_fields() if hasattr(f, "verbose_name")}
    return names & model_fields


def test_every_admin_model_and_field_of_ours_is_marked_for_translation():
    """A verbose name Django makes up from the attribute (plain str) stays English in French: each must be lazy."""
    untranslatable = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in OUR_APPS:
            continue
        for label, value in [("verbose_name", meta.verbose_name), ("verbose_name_plural", meta.verbose_name_plural)]:
            if not isinstance(value, Promise):
                untranslatable.append(f"{meta.label}.{label}")
        for name in registered_fields(model_admin):
            if not isinstance(meta.get_field(name).verbose_name, Promise):
                untranslatable.append(f"{meta.label}.{name}")
        for name in model_admin.list_display:
            method = getattr(model_admin, name, None) if isinstance(name, str) else name
            if callable(method) and not isinstance(getattr(method, "short_description", None), Promise):
                untranslatable.append(f"{meta.label} column {name}")
        for name in model_admin.actions or ():
            action = getattr(model_admin, name, None) if isinstance(name, str) else name
            if not isinstance(getattr(action, "short_description", None), Promise):
                untranslatable.append(f"{meta.label} action {name}")
    assert not untranslatable, untranslatable


def test_admin_site_titles_are_french(french_admin):
    html = french_admin("/admin/")
    assert "Laurel — administration de l’établissement" in html
    with override("fr"):
        assert str(admin.site.site_title) == "Administration Laurel"


# -- the catalog ----------------------------------------------------------------------------------------------
def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text.strip()[1:-1])


def po_entries(path: Path) -> list[dict]:
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"flags": set(), "msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                if isinstance(current, int):
                    entry["msgstr"][current] += _unquote(line)
                else:
                    entry[current] += _unquote(line)
            else:
                keyword, value = line.split(" ", 1)
                match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
                if match:
                    current = int(match.group(1) or 0)
                    entry["msgstr"][current] = _unquote(value)
                else:
                    current = keyword
                    entry[keyword] = _unquote(value)
        if entry["msgid"]:  # the header has an empty msgid
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def catalog() -> list[dict]:
    return po_entries(LOCALE / "django.po")


def test_catalog_has_no_untranslated_or_fuzzy_entry(catalog):
    assert len(catalog) > 300  # the parser read the catalog
    fuzzy = [e["msgid"] for e in catalog if "fuzzy" in e["flags"]]
    untranslated = [e["msgid"] for e in catalog if any(not s for s in e["msgstr"].values())]
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert not untranslated, f"untranslated: {untranslated}"


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]|\{\w*\}|%[sd]")
TAG = re.compile(r"</?[a-z]+")


def test_translations_keep_placeholders_and_markup(catalog):
    broken = []
    for entry in catalog:
        sources = [entry["msgid"]] + ([entry["msgid_plural"]] if entry["msgid_plural"] else [])
        wanted = sorted(set(PLACEHOLDER.findall(" ".join(sources))))
        tags = sorted(TAG.findall(entry["msgid"]))
        for translation in entry["msgstr"].values():
            if sorted(set(PLACEHOLDER.findall(translation))) != wanted or sorted(TAG.findall(translation)) != tags:
                broken.append(entry["msgid"])
    assert not broken, broken


def test_compiled_catalog_matches_the_po(catalog):
    """The .mo Django reads is compiled from the current .po (a translation only in the .po is never shown)."""
    with open(LOCALE / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for entry in catalog:
        if entry["msgid_plural"] or "fuzzy" in entry["flags"]:
            continue
        if compiled._catalog.get(_key(entry)) != entry["msgstr"][0]:
            stale.append(entry["msgid"])
    assert not stale, f"not compiled: {stale}"


def source_strings(workdir: Path) -> set[str]:
    """Every string the source marks for translation, extracted as `makemessages` does (templates are turned into
    Python by Django's templatize, then xgettext reads everything with Django's keywords)."""
    if not shutil.which("xgettext"):
        skip_or_fail("xgettext (GNU gettext) is not installed")
    files = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if d not in NOT_SCANNED and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.suffix == ".py":
                files.append(str(path))
            elif path.suffix in {".html", ".txt"}:
                copy = workdir / f"{len(files)}.py"
                copy.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
                files.append(str(copy))
    keywords = ["gettext_noop", "gettext_lazy", "ngettext_lazy:1,2", "pgettext:1c,2", "npgettext:1c,2,3"]
    keywords += ["pgettext_lazy:1c,2", "npgettext_lazy:1c,2,3"]
    result = subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "--output=-", *[f"--keyword={k}" for k in keywords]]
        + files,
        capture_output=True,
        text=True,
        check=True,
    )
    pot = workdir / "django.pot"
    pot.write_text(result.stdout, encoding="utf-8")
    return {_key(entry) for entry in po_entries(pot)}


def _key(entry: dict) -> str:
    return f"{entry['msgctxt']}\x04{entry['msgid']}" if entry["msgctxt"] else entry["msgid"]


def test_catalog_holds_every_string_of_the_source(catalog, tmp_path):
    """A string marked for translation but missing from the catalog shows in English: run makemessages, translate."""
    translated = {_key(entry) for entry in catalog}
    missing = sorted(source_strings(tmp_path) - translated)
    assert len(translated) > 300
    assert not missing, f"not in the French catalog (run makemessages and translate): {missing}"


def test_import_progress_reports_its_status_in_the_viewers_language(client, programme):
    """The progress page refreshes its status from the JSON: a code value ("applied") would show in English."""
    from courses.imports import completion_import_preview

    course = programme["course"]
    record, _parsed = completion_import_preview(
        actor=None,
        issuer=course.issuer,
        filename="f.csv",
        content=f"email,name,course\na@example.org,A,{course.code}\n".encode(),
    )
    client.force_login(programme["user"])
    body = client.get(
        f"/admin/courses/completionimport/{record.public_id}/progress.json", HTTP_ACCEPT_LANGUAGE="fr"
    ).json()
    assert body["status"] == "previewed"  # the code, for scripts
    assert body["status_label"] == "Vérifié, en attente de confirmation"
    assert "data.status_label" in (ROOT / "static" / "js" / "import-progress.js").read_text()


def test_import_refusals_are_in_the_viewers_language(programme):
    """A French institution's preview explains its refused rows in French."""
    from courses.imports import parse_completions_csv

    issuer = programme["course"].issuer
    with override("fr"):
        header = parse_completions_csv(issuer=issuer, content=b"email;name\na@example.org;A\n")
        rows = parse_completions_csv(issuer=issuer, content=b"email;name;course\nnot-an-address;;nope\n")
    assert [e.message for e in header.errors] == ["Colonne(s) manquante(s) : course."]
    message = rows.errors[0].message
    assert "« not-an-address » n’est pas une adresse e-mail valide" in message and "le nom est vide" in message
    assert "formation inconnue « nope »" in message
