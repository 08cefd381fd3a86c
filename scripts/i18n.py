"""Translation files of the project's addons: each ships i18n/<addon>.pot, ar.po and he.po.

    python scripts/i18n.py -c odoo.conf -d <db with the addons installed> [addon ...]

exports each addon's .pot from the database (what Odoo itself would export) and merges it into
ar.po and he.po: translations already made are kept, new terms are added untranslated, terms gone
from the code are dropped. tests/test_translations.py uses the same functions to prove that the
committed files are current and completely translated.
"""

import argparse
import io
import os
import pathlib
import re
import sys

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LANGUAGES = {
    "ar": "Arabic",
    "he": "Hebrew",
}
# Letters of the script each language is written in: a real translation contains some.
SCRIPT_LETTERS = {
    "ar": re.compile(r"[\u0600-\u06FF]"),
    "he": re.compile(r"[\u0590-\u05FF]"),
}
LATIN_LETTER = re.compile(r"[A-Za-z]")
# What stays as it is in any language: placeholders, HTML tags and entities, URLs.
UNTRANSLATABLE = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{\w*\}|<[^>]+>|&\w+;|https?://\S+")


def export_pot(cr, addon):
    """The .pot text Odoo exports for `addon` from the database behind `cr`."""
    from odoo.tools.translate import trans_export

    buffer = io.BytesIO()
    trans_export(None, [addon], buffer, "po", cr)
    return buffer.getvalue().decode()


def entry_key(entry):
    return (entry.msgctxt or "", entry.msgid)


DATE_LINE = re.compile(r'^"(POT-Creation|PO-Revision)-Date: .*$', re.MULTILINE)


def write_if_changed(path, text):
    """Write `text` unless the file differs only by its export dates (keeps git quiet)."""
    if path.exists() and DATE_LINE.sub("", path.read_text()) == DATE_LINE.sub("", text):
        return
    path.write_text(text)


def merge(pot_text, po_path, lang):
    """Write `po_path` with the terms of `pot_text`, keeping existing translations."""
    pot = polib.pofile(pot_text)
    old = {}
    if po_path.exists():
        old = {entry_key(e): e for e in polib.pofile(str(po_path)) if not e.obsolete}
    po = polib.POFile(wrapwidth=78)
    po.metadata = dict(pot.metadata)
    po.metadata.update(
        {
            "Language": lang,
            "Language-Team": LANGUAGES[lang],
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "",
            "Plural-Forms": "",
        }
    )
    for entry in pot:
        previous = old.get(entry_key(entry))
        entry.msgstr = previous.msgstr if previous else ""
        entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]
        po.append(entry)
    write_if_changed(po_path, str(po))


def untranslated(po_path, lang):
    """Terms of a .po file that are not really translated: empty, or left in Latin letters."""
    missing = []
    for entry in polib.pofile(str(po_path)):
        if entry.obsolete:
            continue
        text = entry.msgstr
        needs_script = LATIN_LETTER.search(UNTRANSLATABLE.sub("", entry.msgid))
        if not text.strip() or (needs_script and not SCRIPT_LETTERS[lang].search(text)):
            missing.append(entry.msgid)
    return missing


def project_addons():
    import ast

    for manifest in sorted(ROOT.glob("addons/*/__manifest__.py")):
        if ast.literal_eval(manifest.read_text()).get("installable", True):
            yield manifest.parent.name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("addons", nargs="*")
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry

    # odoo.conf reads ${ODOO_SRC}; the make targets export it, a direct run may not.
    os.environ.setdefault("ODOO_SRC", "/opt/odoo")

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    status = 0
    with registry.cursor() as cr:
        for addon in args.addons or list(project_addons()):
            i18n = ROOT / "addons" / addon / "i18n"
            i18n.mkdir(exist_ok=True)
            pot_text = export_pot(cr, addon)
            write_if_changed(i18n / f"{addon}.pot", pot_text)
            for lang in LANGUAGES:
                merge(pot_text, i18n / f"{lang}.po", lang)
                todo = untranslated(i18n / f"{lang}.po", lang)
                if todo:
                    status = 1
                    print(f"{addon}/i18n/{lang}.po: {len(todo)} terms to translate")
        cr.rollback()
    return status


if __name__ == "__main__":
    sys.exit(main())
