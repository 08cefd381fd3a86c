"""A job worker for run_cron.py: one process with its own registry that runs a scheduled job's
server action the way Odoo's cron runner does (ir.cron._run_job: a progress record, the
callback in its own transaction, again while the job reports work done and work remaining),
but WITHOUT Odoo's job lock, so that two workers really run the same job at the same moment
and only the job's own locking keeps them apart.

    job_worker.py CONF DB WORKDIR INDEX

It loads the registry once, then waits for go-<n> files in WORKDIR (the job's xmlid inside),
prepares the job's first progress record, writes set-<n>-<INDEX> and waits for go2-<n>,
polling every half millisecond so that both workers' first callbacks start within about a
millisecond of each other; it writes done-<n>-<INDEX> when the job is over. Its log goes to
WORKDIR/worker<INDEX>.log.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import load_registry

from odoo import api


def run_job(registry, xmlid, ready, go, max_batches=50):
    """Odoo's cron runner without the job lock: a progress record, then the callback in its
    own transaction, again while it reports work done and work remaining. The first progress
    record is made before saying `ready` and waiting for `go`, so that both workers' first
    callbacks start together. Returns the start time and the number of callbacks."""
    calls = 0
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        cron = env.ref(xmlid)
        cron_id, user_id, name = cron.id, cron.user_id.id, cron.cron_name
        action_id = cron.ir_actions_server_id.id
    with registry.cursor() as cr:
        env = api.Environment(cr, user_id, {"cron_id": cron_id})
        cron = env["ir.cron"].browse(cron_id)
        cron, progress = cron._add_progress(timed_out_counter=0)
        cr.commit()
        open(ready, "w").close()
        while not os.path.exists(go):
            time.sleep(0.0005)
        started = time.time()
        for _batch in range(max_batches):
            if calls:
                cron, progress = cron._add_progress(timed_out_counter=0)
                cr.commit()
            calls += 1
            try:
                cron._callback(name, action_id)
            except Exception:  # noqa: BLE001  (logged by _callback; the cron runner stops too)
                cr.rollback()
                break
            cr.commit()
            if not (progress.done and progress.remaining):
                break
    return started, calls


def main():
    conf, db, workdir, index = sys.argv[1:5]
    registry = load_registry(
        conf, db, logfile=os.path.join(workdir, f"worker{index}.log"), level="info"
    )
    open(os.path.join(workdir, f"ready-{index}"), "w").close()
    number = 0
    while True:
        number += 1
        go = os.path.join(workdir, f"go-{number}")
        while not os.path.exists(go):
            if os.path.exists(os.path.join(workdir, "stop")):
                return
            time.sleep(0.001)
        with open(go) as file:
            xmlid = file.read().strip()
        started, calls = run_job(
            registry,
            xmlid,
            os.path.join(workdir, f"set-{number}-{index}"),
            os.path.join(workdir, f"go2-{number}"),
        )
        with open(os.path.join(workdir, f"done-{number}-{index}"), "w") as file:
            json.dump(
                {"job": xmlid, "started": started, "ended": time.time(), "calls": calls}, file
            )


if __name__ == "__main__":
    main()
