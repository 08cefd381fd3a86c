#!/usr/bin/env bash
# make load: the suite on Odoo's scaled-out deployment, on this machine, measured.
#
#   two Odoo servers in prefork mode (LOAD_WORKERS HTTP workers and one cron worker each,
#   --proxy-mode, one data_dir: a shared filestore and shared sessions) on one database with the
#   demo data, behind Debian's nginx (its own configuration, pid and logs under the run's
#   folder: not the system service); a local SMTP sink for the mail queue; Locust (headless,
#   bounded by LOAD_RUN_TIME and LOAD_USERS, to 127.0.0.1 only) drives the journeys of
#   scripts/load/locustfile.py; then scripts/load_check.py asserts integrity (one booking per
#   slot, one winner per offer, one receipt per withdrawal and the chain intact, one signature
#   per quotation, what each client was told it won is in the database), no HTTP 5xx (nginx's
#   log), no ERROR in either server's log, and prints the figures.
#
# Settings (environment or make load VAR=...):
#   LOAD_DB=crm_load        the database (built with every addon and the demo data when missing,
#                           reused afterwards; each run adds its own fixtures)
#   LOAD_USERS=50           concurrent users;   LOAD_SPAWN_RATE=5  users started per second
#   LOAD_RUN_TIME=4m        how long Locust runs (the whole make load stays under ~10 minutes
#                           on a 2-core machine when the database exists)
#   LOAD_WORKERS=2          HTTP workers per server
#   LOAD_PORT=8090          nginx; the servers on LOAD_PORT+1 and +2 (their gevent ports +11
#                           and +12), the SMTP sink on LOAD_PORT+9
# Exit status: non-zero when an integrity check fails, a 5xx was answered or an ERROR logged.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

LOAD_DB=${LOAD_DB:-crm_load}
LOAD_USERS=${LOAD_USERS:-50}
LOAD_SPAWN_RATE=${LOAD_SPAWN_RATE:-5}
LOAD_RUN_TIME=${LOAD_RUN_TIME:-4m}
LOAD_WORKERS=${LOAD_WORKERS:-2}
LOAD_PORT=${LOAD_PORT:-8090}
LOAD_VENV=${LOAD_VENV:-$ROOT/.venv-load}
LOAD_DATA_DIR=${LOAD_DATA_DIR:-$ROOT/.var/load/data}
RUN=$ROOT/.var/load/run-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RUN" "$LOAD_DATA_DIR"

# --- What the load needs: nginx (Debian), Locust (its own virtualenv), PostgreSQL ---------------
# LOAD_SKIP_SETUP=1 skips scripts/setup.sh (a machine already set up, a shared virtualenv)
[ "${LOAD_SKIP_SETUP:-0}" = 1 ] || "$ROOT/scripts/setup.sh"
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    say "Installing Debian's nginx"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# Locust pins gevent, greenlet, Werkzeug and requests newer than Odoo 18's own pins: it lives
# in its own virtualenv (requirements-load.txt), like the linters, never in Odoo's.
want_load=$(sha256sum < "$ROOT/requirements-load.txt" | cut -d' ' -f1)
if [ ! -x "$LOAD_VENV/bin/locust" ] || [ "$(cat "$LOAD_VENV/.crm-suite-stamp" 2>/dev/null)" != "$want_load" ]; then
    say "Preparing Locust's virtualenv at $LOAD_VENV"
    [ -x "$LOAD_VENV/bin/python" ] || python3 -m venv "$LOAD_VENV"
    "$LOAD_VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements-load.txt"
    echo "$want_load" > "$LOAD_VENV/.crm-suite-stamp"
fi

# --- The database: every addon, the demo data ----------------------------------------------------
if "$PY" "$ROOT/scripts/db_ready.py" "$LOAD_DB"; then
    say "Reusing $LOAD_DB (dropdb $LOAD_DB rebuilds it)"
else
    say "Building $LOAD_DB with every addon and the demo data (once)"
    odoo -d "$LOAD_DB" -i "$(project_addons_csv)" --data-dir="$LOAD_DATA_DIR" \
        --stop-after-init --log-level=warn
fi

# --- Everything started below is stopped on the way out, failure or not ------------------------
pids=()
# (an Odoo server in prefork mode stops gracefully on a first TERM, at once on a second one)
stop_all() {
    local pid signal
    for signal in TERM TERM KILL; do
        for pid in "${pids[@]}"; do kill -"$signal" "$pid" 2>/dev/null || true; done
        for _ in $(seq 15); do
            alive=0
            for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
            [ "$alive" = 0 ] && break
            sleep 1
        done
    done
    wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

say "Fixtures for this run"
(cd "$ROOT" && "$PY" scripts/load_setup.py -c "$ODOO_CONF" -d "$LOAD_DB" -D "$LOAD_DATA_DIR" \
    --base-url "http://127.0.0.1:$LOAD_PORT" --out "$RUN/fixtures.json")

SMTP_PORT=$((LOAD_PORT + 9))
"$PY" "$ROOT/scripts/load/smtp_sink.py" 127.0.0.1 "$SMTP_PORT" "$RUN/mails-sent" &
pids+=($!)

servers=()
for n in 1 2; do
    port=$((LOAD_PORT + n))
    (cd "$ROOT" && exec "$PY" "$ODOO_BIN" -c "$ODOO_CONF" -d "$LOAD_DB" --db-filter="^$LOAD_DB\$" \
        --workers="$LOAD_WORKERS" --max-cron-threads=1 --proxy-mode \
        --http-interface=127.0.0.1 --http-port="$port" --gevent-port=$((LOAD_PORT + 10 + n)) \
        --data-dir="$LOAD_DATA_DIR" --smtp=127.0.0.1 --smtp-port="$SMTP_PORT" \
        --logfile="$RUN/odoo-$n.log" --log-level=info) &
    pids+=($!)
    servers+=("127.0.0.1:$port")
done

mkdir -p "$RUN/nginx"
cat > "$RUN/nginx/nginx.conf" <<NGINX
# Odoo behind a reverse proxy, as in Odoo's deployment documentation: two servers, the
# websocket on their gevent ports, the forwarded headers that --proxy-mode reads.
daemon off;
worker_processes 2;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx/error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    log_format timed '\$remote_addr [\$time_iso8601] "\$request" \$status \$body_bytes_sent '
                     '\$request_time \$upstream_addr \$upstream_status';
    access_log $RUN/nginx/access.log timed;
    client_body_temp_path $RUN/nginx/body;
    proxy_temp_path $RUN/nginx/proxy;
    fastcgi_temp_path $RUN/nginx/fastcgi;
    uwsgi_temp_path $RUN/nginx/uwsgi;
    scgi_temp_path $RUN/nginx/scgi;
    # max_fails=0: one slow or failed answer (a worker killed by limit_time_real) does not take
    # a whole server out of the group for fail_timeout; each failure still counts below
    upstream odoo {
        server ${servers[0]} max_fails=0;
        server ${servers[1]} max_fails=0;
    }
    upstream odoochat {
        server 127.0.0.1:$((LOAD_PORT + 11)) max_fails=0;
        server 127.0.0.1:$((LOAD_PORT + 12)) max_fails=0;
    }
    # Asset bundles (/web/assets/<id>/<hash>/<name>) never change behind a URL: the proxy keeps
    # them, and fetches a missing one from the servers' gevent workers, never from the prefork
    # workers. A worker printing a PDF waits for wkhtmltopdf, which fetches the report's
    # stylesheets and fonts from report.url (this proxy). Sent to the prefork workers, a fetch
    # the cache misses (a bundle variant not printed yet, a bundle rebuilt after a cache
    # invalidation) waits in the listen queue of a server whose workers are all printing, each
    # waiting for that same fetch, until limit_time_real kills them (make load's 502s on
    # signatures). The gevent worker serves the whole application, one greenlet per request,
    # and never prints: a print never waits for a print.
    proxy_cache_path $RUN/nginx/cache levels=1:2 keys_zone=odoo_assets:10m max_size=256m
                     inactive=1d use_temp_path=off;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    server {
        listen 127.0.0.1:$LOAD_PORT;
        client_max_body_size 64m;
        proxy_read_timeout 720s;
        proxy_connect_timeout 720s;
        proxy_send_timeout 720s;
        proxy_set_header X-Forwarded-Host \$http_host;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Real-IP \$remote_addr;
        proxy_redirect off;
        location /websocket {
            proxy_pass http://odoochat;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
        }
        location /web/assets/ {
            proxy_pass http://odoochat;
            proxy_cache odoo_assets;
            proxy_cache_valid 200 1d;
            # the first miss goes to Odoo, the others wait for it instead of taking workers
            proxy_cache_lock on;
            proxy_cache_lock_timeout 120s;
            # public files: a session cookie Odoo may attach is neither kept nor passed on
            proxy_ignore_headers Set-Cookie;
            proxy_hide_header Set-Cookie;
            add_header X-Cache-Status \$upstream_cache_status;
        }
        # addons' static files (the report's fonts, which wkhtmltopdf fetches too): the same
        location ~ ^/[^/]+/static/ {
            proxy_pass http://odoochat;
            proxy_cache odoo_assets;
            proxy_cache_valid 200 1h;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 120s;
            proxy_ignore_headers Set-Cookie;
            proxy_hide_header Set-Cookie;
            add_header X-Cache-Status \$upstream_cache_status;
        }
        location / { proxy_pass http://odoo; }
        gzip on;
        gzip_types text/css text/plain application/json application/javascript;
    }
}
NGINX
"$NGINX" -t -q -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" 2>"$RUN/nginx/check.log" \
    || die "nginx refused its configuration: $(cat "$RUN/nginx/check.log")"
"$NGINX" -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" &
pids+=($!)

say "Waiting for both servers (HTTP workers and websocket server)"
answers() {
    "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' "$1" 2>/dev/null
}
for n in 1 2; do
    for url in "http://127.0.0.1:$((LOAD_PORT + n))/web/health" \
               "http://127.0.0.1:$((LOAD_PORT + 10 + n))/websocket/health"; do
        for _ in $(seq 120); do answers "$url" && break; sleep 1; done
        answers "$url" || die "server $n does not answer $url; see $RUN/odoo-$n.log"
    done
done
# warm both servers' workers up (assets, registry) through the proxy, not measured; print the
# stock quotation once, so that the proxy holds what wkhtmltopdf fetches (stylesheets, fonts)
# before the first customers sign at once (a cold miss is one more request on a busy worker)
for _ in 1 2 3 4 5 6; do
    "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=120)' \
        "http://127.0.0.1:$LOAD_PORT/web/login" >/dev/null 2>&1 || true
done
stock_pdf=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["stock_quote"]["url"])' \
    "$RUN/fixtures.json")
"$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=120)' \
    "http://127.0.0.1:$LOAD_PORT$stock_pdf&report_type=pdf" >/dev/null 2>&1 || true

say "Locust: $LOAD_USERS users (spawn $LOAD_SPAWN_RATE/s) for $LOAD_RUN_TIME on http://127.0.0.1:$LOAD_PORT"
locust_status=0
LOAD_FIXTURES="$RUN/fixtures.json" LOAD_OUTCOMES="$RUN/outcomes.json" \
    "$LOAD_VENV/bin/locust" -f "$ROOT/scripts/load/locustfile.py" --headless \
    --host "http://127.0.0.1:$LOAD_PORT" -u "$LOAD_USERS" -r "$LOAD_SPAWN_RATE" \
    --run-time "$LOAD_RUN_TIME" --stop-timeout 60 --csv "$RUN/locust" --only-summary \
    --loglevel WARNING > "$RUN/locust.log" 2>&1 || locust_status=$?

# let the servers' cron workers send the mail queued by the last requests, then stop them
sleep 5
stop_all
pids=()

say "Integrity and figures"
(cd "$ROOT" && "$PY" scripts/load_check.py -c "$ODOO_CONF" -d "$LOAD_DB" -D "$LOAD_DATA_DIR" --run "$RUN" \
    --users "$LOAD_USERS" --workers "$LOAD_WORKERS" --run-time "$LOAD_RUN_TIME" \
    --locust-status "$locust_status")
