"""Install check: every addon installs alone (only its declared depends) on an empty database, all
of them install together, and each uninstalls cleanly, without a single warning in Odoo's log.

"Cleanly" means: the module ends up uninstalled, no ir.model.data row of it is left, and none of
the models it created remains in ir.model. Runs two databases at a time (the machine's cores).

    python scripts/install_check.py [addon ...]   # those alone; none given: all, and all together

INSTALL_CHECK_PREFIX (default crm_check_) names the databases, so that parallel runs don't meet.
"""

import ast
import os
import pathlib
import re
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parent.parent
ODOO_SRC = pathlib.Path(os.environ.get("ODOO_SRC", "/opt/odoo"))
CONF = os.environ.get("ODOO_CONF", str(ROOT / "odoo.conf"))
JOBS = int(os.environ.get("INSTALL_CHECK_JOBS", "2"))
PREFIX = os.environ.get("INSTALL_CHECK_PREFIX", "crm_check_")

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) ")
BAD_LEVELS = {"WARNING", "ERROR", "CRITICAL"}

UNINSTALL_SCRIPT = textwrap.dedent(
    """
    names = {names!r}
    modules = env["ir.module.module"].search([("name", "in", names)])
    # Models these addons define alone: an ir.model that no other module also declares (models
    # the addons merely extend, such as crm.lead, stay after the uninstall, as they should).
    model_data = env["ir.model.data"].search([("model", "=", "ir.model")])
    declared_by = {{}}
    for data in model_data:
        declared_by.setdefault(data.res_id, set()).add(data.module)
    own_ids = [res_id for res_id, mods in declared_by.items() if mods and mods <= set(names)]
    model_names = env["ir.model"].browse(own_ids).mapped("model")
    modules.button_immediate_uninstall()
    env.cr.commit()
    env.invalidate_all()
    left = []
    for module in env["ir.module.module"].search([("name", "in", names)]):
        if module.state != "uninstalled":
            left.append("%s is %s" % (module.name, module.state))
    data = env["ir.model.data"].search_count([("module", "in", names)])
    if data:
        left.append("%d ir.model.data rows remain" % data)
    models = env["ir.model"].search([("model", "in", model_names)]).mapped("model")
    if models:
        left.append("models remain: %s" % ", ".join(models))
    print("UNINSTALL-RESULT:" + ("; ".join(left) or "clean"))
    """
)


def project_addons():
    for manifest in sorted(ROOT.glob("addons/*/__manifest__.py")):
        if ast.literal_eval(manifest.read_text()).get("installable", True):
            yield manifest.parent.name


def odoo(args, stdin=None):
    cmd = [sys.executable, str(ODOO_SRC / "odoo-bin"), *args[:1], "-c", CONF, *args[1:]]
    # odoo.conf's addons_path reads ${ODOO_SRC}: make sure Odoo sees it.
    env = dict(os.environ, ODOO_SRC=str(ODOO_SRC))
    return subprocess.run(
        cmd, cwd=ROOT, input=stdin, capture_output=True, text=True, check=False, env=env
    )


def bad_log_entries(output):
    """Each WARNING/ERROR/CRITICAL log record, with the lines that follow it (tracebacks)."""
    entries, current = [], None
    for line in output.splitlines():
        match = LOG_LINE.match(line)
        if match:
            current = None
            if match["level"] in BAD_LEVELS:
                current = [line]
                entries.append(current)
        elif current is not None and len(current) < 15:
            current.append(line)
    return ["\n".join(entry) for entry in entries]


def drop(db):
    subprocess.run(["dropdb", "--if-exists", db], check=True, capture_output=True)
    filestore = pathlib.Path.home() / ".local/share/Odoo/filestore" / db
    subprocess.run(["rm", "-rf", str(filestore)], check=True)


def check(label, addons):
    """Install `addons` on a new database, then uninstall them. Returns a list of problems."""
    db = PREFIX + label
    problems = []
    drop(db)
    started = time.time()
    run = odoo(
        [
            "server",
            "-d",
            db,
            "-i",
            ",".join(addons),
            "--stop-after-init",
            "--log-level=warn",
            "--no-http",
        ]
    )
    if run.returncode:
        problems.append("install exited with %s:\n%s" % (run.returncode, run.stderr[-3000:]))
    problems += ["install logged:\n" + entry for entry in bad_log_entries(run.stderr)]
    if not problems:
        script = UNINSTALL_SCRIPT.format(names=list(addons))
        run = odoo(["shell", "-d", db, "--log-level=warn", "--no-http"], stdin=script)
        outcome = re.search(r"UNINSTALL-RESULT:(.*)", run.stdout)
        if not outcome:
            problems.append("uninstall did not finish:\n%s" % run.stderr[-3000:])
        elif outcome[1] != "clean":
            problems.append("uninstall left: " + outcome[1])
        problems += ["uninstall logged:\n" + entry for entry in bad_log_entries(run.stderr)]
    drop(db)
    print(
        "  %-28s %s (%ds)" % (label, "ok" if not problems else "FAILED", time.time() - started),
        flush=True,
    )
    return problems


def main(selected):
    addons = list(project_addons())
    if not addons:
        print("  no addons to check")
        return 0
    unknown = set(selected) - set(addons)
    if unknown:
        print("  unknown addons: %s" % ", ".join(sorted(unknown)))
        return 1
    if selected:
        jobs = [(name, [name]) for name in selected]
    else:
        jobs = [(name, [name]) for name in addons] + [("all_together", addons)]
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        results = list(pool.map(lambda job: (job[0], check(*job)), jobs))
    failures = [(label, problems) for label, problems in results if problems]
    for label, problems in failures:
        print("\n[%s]" % label)
        for problem in problems:
            print(textwrap.indent(problem, "    "))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
