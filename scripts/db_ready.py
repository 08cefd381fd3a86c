"""Exit 0 when the named database exists and has every project addon installed (and the other
modules named after it: `db_ready.py crm_stock crm portal`).

Used by `make demo` (to reuse crm_demo) and `make test KEEP_DB=1`. Reads the database with psql
so it needs no Odoo registry.
"""

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def project_addons():
    for manifest in sorted(ROOT.glob("addons/*/__manifest__.py")):
        if ast.literal_eval(manifest.read_text()).get("installable", True):
            yield manifest.parent.name


def installed_modules(db):
    query = "SELECT name FROM ir_module_module WHERE state = 'installed'"
    result = subprocess.run(
        ["psql", "-d", db, "-tAc", query], capture_output=True, text=True, check=False
    )
    if result.returncode:
        return None
    return set(result.stdout.split())


def main(db, *modules):
    installed = installed_modules(db)
    if installed is None:
        return 1
    missing = (set(project_addons()) | set(modules)) - installed
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
