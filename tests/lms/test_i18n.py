"""Both catalogues are complete and compiled: every UI string has a zh-hans and an en translation."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_catalogue_complete_and_compiled(lang, domain):
    po_path = LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"
    if domain == "djangojs" and not po_path.exists():
        pytest.skip("no JavaScript strings yet")
    po = polib.pofile(str(po_path))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == [], f"untranslated in {lang}/{domain}: {missing[:20]}"
    mo = {e.msgid: e for e in polib.mofile(str(po_path.with_suffix(".mo")))}
    stale = [e.msgid for e in po.translated_entries() if e.msgid not in mo or mo[e.msgid].msgstr != e.msgstr]
    assert stale == [], f"compile the catalogue (make messages): {stale[:20]}"
