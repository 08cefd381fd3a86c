"""Odoo's own runner (`odoo-bin --test-tags /<addon>`) runs only the test modules that the
addon's tests/__init__.py imports, while pytest collects every tests/test_*.py: a module left out
of __init__.py runs under one and silently not under the other. Every test module must be
imported by its package's __init__.py."""

import ast
import pathlib
import tempfile

from odoo.tests import BaseCase, tagged

ROOT = pathlib.Path(__file__).resolve().parent.parent


def imported_modules(init):
    """Names of the sibling modules that the package __init__.py imports."""
    names = set()
    for node in ast.walk(ast.parse(init.read_text(), str(init))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:  # from .test_x import TestX
                names.add(node.module.split(".")[0])
            else:  # from . import test_x, test_y
                names.update(alias.name for alias in node.names)
    return names


def not_imported(addons_dir):
    """{addon tests package: [test modules its __init__.py does not import]}."""
    missing = {}
    for tests in sorted(pathlib.Path(addons_dir).glob("*/tests")):
        if not (tests.parent / "__manifest__.py").is_file():
            continue
        modules = sorted(path.stem for path in tests.glob("test_*.py"))
        init = tests / "__init__.py"
        imported = imported_modules(init) if init.is_file() else set()
        left_out = [module for module in modules if module not in imported]
        if left_out:
            missing[str(tests.relative_to(addons_dir))] = left_out
    return missing


@tagged("post_install", "-at_install")
class TestTestModulesImported(BaseCase):
    def test_every_test_module_is_imported(self):
        self.assertEqual(
            not_imported(ROOT / "addons"),
            {},
            "import these modules in the package's tests/__init__.py (Odoo's runner skips them)",
        )

    def test_the_check_finds_a_module_left_out(self):
        with tempfile.TemporaryDirectory() as tmp:
            tests = pathlib.Path(tmp) / "some_addon" / "tests"
            tests.mkdir(parents=True)
            (tests.parent / "__manifest__.py").write_text("{}")
            (tests / "__init__.py").write_text(
                "from . import test_a, common\nfrom .test_b import TestB\n"
            )
            for name in ("test_a", "test_b", "test_c", "common"):
                (tests / f"{name}.py").write_text("")
            self.assertEqual(not_imported(tmp), {"some_addon/tests": ["test_c"]})
            (tests / "__init__.py").unlink()
            self.assertEqual(
                not_imported(tmp), {"some_addon/tests": ["test_a", "test_b", "test_c"]}
            )
