"""Translation catalogue helper.

    python scripts/i18n.py missing          # list zh_Hans entries without a translation (or fuzzy)
    python scripts/i18n.py fill-en          # English catalogue: msgstr = msgid (source strings are English)
    python scripts/i18n.py apply FILE.json  # add zh_Hans translations from {"msgid": "译文", ...}
                                            # (a msgid with a context: "context\u0004msgid", as gettext keys it)

`make messages` extracts and compiles; run `fill-en` and fill the gaps `missing` shows before committing.
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("django", "djangojs")


def catalogues(lang: str):
    for domain in DOMAINS:
        path = ROOT / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            yield path, polib.pofile(str(path), wrapwidth=0)


def untranslated(po) -> list:
    return [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def fill_en() -> None:
    for path, po in catalogues("en"):
        for entry in po:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save(str(path))
        po.save_as_mofile(str(path.with_suffix(".mo")))


def apply(json_path: str) -> None:
    mapping = json.loads(Path(json_path).read_text(encoding="utf-8"))
    for path, po in catalogues("zh_Hans"):
        for entry in po:
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            if key in mapping:
                value = mapping[key]
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: value}
                else:
                    entry.msgstr = value
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
        po.save(str(path))
        po.save_as_mofile(str(path.with_suffix(".mo")))


def missing() -> int:
    count = 0
    for path, po in catalogues("zh_Hans"):
        for entry in untranslated(po):
            count += 1
            print(f"{path.name}: {entry.msgid!r}" + (" (fuzzy)" if "fuzzy" in entry.flags else ""))
    return count


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "missing"
    if command == "fill-en":
        fill_en()
    elif command == "apply":
        apply(sys.argv[2])
    else:
        sys.exit(1 if missing() else 0)
