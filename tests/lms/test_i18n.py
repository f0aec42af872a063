"""Both catalogues are complete and compiled: every UI string has a zh-hans and an en translation."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def test_both_languages_have_the_django_catalogue():
    assert {p.parts[-3] for p in CATALOGUES if p.name == "django.po"} == {"zh_Hans", "en"}


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: f"{p.parts[-3]}-{p.stem}")
def test_catalogue_complete_and_compiled(po_path):
    lang = po_path.parts[-3]
    po = polib.pofile(str(po_path))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == [], f"untranslated in {lang}/{po_path.name}: {missing[:20]}"
    # Keyed by context and msgid: "Continue" of the player and "Continue" of a quiz are two entries.
    mo = {(e.msgctxt, e.msgid): e for e in polib.mofile(str(po_path.with_suffix(".mo")))}
    stale = [
        e.msgid
        for e in po.translated_entries()
        if (e.msgctxt, e.msgid) not in mo or mo[(e.msgctxt, e.msgid)].msgstr != e.msgstr
    ]
    assert stale == [], f"compile the catalogue (make messages): {stale[:20]}"


# The names makemessages (xgettext with Django's keywords) finds; a string behind any other alias is never extracted
# and stays English in the Chinese UI.
EXTRACTED_NAMES = {
    "_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
    "npgettext", "npgettext_lazy",
}  # fmt: skip


def test_translation_functions_are_imported_under_names_makemessages_finds():
    import re
    from pathlib import Path

    from django.conf import settings

    alias = re.compile(r"from django\.utils\.translation import ([^\n]+)")
    found = []
    for path in Path(settings.BASE_DIR).rglob("*.py"):
        if any(part in {".venv", "tests", "staticfiles", "node_modules"} for part in path.parts):
            continue
        for names in alias.findall(path.read_text(encoding="utf-8")):
            for name in names.strip("()").split(","):
                bits = name.split(" as ")
                if len(bits) == 2 and bits[0].strip() in EXTRACTED_NAMES and bits[1].strip() not in EXTRACTED_NAMES:
                    found.append(f"{path}: {name.strip()}")
    assert not found, "aliases makemessages does not extract:\n" + "\n".join(found)
