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
    mo = {e.msgid: e for e in polib.mofile(str(po_path.with_suffix(".mo")))}
    stale = [e.msgid for e in po.translated_entries() if e.msgid not in mo or mo[e.msgid].msgstr != e.msgstr]
    assert stale == [], f"compile the catalogue (make messages): {stale[:20]}"
