#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster when it is down and gives the current OS user a role that can
# create databases (Odoo connects through the Unix socket with peer authentication).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
    say "Creating the PostgreSQL $PG_VERSION cluster"
    $SUDO pg_createcluster "$PG_VERSION" main >/dev/null
fi
read -r version cluster _ status _ < <(pg_lsclusters -h | head -n1)
if [ "$status" != "online" ]; then
    say "Starting PostgreSQL $version/$cluster"
    $SUDO pg_ctlcluster "$version" "$cluster" start
fi
for _ in $(seq 30); do pg_isready -q && break; sleep 1; done
pg_isready -q || die "PostgreSQL did not start; see /var/log/postgresql/"

me=$(id -un)
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
if [ "$(as_postgres "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$me'\"")" != 1 ]; then
    say "Creating the PostgreSQL role $me"
    as_postgres "createuser --createdb '$me'"
fi
