"""Rows a scheduled job takes for itself, so that the job can run on several workers and
servers at the same moment without handling a row twice (see README: "Cron on several
servers").

Odoo runs every transaction in REPEATABLE READ. A worker claims its batch with
``FOR UPDATE SKIP LOCKED``: rows another transaction holds are skipped, not waited for. A row
that another transaction changed and committed after this transaction began cannot be locked
(PostgreSQL refuses it instead of skipping it): that transaction handled it, and this one, whose
snapshot is older than that work, takes nothing more in this run (the claim returns None); the
job's next run, in a new transaction, sees the work done.
"""

from psycopg2.errors import SerializationFailure

from odoo.tools import SQL


def claim_sql(env, query):
    """Ids returned by `query` (an SQL ending with FOR UPDATE [OF ...] SKIP LOCKED), or None
    when another transaction committed a change to one of the rows since this one began."""
    try:
        with env.cr.savepoint(flush=False):
            env.cr.execute(query, log_exceptions=False)
            return [row[0] for row in env.cr.fetchall()]
    except SerializationFailure:
        return None


def claim(model, domain, limit=None, order="id"):
    """The records of `domain` (at most `limit`, in `order`) that this transaction now holds
    locked; rows held by other transactions are skipped, so workers running the same job
    share the records. An empty recordset when the claim lost a race (see claim_sql); the
    second value says so."""
    model.env.flush_all()
    query = model._search(domain, limit=limit, order=order)
    ids = claim_sql(
        model.env,
        SQL("%s FOR UPDATE OF %s SKIP LOCKED", query.select(), SQL.identifier(model._table)),
    )
    return model.browse(ids or []), ids is None
