"""Keeping the report's day counts (``report/day_counts.py``) equal to what the cases add up to.

The writer reads the cases a batch touches before it applies the batch and again after, and adds
the difference to the stored counts in the same transaction: the counts move with the cases or not
at all, whatever the batch did (a resubmitted form, an answer corrected, an event applied twice).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager as ContextManager
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql.elements import ColumnElement

from services.reporting.monitoring.readmodel.bulk import BulkStatements, Statement
from services.reporting.monitoring.readmodel.tables import Tables
from services.reporting.monitoring.report.day_counts import Counts, case_counts
from services.reporting.monitoring.report.facts import CaseFacts

CHUNK = 500  # case ids per IN (...) list
EVERY_CASE_CHUNK = 5000  # cases per transaction when every case is counted
# What case_facts reads (complaints are counted from their own table: a resolution updates its row).
COUNTED_TABLES = frozenset(
    {"cases", "measures", "disabilities", "children", "contacts", "follow_ups", "feedback"}
)


def case_facts(conn: Connection, tables: Tables, case_ids: Iterable[str]) -> list[CaseFacts]:
    """The cases as stored, with the rows of theirs the day counts read."""
    ids = sorted(case_ids)
    return _facts(conn, tables, [_among(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)])


CaseIdTest = Callable[[ColumnElement[Any]], ColumnElement[bool]]


def _among(ids: list[str]) -> CaseIdTest:
    return lambda column: column.in_(ids)


def _from_to(first: str, last: str) -> CaseIdTest:
    return lambda column: column.between(first, last)


def _facts(conn: Connection, tables: Tables, wheres: list[CaseIdTest]) -> list[CaseFacts]:
    """The cases whose case_id column meets one of ``wheres``, with their rows the counts read."""
    t = tables
    facts: dict[str, CaseFacts] = {}
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {name: defaultdict(list) for name in _CASE_ROWS}
    for where in wheres:
        for row in _dicts(conn.execute(select(t.cases).where(where(t.cases.c.case_id)))):
            facts[row["case_id"]] = CaseFacts(row)
        for name, columns in _CASE_ROWS.items():
            table = getattr(t, name)
            wanted = [table.c.case_id, *(table.c[c] for c in columns)]
            of_case = rows[name]
            for row in _dicts(conn.execute(select(*wanted).where(where(table.c.case_id)))):
                of_case[row["case_id"]].append(row)
    for case_id, case in facts.items():
        case.disabilities = [r["disability"] for r in rows["disabilities"].get(case_id, [])]
        children = sorted(rows["children"].get(case_id, []), key=lambda r: r["position"])
        case.child_ages = [r["age"] for r in children]
        case.measures = rows["measures"].get(case_id, [])
        case.contacts = rows["contacts"].get(case_id, [])
        case.follow_ups = rows["follow_ups"].get(case_id, [])
        case.feedback = rows["feedback"].get(case_id, [])
    return list(facts.values())


def _dicts(result: CursorResult[Any]) -> list[dict[str, Any]]:
    """Each row as a dict, the column names taken once: ``dict(row)`` of a mapping row makes a view
    of its keys each time, which cost a recount of every case more than fetching the rows did."""
    keys = tuple(result.keys())
    return [dict(zip(keys, values, strict=True)) for values in result.all()]


# The columns of each table of a case's rows the counts read.
_CASE_ROWS: dict[str, tuple[str, ...]] = {
    "disabilities": ("disability",),
    "children": ("position", "age"),
    "measures": ("category", "quantity", "total_gbp"),
    "contacts": ("channel", "outcome", "attempted_at"),
    "follow_ups": ("kind", "channel", "outcome", "contact_on"),
    "feedback": ("received_on", "satisfied"),
}


def counts_of(conn: Connection, tables: Tables, case_ids: Iterable[str]) -> list[Counts]:
    return [case_counts(c) for c in case_facts(conn, tables, case_ids)]


def case_id_spans(conn: Connection, tables: Tables) -> list[tuple[str, str]]:
    """Every case, in spans of ``EVERY_CASE_CHUNK`` case ids: (the first id, the last), in order."""
    per_span = EVERY_CASE_CHUNK
    c = tables.cases.c
    ids = [str(r[0]) for r in conn.execute(select(c.case_id).order_by(c.case_id))]
    return [(ids[i], ids[min(i + per_span, len(ids)) - 1]) for i in range(0, len(ids), per_span)]


def counts_between(conn: Connection, tables: Tables, first: str, last: str) -> Counts:
    """What the cases ``first``..``last`` (case ids) add to the day counts, together."""
    total = Counts(Counter(), {})
    for case in _facts(conn, tables, [_from_to(first, last)]):
        case_counts(case, into=total)
    return total


def count_every_case(
    begin: Callable[[], ContextManager[Connection]],
    tables: Tables,
    bulk: BulkStatements,
    counted: Iterable[Counts],
) -> None:
    """Store the day counts of ``tables`` afresh (a generation a rebuild filled without them) from
    ``counted``, what each span of a few thousand cases adds (``counts_between``): one transaction
    per span, so that no writer waits long."""
    with begin() as conn:
        conn.execute(delete(tables.day_counts))
    for counts in counted:
        with begin() as conn:
            add_counts(conn, tables, bulk, counts)


def add_counts(conn: Connection, tables: Tables, bulk: BulkStatements, delta: Counts) -> None:
    """Add ``delta`` to the stored counts (a count not stored yet starts from 0)."""
    rows = [
        {"kind": kind, "day": day, "digest": digest(value), "until": until, "value": value}
        | {"n": n, "amount": amount}
        for (kind, day, value, until), n, amount in delta.rows()
    ]
    if not rows:
        return
    table = tables.day_counts
    dialect = conn.dialect.name
    if dialect in _UPSERT:
        columns = ("kind", "day", "digest", "until", "value", "n", "amount")
        bulk.run(conn, ("add counts", table.name), lambda: Statement(_UPSERT[dialect](table), columns), rows)
    else:
        for row in rows:  # any other database: one row at a time
            added = conn.execute(_add(table), {f"b_{k}": v for k, v in row.items()})
            if added.rowcount == 0:
                conn.execute(insert(table), [row])
    # A count taken down to nothing is no row at all, as if it had never been counted: the live
    # tables stay row for row what a rebuild from the stream makes.
    fell = [
        {"b_kind": kind, "b_day": day, "b_digest": digest(value), "b_until": until}
        for (kind, day, value, until), n, amount in delta.rows()
        if n < 0 or amount < 0
    ]
    bulk.run(conn, ("drop empty counts", table.name), lambda: Statement(_drop_empty(table)), fell)


def digest(value: str) -> str:
    """The key of a count's answers (stored beside them): the same answers, the same key."""
    return hashlib.blake2b(value.encode(), digest_size=20).hexdigest()


def _upsert(make: Callable[[Table], Any]) -> Callable[[Table], Any]:
    def statement(table: Table) -> Any:
        stmt = make(table)
        return stmt.on_conflict_do_update(
            index_elements=[c for c in table.primary_key.columns],
            set_={"n": table.c.n + stmt.excluded.n, "amount": table.c.amount + stmt.excluded.amount},
        )

    return statement


_UPSERT: dict[str, Callable[[Table], Any]] = {
    "sqlite": _upsert(sqlite_insert),
    "postgresql": _upsert(postgresql_insert),
}


def _key_is(table: Table) -> list[Any]:
    c = table.c
    return [
        c.kind == bindparam("b_kind"),
        c.day == bindparam("b_day"),
        c.digest == bindparam("b_digest"),
        c.until == bindparam("b_until"),
    ]


def _drop_empty(table: Table) -> Any:
    # Zero written into the SQL: the bulk statement's parameters are the key's alone.
    nothing: ColumnElement[Any] = literal_column("0")
    return delete(table).where(*_key_is(table), table.c.n == nothing, table.c.amount == nothing)


def _add(table: Table) -> Any:
    c = table.c
    return (
        update(table)
        .where(*_key_is(table))
        .values(n=c.n + bindparam("b_n"), amount=c.amount + bindparam("b_amount"))
    )
