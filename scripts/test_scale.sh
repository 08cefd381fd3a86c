#!/usr/bin/env bash
# make test-scale: the suite on Odoo's scaled-out deployment, with real parts.
#
#  1. a PostgreSQL primary of its own (Debian's pg_createcluster, port $SCALE_PRIMARY_PORT) and a
#     database with every addon of the suite (no demo data: each test seeds its own records);
#  2. tests/scale/run_cron.py: every scheduled job of the suite, run at the same moment by the
#     cron threads of two odoo-bin servers, then by two processes without Odoo's job lock,
#     handles each record exactly once;
#  3. a streaming replica of that primary (pg_basebackup -R, port $SCALE_REPLICA_PORT) and
#     tests/scale/run_replica.py: an odoo-bin server with --db_replica_host/--db_replica_port
#     serves the read-only portal pages from the replica while writes go to the primary.
# Every process it starts is stopped and both clusters are dropped on exit, failure included.
# Exit status non-zero on any failed check or any ERROR in the logs of the servers and workers.
#
#   SKIP_SETUP=1   do not run scripts/setup.sh (the virtualenv and packages are there already)
#   KEEP_LOGS=1    keep the work directory with the logs (printed at the end)
#   SCALE_STEP_TIMEOUT=1200   seconds after which a step (install, jobs, replica) is stopped
set -euo pipefail
. "$(dirname "$0")/lib.sh"
start=$(date +%s)

PRIMARY_PORT=${SCALE_PRIMARY_PORT:-5434}
REPLICA_PORT=${SCALE_REPLICA_PORT:-5435}
# after "main" in pg_lsclusters' order: scripts/pg.sh looks at the first cluster listed
PRIMARY=${SCALE_PRIMARY_CLUSTER:-scale_primary}
REPLICA=${SCALE_REPLICA_CLUSTER:-scale_replica}
SCALE_DB=${SCALE_DB:-crm_scale}
PGBIN=/usr/lib/postgresql/$PG_VERSION/bin

if [ "${SKIP_SETUP:-0}" != 1 ]; then
    "$ROOT/scripts/setup.sh"
fi
missing=()
command -v pg_createcluster >/dev/null || missing+=(postgresql-common)
[ -x "$PGBIN/pg_basebackup" ] || missing+=("postgresql-$PG_VERSION")
if [ ${#missing[@]} -gt 0 ]; then
    say "Installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
drop_cluster() {
    if pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $1"; then
        $SUDO pg_dropcluster --stop "$PG_VERSION" "$1"
    fi
}

WORK=$(mktemp -d /tmp/crm-scale.XXXXXX)
chmod 755 "$WORK"
pids=()
cleanup() {
    status=$?
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    sleep 1
    for pid in "${pids[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    drop_cluster "$REPLICA" || true
    drop_cluster "$PRIMARY" || true
    if [ "${KEEP_LOGS:-0}" = 1 ] || [ "$status" != 0 ]; then
        echo "Logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    say "make test-scale took $(( ($(date +%s) - start) / 60 )) min $(( ($(date +%s) - start) % 60 )) s"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command in its own process group (so that cleanup stops it and its servers) and waits,
# at most SCALE_STEP_TIMEOUT seconds.
run() {
    setsid timeout -k 30 "${SCALE_STEP_TIMEOUT:-1200}" "$@" &
    pids+=("$!")
    wait "$!"
}

say "PostgreSQL primary $PRIMARY on port $PRIMARY_PORT"
drop_cluster "$REPLICA"
drop_cluster "$PRIMARY"
$SUDO pg_createcluster "$PG_VERSION" "$PRIMARY" -p "$PRIMARY_PORT" -- \
    --locale=C.UTF-8 --encoding=UTF8 >/dev/null
# a throwaway cluster: durability is not what is tested
$SUDO tee -a "/etc/postgresql/$PG_VERSION/$PRIMARY/postgresql.conf" >/dev/null <<'EOF'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = replica
max_wal_senders = 5
EOF
$SUDO pg_ctlcluster "$PG_VERSION" "$PRIMARY" start
as_postgres psql -q -p "$PRIMARY_PORT" -c "CREATE ROLE \"$(id -un)\" SUPERUSER LOGIN"

CONF=$WORK/odoo.conf
{
    echo "[options]"
    echo "addons_path = $ODOO_SRC/addons,$ROOT/addons"
    echo "db_host = /var/run/postgresql"
    echo "db_port = $PRIMARY_PORT"
    echo "data_dir = $WORK/data"
    echo "list_db = False"
} > "$CONF"

say "Database $SCALE_DB with: $(project_addons_csv)"
run "$PY" "$ODOO_BIN" -c "$CONF" -d "$SCALE_DB" -i "$(project_addons_csv)" --without-demo=all \
    --stop-after-init --log-level=warn --logfile "$WORK/install.log"
errors=$(grep -cE '^\S+ \S+ [0-9]+ (ERROR|CRITICAL) ' "$WORK/install.log" || true)
[ "$errors" = 0 ] || { grep -E -A20 ' (ERROR|CRITICAL) ' "$WORK/install.log"; die "errors while installing"; }

status=0
say "Scheduled jobs on two servers and two workers at once"
run "$PY" "$ROOT/tests/scale/run_cron.py" "$CONF" "$SCALE_DB" "$WORK/cron" || status=1

say "Streaming replica $REPLICA on port $REPLICA_PORT"
$SUDO pg_createcluster "$PG_VERSION" "$REPLICA" -p "$REPLICA_PORT" >/dev/null
replica_data=$(pg_lsclusters -h | awk -v c="$REPLICA" -v v="$PG_VERSION" '$1 == v && $2 == c {print $6}')
$SUDO rm -rf "$replica_data"
as_postgres "$PGBIN/pg_basebackup" -h /var/run/postgresql -p "$PRIMARY_PORT" -D "$replica_data" \
    -R -X stream -c fast
$SUDO pg_ctlcluster "$PG_VERSION" "$REPLICA" start
for _ in $(seq 60); do
    [ "$(psql -p "$REPLICA_PORT" -d "$SCALE_DB" -tAc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] && break
    sleep 1
done
[ "$(psql -p "$REPLICA_PORT" -d "$SCALE_DB" -tAc 'SELECT pg_is_in_recovery()')" = t ] \
    || die "the replica is not a hot standby"
streaming=$(psql -p "$PRIMARY_PORT" -d postgres -tAc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
[ "$streaming" -ge 1 ] || die "the replica does not stream from the primary"

say "Read-only pages from the replica, writes to the primary"
run "$PY" "$ROOT/tests/scale/run_replica.py" "$CONF" "$SCALE_DB" "$WORK/replica" "$REPLICA_PORT" \
    || status=1

[ "$status" = 0 ] && say "make test-scale: every check passed" || say "make test-scale: FAILED"
exit "$status"
