#!/usr/bin/env bash
# Installs what is missing (Debian packages, the project virtualenv) and starts PostgreSQL.
# Safe to run again: each step checks first and does nothing when already done.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$ROOT/scripts/check_odoo_src.sh"

# --- Debian packages --------------------------------------------------------------------------
# chromium runs Odoo's browser tours; the -dev packages build python-ldap from Odoo's requirements;
# wkhtmltopdf prints the PDF reports and poppler-utils' pdftotext reads them back in the tests;
# fonts-noto-core has the Arabic and Hebrew glyphs of the reports and pages.
DEB_PACKAGES=(postgresql chromium python3-venv build-essential libldap2-dev libsasl2-dev libpq-dev
              fonts-noto-core fonts-dejavu-core wkhtmltopdf poppler-utils)
# Node.js and npm bring rtlcss below; a node already on the machine (e.g. another vendor's
# package that bundles npm) is kept: Debian's npm would conflict with it.
command -v npm >/dev/null || DEB_PACKAGES+=(nodejs npm)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "Installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python virtualenv ------------------------------------------------------------------------
# Rebuilt only when Odoo's requirements, ours or the Odoo tree change (a stamp holds their hash).
stamp_of() {
    cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt" "$ROOT/scripts/setup.sh"
    echo "$ODOO_SRC"
}
want=$(stamp_of | sha256sum | cut -d' ' -f1)
stamp=$VENV/.crm-suite-stamp
if [ ! -x "$PY" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Preparing the virtualenv at $VENV"
    [ -x "$PY" ] || python3 -m venv "$VENV"
    "$PY" -m pip install -q --disable-pip-version-check 'pip>=25.3' wheel
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # psycopg2-binary instead of psycopg2 (no libpq build); cbor2 and friends still build with
    # setup.py and need a setuptools that has pkg_resources: hence the build constraint.
    sed -e 's/^psycopg2==/psycopg2-binary==/' "$ODOO_SRC/requirements.txt" > "$tmp/odoo-requirements.txt"
    echo 'setuptools<70' > "$tmp/build-constraints.txt"
    "$PY" -m pip install -q --disable-pip-version-check --build-constraint "$tmp/build-constraints.txt" \
        -r "$tmp/odoo-requirements.txt" -r "$ROOT/requirements.txt"
    # Registers Odoo itself in the virtualenv, so that OCA addons from PyPI resolve their
    # dependency on odoo without pulling another copy.
    "$PY" -m pip install -q --disable-pip-version-check --no-deps -e "$ODOO_SRC"
    echo "$want" > "$stamp"
fi

# --- rtlcss -----------------------------------------------------------------------------------
# Odoo builds the right-to-left stylesheets (Arabic, Hebrew) by running `rtlcss`, looked up on
# PATH (odoo.tools.misc.find_in_path); without it the RTL bundles are the LTR ones, unflipped.
RTLCSS_VERSION=4.3.0
if ! command -v rtlcss >/dev/null || [ "$(rtlcss --version 2>/dev/null)" != "rtlcss version: $RTLCSS_VERSION" ]; then
    say "Installing rtlcss $RTLCSS_VERSION from npm"
    $SUDO npm install --global --no-fund --no-audit --loglevel=error "rtlcss@$RTLCSS_VERSION" >/dev/null
    # npm's global bin folder may be off PATH (a custom prefix): link the command where Odoo looks.
    if ! command -v rtlcss >/dev/null; then
        $SUDO ln -sf "$(npm prefix --global)/bin/rtlcss" /usr/local/bin/rtlcss
    fi
    command -v rtlcss >/dev/null || die "rtlcss is not on PATH after npm install; see npm prefix --global"
fi

# Linters live apart from Odoo (see requirements-lint.txt).
"$ROOT/scripts/setup_lint.sh"

# --- PostgreSQL -------------------------------------------------------------------------------
"$ROOT/scripts/pg.sh"
