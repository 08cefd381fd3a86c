"""Every scheduled job of the suite, run at the same moment by two real processes, handles each
record exactly once.

    run_cron.py CONF DB WORKDIR [xmlid-substring ...]

For each job of cron_jobs.JOBS, twice:
1. two cron servers: two odoo-bin servers (threaded, one cron thread each) on the database; the
   job is made due and both cron threads are woken by the same NOTIFY (what Odoo does when a
   job is triggered): Odoo's job lock lets one of them run it;
2. two job workers: two processes (job_worker.py) that run the job's server action as Odoo's
   cron runner does but without Odoo's job lock, started together (they poll for the same go
   file), so the job's own locking is what keeps them apart.
After each, the records seeded for the job are checked (cron_jobs: each handled exactly once),
and at the end the logs of the servers and workers must hold no ERROR.
Exit status 1 on any failure.
"""

import json
import os
import subprocess
import sys
import time

from psycopg2.errors import LockNotAvailable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cron_jobs import JOBS
from harness import HERE, Env, Server, load_registry, log_errors, stop_on_sigterm

import odoo

HTTP_PORTS = (8351, 8352)
GEVENT_PORTS = (8361, 8362)


def prepare(registry):
    """No job runs unless a test makes it due; mails stay in the queue."""
    with Env(registry) as env:
        env.cr.execute("UPDATE ir_cron SET active = false")
        env["ir.config_parameter"].set_param("mail.mail.force.send.limit", 0)
        for xmlid, code, _seed, _check in JOBS:
            if code:
                env.ref(xmlid).code = code


def notify(db):
    """Wake every cron thread listening on this cluster, as ir.cron._notifydb does."""
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute("SELECT pg_notify('cron_trigger', %s)", (db,))
        cr.commit()


def run_by_servers(registry, db, xmlid, timeout=180):
    """Make the job due and wake both cron threads; wait until it is rescheduled later."""
    with Env(registry) as env:
        cron = env.ref(xmlid)
        cron_id = cron.id
        env.cr.execute(
            "UPDATE ir_cron SET active = true, nextcall = now() at time zone 'UTC'"
            " - interval '1 second' WHERE id = %s",
            (cron_id,),
        )
    notify(db)
    deadline = time.time() + timeout
    while time.time() < deadline:
        time.sleep(0.5)
        with Env(registry) as env:
            env.cr.execute(
                "SELECT nextcall > now() at time zone 'UTC' + interval '1 minute'"
                " FROM ir_cron WHERE id = %s",
                (cron_id,),
            )
            later = env.cr.fetchone()[0]
            env.cr.execute(
                "SELECT count(*) FROM ir_cron_trigger WHERE cron_id = %s"
                " AND call_at <= now() at time zone 'UTC'",
                (cron_id,),
            )
            triggered = env.cr.fetchone()[0]
            if later and not triggered:
                try:
                    with env.cr.savepoint(flush=False):
                        env.cr.execute(
                            "SELECT id FROM ir_cron WHERE id = %s FOR UPDATE NOWAIT",
                            (cron_id,),
                            log_exceptions=False,
                        )
                except LockNotAvailable:  # the job is running: wait
                    continue
                env.cr.execute("UPDATE ir_cron SET active = false WHERE id = %s", (cron_id,))
                return True
    return False


class Workers:
    def __init__(self, conf, db, workdir):
        self.workdir = os.path.join(workdir, "workers")
        os.makedirs(self.workdir, exist_ok=True)
        for name in os.listdir(self.workdir):
            if not name.endswith(".log"):
                os.remove(os.path.join(self.workdir, name))
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    os.path.join(HERE, "job_worker.py"),
                    conf,
                    db,
                    self.workdir,
                    str(index),
                ]
            )
            for index in (1, 2)
        ]
        self.number = 0

    def wait_ready(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if all(os.path.exists(os.path.join(self.workdir, f"ready-{i}")) for i in (1, 2)):
                return
            if any(process.poll() is not None for process in self.processes):
                raise RuntimeError("a job worker exited")
            time.sleep(0.2)
        raise RuntimeError("job workers not ready")

    def run(self, xmlid, timeout=300):
        self.number += 1
        go = os.path.join(self.workdir, f"go-{self.number}")
        with open(go + ".tmp", "w") as file:
            file.write(xmlid)
        os.rename(go + ".tmp", go)
        deadline = time.time() + timeout
        ready = [os.path.join(self.workdir, f"set-{self.number}-{i}") for i in (1, 2)]
        while not all(os.path.exists(path) for path in ready):
            if time.time() > deadline or any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"{xmlid}: job workers not ready")
            time.sleep(0.01)
        open(os.path.join(self.workdir, f"go2-{self.number}"), "w").close()
        done = [os.path.join(self.workdir, f"done-{self.number}-{i}") for i in (1, 2)]
        while time.time() < deadline:
            if all(os.path.exists(path) for path in done):
                time.sleep(0.05)
                results = []
                for path in done:
                    with open(path) as file:
                        results.append(json.load(file))
                return results
            if any(process.poll() is not None for process in self.processes):
                raise RuntimeError("a job worker exited")
            time.sleep(0.1)
        raise RuntimeError(f"{xmlid}: job workers did not finish")

    def logs(self):
        return [os.path.join(self.workdir, f"worker{i}.log") for i in (1, 2)]

    def stop(self):
        open(os.path.join(self.workdir, "stop"), "w").close()
        for process in self.processes:
            try:
                process.wait(30)
            except Exception:  # noqa: BLE001
                process.kill()


def servers_that_ran(servers, xmlid_name, marks):
    """Servers whose log says they ran the job since `marks` (log sizes before)."""
    ran = []
    for server, mark in zip(servers, marks, strict=True):
        with open(server.logfile, encoding="utf-8", errors="replace") as log:
            log.seek(mark)
            if f"Job '{xmlid_name}'" in log.read():
                ran.append(server.name)
    return ran


def main():
    conf, db, workdir, *only = sys.argv[1:]
    os.makedirs(workdir, exist_ok=True)
    stop_on_sigterm()
    registry = load_registry(conf, db, logfile=os.path.join(workdir, "run_cron.log"))
    jobs = [job for job in JOBS if not only or any(word in job[0] for word in only)]
    prepare(registry)
    servers = [
        Server(
            f"cron server {i + 1}",
            conf,
            db,
            HTTP_PORTS[i],
            GEVENT_PORTS[i],
            os.path.join(workdir, f"cron_server{i + 1}.log"),
            ["--max-cron-threads=1"],
        )
        for i in range(2)
    ]
    workers = Workers(conf, db, workdir)
    failures = []
    report = []
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        workers.wait_ready()
        time.sleep(2)  # both cron threads are listening
        for xmlid, _code, seed, check in jobs:
            with Env(registry) as env:
                name = env.ref(xmlid).cron_name
            # 1. two cron servers woken at once
            with Env(registry) as env:
                seeded = seed(env)
            marks = [os.path.getsize(server.logfile) for server in servers]
            started = time.time()
            finished = run_by_servers(registry, db, xmlid)
            with Env(registry) as env:
                problems = check(env, seeded) if finished else ["the job did not finish"]
            ran = servers_that_ran(servers, name, marks)
            report.append((xmlid, "two cron servers", time.time() - started, problems, ran))
            # 2. two job workers at the same moment, without Odoo's job lock
            with Env(registry) as env:
                seeded = seed(env)
            started = time.time()
            results = workers.run(xmlid)
            with Env(registry) as env:
                problems = check(env, seeded)
            gap = abs(results[0]["started"] - results[1]["started"])
            overlap = min(r["ended"] for r in results) - max(r["started"] for r in results)
            info = [
                f"start gap {gap * 1000:.1f} ms",
                f"overlap {overlap * 1000:.0f} ms",
                f"callbacks {[r['calls'] for r in results]}",
            ]
            if overlap <= 0:
                problems = [*problems, "the two workers did not run at the same time"]
            report.append((xmlid, "two job workers", time.time() - started, problems, info))
    finally:
        for server in servers:
            server.stop()
        workers.stop()
    for xmlid, mode, seconds, problems, info in report:
        status = "FAIL" if problems else "ok"
        print(f"{status:4} {xmlid:56} {mode:17} {seconds:5.1f}s {', '.join(map(str, info))}")
        for problem in problems:
            print(f"     {problem}")
            failures.append(f"{xmlid} ({mode}): {problem}")
    for server_or_log in [s.logfile for s in servers] + workers.logs():
        for error in log_errors(server_or_log):
            failures.append(f"{os.path.basename(server_or_log)}: {error}")
            print(f"ERROR in {server_or_log}:\n{error}")
    for xmlid, mode, _s, _p, info in report:
        if mode == "two cron servers" and len(info) != 1:
            failures.append(f"{xmlid}: run by {info or 'no server'}, expected exactly one")
            print(f"FAIL {xmlid}: run by {info or 'no server'}, expected exactly one server")
    print(f"{len(report)} runs, {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
