import re
from datetime import timedelta

from markupsafe import Markup

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.crm_gdpr.models.crm_gdpr_scanner import _DIALECTS
from odoo.addons.crm_gdpr.models.crm_gdpr_scanner_pattern import PREFILTER_SEPARATORS

PHONE = "+32 478 61 29 03"
NAME = "Ana Vermeulen-Ruiz"
EMAIL = "ana.vermeulen_ruiz@example.be"


@tagged("post_install", "-at_install")
class TestScanner(TransactionCase):
    """The residual scan finds a person's phone number in any written form, in any text column,
    plain or HTML; its cheap prefilter lets through every text the regular expressions match."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.scanner = cls.env["crm.gdpr.scanner"]
        cls.identifiers = cls.scanner._identifier_set(phones=[PHONE])

    def _written(self):
        """The phone written in six ways, in six columns of three tables."""
        partner = self.env["res.partner"].create(
            {
                "name": "Scanner Person",
                "phone": PHONE,  # spaces, +country code
                "mobile": "0478-61-29-03",  # dashes, trunk 0
                "comment": "<p>Reached at 0478612903 yesterday</p>",  # digits in free text
            }
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Callback 478 61 29 03",  # no trunk 0 nor country code
                # dots, 00 country code, inside HTML markup
                "description": "<p>Call her on <b>0032.478.61.29.03</b> after 5pm</p>",
            }
        )
        message = lead.message_post(
            body=Markup("<p>New number: +32 (0)478 612 903, ask for Ana</p>"),  # (0), parentheses
            message_type="comment",
        )
        return partner, lead, message

    def test_a_phone_in_any_written_form_is_found_and_replaced(self):
        self.assertEqual(self.identifiers, {"phone": ["+32478612903"]})
        partner, lead, message = self._written()
        # Other numbers, one digit more or another last digit, are somebody else's.
        others = self.env["res.partner"].create(
            [
                {"name": "Scanner Other", "phone": "+32 478 61 29 04"},
                {"name": "Scanner Longer", "comment": "<p>Fax 0478 61 29 031</p>"},
            ]
        )
        hits = {(table, column) for table, column, _rows in self.scanner._scan(self.identifiers)}
        expected = {
            ("res_partner", "phone"),
            ("res_partner", "mobile"),
            ("res_partner", "comment"),
            ("crm_lead", "name"),
            ("crm_lead", "description"),
            ("mail_message", "body"),
        }
        self.assertLessEqual(expected, hits)
        found = self.scanner._scan_rows(self.identifiers)
        self.assertIn(partner.id, found["res.partner"])
        self.assertFalse(set(others.ids) & set(found["res.partner"]))
        self.assertIn(lead.id, found["crm.lead"])
        self.assertIn(message.id, found["mail.message"])

        rows = {"res_partner": partner.ids + others.ids, "crm_lead": lead.ids}
        rows["mail_message"] = message.ids
        self.scanner._replace(self.identifiers, {"phone": "[phone]"}, rows=rows)
        self.assertEqual(self.scanner._scan(self.identifiers, rows=rows), [])
        self.assertEqual(partner.phone, "[phone]")
        self.assertEqual(partner.mobile, "[phone]")
        self.assertIn("Reached at [phone] yesterday", partner.comment)
        self.assertEqual(lead.name, "Callback [phone]")
        self.assertIn("<b>[phone]</b>", lead.description)
        self.assertIn("New number: [phone], ask", message.body)
        self.assertEqual(others[0].phone, "+32 478 61 29 04")
        self.assertIn("0478 61 29 031", others[1].comment)

    def test_the_prefilter_lets_every_match_through(self):
        """Whatever the regular expressions match, the LIKE prefilter lets through: case,
        separators, country codes, LIKE's own wildcards in the identifiers, non-ASCII letters;
        and it stops texts naming nobody."""
        identifiers = self.scanner._identifier_set(
            emails=[EMAIL, "x%y@example.be"],
            names=[NAME, "Łukasz Żółkiewski", "Işıl İnce"],
            phones=[PHONE, "12 34 56 78"],
            ibans=["BE71 0961 2345 6769"],
            vats=["BE0477472701"],
            streets=["Rue de l'Étang 12"],
            surnames=["Vermeulen"],
        )
        matching = [
            EMAIL.upper(),
            f"<p>Mail {EMAIL}</p>",
            "x%y@example.be",
            "ANA VERMEULEN-RUIZ",
            '{"en_US": "ana vermeulen-ruiz"}',
            "Łukasz Żółkiewski",
            "Işıl İnce",
            "+32478612903",
            "0032 (0) 478/61.29.03",
            "tel:0478612903.",
            "12-34-56-78",
            "iban be71-0961-2345-6769",
            "BE 0477.472.701",
            "0477 472 701",
            "rue de l'étang 12",
            "RUE DE L'Étang 12",
            "vermeulen",
        ]
        stopped = ["Ana Vermeule", "xzy@example.be", "+32 478 61 29", "nobody here"]
        self.env.cr.execute(
            SQL(
                'SELECT t, t ~* %s, lower(t COLLATE "C") LIKE ANY(%s) FROM unnest(%s::text[]) t',
                self.scanner._pattern(identifiers),
                self.scanner._like_patterns(identifiers),
                matching + stopped,
            )
        )
        result = {text: (regex, like) for text, regex, like in self.env.cr.fetchall()}
        for text, (regex, like) in result.items():
            if regex:
                self.assertTrue(like, f"the prefilter stops {text!r}, a match")
        for text in matching:
            if text.isascii():  # non-ASCII case matching depends on the database's locale
                self.assertTrue(result[text][0], f"{text!r} matches")
        for text in stopped:
            self.assertEqual(result[text], (False, False), text)

    def test_text_columns_are_those_information_schema_lists(self):
        self.env.cr.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema()
               AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('text', 'character varying', 'jsonb')
             ORDER BY c.table_name, c.ordinal_position
            """
        )
        expected = {}
        for table, column, data_type in self.env.cr.fetchall():
            expected.setdefault(table, []).append((column, data_type))
        self.assertEqual(self.scanner._text_columns(), expected)
        self.assertIn(("comment", "text"), expected["res_partner"])
        # An erasure reads them once: the frozen copy in the context is what the scanner uses.
        frozen = self.scanner._frozen_text_columns()
        self.assertEqual(
            self.scanner.with_context(crm_gdpr_text_columns=frozen)._text_columns(), expected
        )

    def _kept(self, identifiers):
        kept = []
        self.scanner._scan(identifiers, kept=kept)
        return {(table, column) for table, column, _rows, _reason in kept}

    def test_module_metadata_is_skipped_what_a_user_wrote_there_is_kept(self):
        """Odoo's metadata as its modules wrote it (views, fields, xmlids) is code: a text of
        theirs that coincides with an identifier is not the person's data, and the scan for the
        evidence skips those rows. A view or a record a user created or edited is scanned: what
        it holds is reported as kept (never rewritten, as every metadata table)."""
        # Field labels and views of crm say "Expected Closing" (module data only).
        module_text = self.scanner._identifier_set(names=["Expected Closing"])
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM ir_ui_view WHERE arch_db::text ~* %s",
                self.scanner._pattern(module_text),
            )
        )
        self.assertTrue(self.env.cr.fetchone()[0], "a module's view holds the text")
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM ir_model_fields WHERE field_description::text ~* %s",
                self.scanner._pattern(module_text),
            )
        )
        self.assertTrue(self.env.cr.fetchone()[0], "a module's field label holds the text")
        kept = self._kept(module_text)
        self.assertNotIn(("ir_ui_view", "arch_db"), kept)
        self.assertNotIn(("ir_model_fields", "field_description"), kept)

        person = self.scanner._identifier_set(names=[NAME], emails=[EMAIL])
        self.assertFalse({table for table, _column in self._kept(person)} & {"ir_ui_view"})
        # A page a user wrote (no xmlid) and a module's view a user edited are found.
        written = self.env["ir.ui.view"].create(
            {
                "name": "Our team",
                "type": "qweb",
                "key": "crm_gdpr.test_our_team",
                "arch": f"<t t-name='crm_gdpr.test_our_team'><p>Ask {NAME}</p></t>",
            }
        )
        self.assertIn(("ir_ui_view", "arch_db"), self._kept(person))
        written.unlink()
        self.assertNotIn(("ir_ui_view", "arch_db"), self._kept(person))
        edited = self.env["ir.ui.view"].search(
            [
                ("type", "=", "qweb"),
                ("model_data_id.module", "!=", False),
                ("inherit_id", "=", False),
            ],
            limit=1,
        )
        self.assertTrue(edited.model_data_id)
        edited.write({"arch": f"<t t-name='{edited.key}'><p>Write to {EMAIL}</p></t>"})
        self.assertTrue(edited.arch_updated)
        self.assertIn(("ir_ui_view", "arch_db"), self._kept(person))
        # Flagged as edited, the view is scanned even when its date says its module wrote it.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ir_ui_view v SET write_date = d.write_date FROM ir_model_data d "
            "WHERE v.id = %s AND d.model = 'ir.ui.view' AND d.res_id = v.id",
            [edited.id],
        )
        self.assertIn(("ir_ui_view", "arch_db"), self._kept(person))
        # A module's record whose name a user changed is scanned too (its date is later).
        field = self.env["ir.model.fields"]._get("res.partner", "comment")
        self.env.cr.execute(
            "UPDATE ir_model_fields SET field_description = %s, "
            "write_date = now() AT TIME ZONE 'UTC' "
            "WHERE id = %s",
            [f'{{"en_US": "Notes of {NAME}"}}', field.id],
        )
        self.assertIn(("ir_model_fields", "field_description"), self._kept(person))

    def test_the_file_prefilter_lets_every_match_through(self):
        """Files are read in Python: the prefilter of their text lets through whatever the
        expressions of _python_patterns match (case, separators, country codes, non-ASCII
        letters, and the letters Python pairs with an ASCII one: the Kelvin sign, the long s),
        and it stops texts naming nobody."""
        identifiers = self.scanner._identifier_set(
            emails=[EMAIL, "x%y@example.be"],
            names=[NAME, "Łukasz Żółkiewski", "Işıl İnce", "Kasia Kos"],
            phones=[PHONE, "12 34 56 78"],
            ibans=["BE71 0961 2345 6769"],
            vats=["BE0477472701"],
            streets=["Rue de l'Étang 12"],
            surnames=["Vermeulen"],
        )
        may_match = self.scanner._text_prefilter(identifiers)
        # the separators it deletes are those the expressions allow between the characters
        separator = re.compile(_DIALECTS["py"]["sep"])
        self.assertEqual(
            set(PREFILTER_SEPARATORS),
            {code for code in range(0x110000) if separator.fullmatch(chr(code))},
        )
        patterns = self.scanner._python_patterns(identifiers)
        matching = [
            EMAIL.upper(),
            f'{{"mail": "{EMAIL}"}}',
            "x%y@example.be",
            "ANA VERMEULEN-RUIZ",
            "Łukasz Żółkiewski",
            "ŁUKASZ ŻÓŁKIEWSKI",
            "IŞIL İNCE",
            "\u212aa\u017fia \u212ao\u017f",  # Kelvin sign and long s: "Kasia Kos" to Python
            "+32478612903",
            "0032 (0) 478/61.29.03",
            "tel:0478612903.",
            "call\t0478\n61 29 03",
            "12-34-56-78",
            "iban be71-0961-2345-6769",
            "BE 0477.472.701",
            "0477 472 701",
            "rue de l'étang 12",
            "vermeulen",
        ]
        for text in matching:
            self.assertTrue(
                any(pattern.search(text) for _kind, pattern in patterns), f"{text!r} matches"
            )
            self.assertTrue(may_match(f"before {text} after"), f"the prefilter stops {text!r}")
        # digits of the number in order, but not as the expression writes them
        stopped = ["Ana Vermeule", "xzy@example.be", "+32 478 61 29", "4786 x 12903"]
        stopped.append("0478 6 x 1 2 9 0 3, " + "nobody here " * 1000)
        for text in stopped:
            self.assertFalse(any(pattern.search(text) for _kind, pattern in patterns), text)
            self.assertFalse(may_match(text), text)

    def test_empty_tables_are_left_out_and_the_first_row_counts(self):
        """The probes leave out tables without any row (an empty file): a row inserted in the
        transaction, not committed, makes the table scanned."""
        self.env.cr.execute("CREATE TABLE crm_gdpr_test_notes (id serial PRIMARY KEY, note text)")
        self.assertEqual(
            self.scanner._empty_tables(["crm_gdpr_test_notes", "res_partner"]),
            {"crm_gdpr_test_notes"},
        )
        person = self.scanner._identifier_set(emails=[EMAIL])
        tables = {table for table, _column, _rows in self.scanner._scan(person)}
        self.assertNotIn("crm_gdpr_test_notes", tables)
        self.env.cr.execute(
            "INSERT INTO crm_gdpr_test_notes (note) VALUES (%s)", [f"Write to {EMAIL}"]
        )
        self.assertFalse(self.scanner._empty_tables(["crm_gdpr_test_notes"]))
        hits = self.scanner._scan(person)
        self.assertIn(("crm_gdpr_test_notes", "note", 1), hits)
        self.assertIn(
            "crm_gdpr_test_notes",
            {t for t, _n in self.scanner._replace(person, {"email": "erased@erased.invalid"})},
        )
        self.assertNotIn("crm_gdpr_test_notes", {t for t, _c, _n in self.scanner._scan(person)})

    def test_module_metadata_after_an_update_of_the_module(self):
        """An update of a module rewrites its rows and marks the module after them (its
        write_date later than its rows' and xmlids'): its rows stay skipped, a row a user wrote
        after the update is scanned, and a row a user wrote without the module (a view of their
        own) is scanned whatever the module's dates."""
        person = self.scanner._identifier_set(names=[NAME], emails=[EMAIL])
        module_text = self.scanner._identifier_set(names=["Expected Closing"])
        field = self.env["ir.model.fields"]._get("crm.lead", "expected_revenue")
        self.assertIn("crm", field.modules.split(", "))
        self.env.flush_all()
        # crm updated tomorrow, after every row and xmlid of its own
        self.env.cr.execute(
            "UPDATE ir_module_module SET write_date = (now() AT TIME ZONE 'UTC') + interval '1 day'"
            " WHERE name = 'crm' RETURNING write_date"
        )
        updated = self.env.cr.fetchone()[0]
        self.env.cr.execute(
            "SELECT max(write_date) < %s FROM ir_model_data WHERE module = 'crm'", [updated]
        )
        self.assertTrue(self.env.cr.fetchone()[0])

        def write_label(label, write_date):
            self.env.cr.execute(
                "UPDATE ir_model_fields SET field_description = %s, write_date = %s WHERE id = %s",
                [f'{{"en_US": "{label}"}}', write_date, field.id],
            )

        # The module's rows: skipped, whatever their text coincides with.
        self.assertNotIn(("ir_model_fields", "field_description"), self._kept(module_text))
        self.assertNotIn(("ir_ui_view", "arch_db"), self._kept(module_text))
        # A label written before the update was rewritten by it: module data again, skipped.
        write_label(f"Notes of {NAME}", updated - timedelta(hours=1))
        self.assertNotIn(("ir_model_fields", "field_description"), self._kept(person))
        # Written after the update: the person's data, scanned.
        write_label(f"Notes of {NAME}", updated + timedelta(hours=1))
        self.assertIn(("ir_model_fields", "field_description"), self._kept(person))
        write_label("Expected Revenue", updated - timedelta(hours=1))
        # A view of the user's own (no xmlid): scanned, even dated before the update.
        view = self.env["ir.ui.view"].create(
            {
                "name": "Our crm team",
                "type": "qweb",
                "key": "crm_gdpr.test_our_crm_team",
                "arch": f"<t t-name='crm_gdpr.test_our_crm_team'><p>Ask {EMAIL}</p></t>",
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ir_ui_view SET write_date = %s WHERE id = %s",
            [updated - timedelta(days=2), view.id],
        )
        self.assertIn(("ir_ui_view", "arch_db"), self._kept(person))
