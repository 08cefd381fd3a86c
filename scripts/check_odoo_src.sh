#!/usr/bin/env bash
# Stops at once, before anything is installed or started, when ODOO_SRC is not an Odoo 18.0 tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

hint="Set ODOO_SRC to the root of an Odoo 18.0 source tree (the folder holding odoo-bin), e.g.
  make test ODOO_SRC=/path/to/odoo-18.0     or     export ODOO_SRC=/path/to/odoo-18.0"

[ -d "$ODOO_SRC" ] || die "ODOO_SRC=$ODOO_SRC does not exist.
$hint"
[ -f "$ODOO_SRC/odoo-bin" ] && [ -f "$ODOO_SRC/odoo/release.py" ] || die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree (no odoo-bin or odoo/release.py).
$hint"
[ -f "$ODOO_SRC/requirements.txt" ] && [ -d "$ODOO_SRC/addons/crm" ] || die "ODOO_SRC=$ODOO_SRC lacks requirements.txt or addons/crm: a full Odoo Community tree is needed.
$hint"

# Read version_info without importing Odoo (no virtualenv exists yet on a fresh machine).
series=$(python3 - "$ODOO_SRC/odoo/release.py" <<'PY'
import sys
ns = {}
try:
    exec(compile(open(sys.argv[1]).read(), "release.py", "exec"), ns)
    print("%s.%s" % ns["version_info"][:2])
except Exception as exc:  # a broken release.py is a wrong ODOO_SRC, reported below
    print("unreadable (%s)" % exc)
PY
)
[ "$series" = "18.0" ] || die "ODOO_SRC=$ODOO_SRC holds Odoo $series; this suite needs Odoo 18.0.
$hint"
