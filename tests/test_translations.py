"""Every addon ships i18n/<addon>.pot, ar.po and he.po: the .pot matches what Odoo exports from
the code today, and both languages translate every term (not left empty, not left in Latin)."""

import importlib.util
import pathlib
import tempfile

import polib

from odoo.tests import TransactionCase, tagged

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("i18n_tools", ROOT / "scripts" / "i18n.py")
i18n_tools = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_tools)


def terms(po):
    return {i18n_tools.entry_key(entry) for entry in po if not entry.obsolete}


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_pot_is_current_and_languages_complete(self):
        for addon in i18n_tools.project_addons():
            i18n = ROOT / "addons" / addon / "i18n"
            with self.subTest(addon=addon):
                pot_path = i18n / f"{addon}.pot"
                self.assertTrue(pot_path.exists(), f"{addon} has no i18n/{addon}.pot")
                exported = polib.pofile(i18n_tools.export_pot(self.env.cr, addon))
                committed = polib.pofile(str(pot_path))
                self.assertEqual(
                    terms(committed),
                    terms(exported),
                    f"{addon}: i18n/{addon}.pot is stale, run make i18n",
                )
                for lang in i18n_tools.LANGUAGES:
                    po_path = i18n / f"{lang}.po"
                    self.assertTrue(po_path.exists(), f"{addon} has no i18n/{lang}.po")
                    self.assertEqual(
                        terms(polib.pofile(str(po_path))),
                        terms(exported),
                        f"{addon}/i18n/{lang}.po is not merged, run make i18n",
                    )
                    todo = i18n_tools.untranslated(po_path, lang)
                    self.assertFalse(
                        todo, f"{addon}/i18n/{lang}.po leaves untranslated: {todo[:5]}"
                    )

    def test_untranslated_detection(self):
        # The completeness rule must catch an empty term and a term copied in Latin letters.
        po = polib.POFile()
        po.append(polib.POEntry(msgid="Approve", msgstr=""))
        po.append(polib.POEntry(msgid="Reject", msgstr="Reject"))
        po.append(polib.POEntry(msgid="Expired", msgstr="منتهية"))
        po.append(polib.POEntry(msgid="%s / %s", msgstr="%s / %s"))
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "ar.po"
            po.save(str(path))
            self.assertEqual(i18n_tools.untranslated(path, "ar"), ["Approve", "Reject"])
