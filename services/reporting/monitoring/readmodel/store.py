"""The read-model store: applies projected row changes through SQLAlchemy, together with the stream
sequence reached, in one transaction. That stored sequence is the live reader's position: it reads
on from it + 1 (shared.reader), so what is stored and what is applied can never part.

The live reader says which position it expects to find (``apply_at``); the positions row is locked
for the transaction, and if another writer moved it (a rebuild swapped in new tables, another
replica), nothing is applied and ``PositionMoved`` tells the reader to read on from the stored one.
The rebuild's own batches skip what is at or below the stored sequence.

Tables live in generations (``<base>g<N>_cases`` ...); ``<base>active`` names the live one. A
rebuild fills generation N+1 from the stream, then swaps the pointer and drops generation N.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    bindparam,
    create_engine,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.event import listen

from services.reporting.monitoring.readmodel.bulk import BulkStatements, Statement
from services.reporting.monitoring.readmodel.changes import (
    AddRow,
    Change,
    ReplaceCaseRows,
    SetCase,
    UpdateRows,
)
from services.reporting.monitoring.readmodel.day_count_upkeep import (
    COUNTED_TABLES,
    add_counts,
    case_id_spans,
    count_every_case,
    counts_between,
    counts_of,
)
from services.reporting.monitoring.readmodel.tables import SHAPE, Tables, build_tables
from services.reporting.monitoring.report.day_counts import COUNTED_CASE_COLUMNS, Counts, difference
from shared.events import RecordedEvent
from shared.reader import PositionMoved

PROJECTION = "monitoring"
DEFAULT_BASE = f"rm{SHAPE}_"
Projector = Callable[[RecordedEvent], Sequence[Change]]


class Sequenced(Protocol):
    """An event, or what a projection made of it elsewhere (a rebuild's worker process)."""

    @property
    def seq(self) -> int: ...


E = TypeVar("E", bound=Sequenced)


def make_engine(database_url: str) -> Engine:
    """The read models' engine. A database error never carries the values it was given
    (``hide_parameters``): they are case facts, and errors reach logs."""
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    options: dict[str, Any] = {}
    if url.startswith("postgresql"):
        # Each statement is planned for its own values. The driver prepares a statement met five
        # times, and PostgreSQL may then settle on one generic plan; a plan chosen while a
        # rebuild's tables were small (a scan of every row) would then be kept as they grow.
        options["connect_args"] = {"options": "-c plan_cache_mode=force_custom_plan"}
    engine = create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True, **options)
    if engine.dialect.name == "sqlite":
        listen(engine, "connect", _sqlite_connect)
        listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """SQLite (development and tests): write-ahead logging, so a rebuild, the report and the live
    reader do not lock each other out, and a commit is not an fsync (a crash of the process loses
    nothing; position and rows are one transaction either way). The driver's own transaction
    handling is turned off: it would begin a transaction only at the first write, after the
    position was read, so two writers could both read the same position and both apply."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Every transaction begins at its first statement; a writer's (``WRITING``) takes the write
    lock there, so the position it reads stays its own until it commits (PostgreSQL: the row lock)."""
    immediate = conn.get_execution_options().get(_SQLITE_WRITER, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_SQLITE_WRITER = "sqlite_begin_immediate"
WRITING = {_SQLITE_WRITER: True}  # execution options of a transaction that writes


class ReadModelStore:
    def __init__(self, engine: Engine, base: str = DEFAULT_BASE) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**WRITING)
        self.base = base
        meta = MetaData()
        self._pointer = Table(f"{base}active", meta, Column("generation", Integer, nullable=False))
        self._pointer_meta = meta
        self._tables: dict[int, Tables] = {}
        self._bulk = BulkStatements()

    def tables(self, generation: int) -> Tables:
        if generation not in self._tables:
            self._tables[generation] = build_tables(f"{self.base}g{generation}_")
        return self._tables[generation]

    # -- generations --------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the pointer and the first generation if this database has none yet."""
        with self._writer.begin() as conn:
            self._pointer_meta.create_all(conn)
            if conn.execute(select(self._pointer.c.generation)).first() is None:
                self.tables(1).metadata.create_all(conn)
                _store_position(conn, self.tables(1), 0)
                conn.execute(insert(self._pointer).values(generation=1))

    def active(self, conn: Connection) -> Tables:
        generation = conn.execute(select(self._pointer.c.generation)).scalar_one()
        return self.tables(int(generation))

    def active_generation(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(self._pointer.c.generation)).scalar_one())

    def new_generation(self) -> int:
        """Fresh empty tables beside the live ones (left over ones from a failed rebuild are dropped)."""
        generation = self.active_generation() + 1
        with self._writer.begin() as conn:
            self.tables(generation).metadata.drop_all(conn)
            self.tables(generation).metadata.create_all(conn)
            _set_logged(conn, self.tables(generation), False)
            _store_position(conn, self.tables(generation), 0)
        return generation

    def swap(self, generation: int, counted: Iterable[Counts] | None = None) -> None:
        """Make ``generation`` live and drop the one it replaces. Its day counts, left while it was
        filled, are worked out from its cases first: once per case rather than at every batch.
        ``counted``: what each of its ``case_spans`` adds (``counts_between``), if worked out
        elsewhere already (a rebuild's workers); else worked out here, a span at a time."""
        old = self.active_generation()
        if counted is None:
            counted = (self.counts_between(generation, *span) for span in self.case_spans(generation))
        count_every_case(self._writer.begin, self.tables(generation), self._bulk, counted)
        with self._writer.begin() as conn:
            _set_logged(conn, self.tables(generation), True)
            conn.execute(update(self._pointer).values(generation=generation))
        with self._writer.begin() as conn:
            self.tables(old).metadata.drop_all(conn)

    def case_spans(self, generation: int) -> list[tuple[str, str]]:
        """The generation's cases in spans of a few thousand: (first case id, last), in order."""
        with self.engine.connect() as conn:
            return case_id_spans(conn, self.tables(generation))

    def counts_between(self, generation: int, first: str, last: str) -> Counts:
        """What the generation's cases ``first``..``last`` add to its day counts (reads only)."""
        with self.engine.connect() as conn:
            return counts_between(conn, self.tables(generation), first, last)

    def drop_everything(self) -> None:
        """Remove every table of this store (tests clean up their own prefix with this)."""
        with self._writer.begin() as conn:
            self._pointer_meta.create_all(conn)
            row = conn.execute(select(self._pointer.c.generation)).first()
            if row is not None:
                for generation in range(1, int(row[0]) + 2):
                    self.tables(generation).metadata.drop_all(conn)
            self._pointer_meta.drop_all(conn)

    # -- applying events ----------------------------------------------------------------------

    def position(self, generation: int | None = None) -> int:
        with self.engine.connect() as conn:
            tables = self.tables(generation) if generation else self.active(conn)
            return _position(conn, tables)

    def apply(self, event: RecordedEvent, project: Projector) -> bool:
        """Project one event into the live tables. False when it was already applied."""
        return self.apply_many([event], project) > 0

    def apply_at(self, event: RecordedEvent, project: Projector, expected: int) -> None:
        """The live reader's write: project ``event`` into the live tables if the stored position is
        ``expected``, else raise PositionMoved and change nothing."""
        self.apply_batch_at([event], project, expected)

    def apply_batch_at(self, events: Sequence[RecordedEvent], project: Projector, expected: int) -> None:
        """The live reader's write of a batch: every event's rows and the last one's sequence in one
        transaction, if the stored position is ``expected``; else PositionMoved and nothing changes.
        A projection that fails leaves nothing of the batch behind (the reader retries it event by
        event, to park only the one that fails)."""
        with self._writer.begin() as conn:
            tables = self.active(conn)
            stored = _position(conn, tables, lock=True)
            if stored != expected:
                raise PositionMoved(stored)
            if not events:
                return
            writer = _Writer(conn, tables, self._bulk)
            writer.apply([change for event in events for change in project(event)])
            _store_position(conn, tables, events[-1].seq)

    def advance(self, seq: int, expected: int) -> None:
        """Move the live position past a message that was parked, not applied."""
        with self._writer.begin() as conn:
            tables = self.active(conn)
            stored = _position(conn, tables, lock=True)
            if stored != expected:
                raise PositionMoved(stored)
            _store_position(conn, tables, seq)

    def apply_many(
        self,
        events: Iterable[E],
        project: Callable[[E], Sequence[Change]],
        generation: int | None = None,
        through: int = 0,
    ) -> int:
        """Project events in stream order in one transaction; returns how many were new. ``through``:
        the last sequence read, stored as the position even if it was not projected (left out)."""
        applied = 0
        with self._writer.begin() as conn:
            live = self.active(conn)
            tables = self.tables(generation) if generation else live
            reached = _position(conn, tables, lock=True)
            changes: list[Change] = []
            for event in events:
                if event.seq <= reached:
                    continue
                changes.extend(project(event))
                reached = event.seq
                applied += 1
            # A generation being filled gets its day counts when it is swapped in (``swap``).
            _Writer(conn, tables, self._bulk, keep_counts=tables is live).apply(changes)
            if through > reached:
                reached = through
                _store_position(conn, tables, reached)
            elif applied:
                _store_position(conn, tables, reached)
        return applied


def _set_logged(conn: Connection, tables: Tables, logged: bool) -> None:
    """PostgreSQL: a generation is filled as unlogged tables, and made logged as it is swapped in.
    Filling it then writes no WAL for rows that later batches change again; making it logged
    writes each table to the WAL once. Should PostgreSQL crash meanwhile, it empties unlogged
    tables: the rebuild has failed anyway, and the next one drops them (``new_generation``)."""
    if conn.dialect.name != "postgresql":
        return
    persistence = "LOGGED" if logged else "UNLOGGED"
    for table in tables.metadata.sorted_tables:
        conn.exec_driver_sql(
            f"ALTER TABLE {conn.dialect.identifier_preparer.format_table(table)} SET {persistence}"
        )


def _position(conn: Connection, tables: Tables, lock: bool = False) -> int:
    """The stored position; ``lock`` holds the row until the transaction ends (PostgreSQL: a second
    writer waits, then sees what the first stored; SQLite lets one writer in at a time anyway)."""
    query = select(tables.positions.c.last_seq).where(tables.positions.c.projection == PROJECTION)
    if lock:
        query = query.with_for_update()
    value = conn.execute(query).scalar_one_or_none()
    return int(value or 0)


def _store_position(conn: Connection, tables: Tables, seq: int) -> None:
    p = tables.positions
    done = conn.execute(update(p).where(p.c.projection == PROJECTION).values(last_seq=seq))
    if done.rowcount == 0:
        conn.execute(insert(p).values(projection=PROJECTION, last_seq=seq))


def _table(tables: Tables, name: str) -> Table:
    table = getattr(tables, name, None)
    if not isinstance(table, Table):
        raise KeyError(f"no read-model table {name}")
    return table


class _Writer:
    """Applies a batch's row changes, in order, with a few statements per table rather than a few
    per change: the cases touched are read in one query and changed in memory, new rows go in
    together, and updates of a table's rows go after them, in one executemany. What one change does
    is what it did alone (``changes.py``); a change that must not come before a table's pending
    writes (a replacement after additions or updates, an addition after updates) flushes them
    first, so the order of the changes still decides."""

    def __init__(
        self, conn: Connection, tables: Tables, bulk: BulkStatements, keep_counts: bool = True
    ) -> None:
        self.conn, self.tables, self.bulk, self.keep_counts = conn, tables, bulk, keep_counts
        # A generation being filled (no day counts kept) gets each event once, in order: the rows
        # it adds are new, and PostgreSQL takes them by COPY.
        self.copying = not keep_counts and conn.dialect.name == "postgresql"
        self.cases: dict[str, dict[str, Any]] = {}  # the case rows touched, as they now are
        self.looked_up: set[str] = set()
        self.new_cases: set[str] = set()
        self.dirty_cases: set[str] = set()
        self.adds: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}  # table -> key -> row
        self.replaces: dict[str, dict[str, list[dict[str, Any]]]] = {}  # table -> case -> rows
        self.updates: dict[str, list[UpdateRows]] = {}  # table -> updates, in order, after its adds

    def apply(self, changes: Sequence[Change]) -> None:
        if not self.keep_counts:  # a generation being filled gets its day counts at the swap
            self._apply(changes)
            return
        # The report's day counts move with the cases: what the touched cases added before the
        # batch is taken away, what they add after it is added.
        touched = _touched(changes)
        before = counts_of(self.conn, self.tables, touched)
        self._apply(changes)
        after = counts_of(self.conn, self.tables, touched)
        add_counts(self.conn, self.tables, self.bulk, difference(before, after))

    def _apply(self, changes: Sequence[Change]) -> None:
        self._load_cases({c.case_id for c in changes if isinstance(c, SetCase)})
        for change in changes:
            if isinstance(change, SetCase):
                self._set_case(change)
            elif isinstance(change, AddRow):
                if change.table in self.replaces or change.table in self.updates:
                    self.flush()
                table = _table(self.tables, change.table)
                key = tuple(change.values[c.name] for c in table.primary_key.columns)
                self.adds.setdefault(change.table, {}).setdefault(key, change.values)
            elif isinstance(change, ReplaceCaseRows):
                if change.table in self.adds or change.table in self.updates:
                    self.flush()
                rows = [{"case_id": change.case_id, **values} for values in change.rows]
                self.replaces.setdefault(change.table, {})[change.case_id] = rows
            elif isinstance(change, UpdateRows):
                if change.table != "cases" and None not in change.where.values():
                    # After the table's pending replacement or additions: flush writes those first.
                    self.updates.setdefault(change.table, []).append(change)
                    continue
                self.flush()
                table = _table(self.tables, change.table)
                self.conn.execute(
                    update(table)
                    .where(*(table.c[k] == v for k, v in change.where.items()))
                    .values(**change.values)
                )
                if change.table == "cases":
                    self.cases.clear()  # read again when next needed
                    self.looked_up.clear()
        self.flush()

    def _load_cases(self, case_ids: set[str]) -> None:
        wanted = sorted(case_ids - self.cases.keys() - self.looked_up)
        self.looked_up.update(wanted)  # those not found are new: not looked for again
        cases = self.tables.cases
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for row in self.conn.execute(select(cases).where(cases.c.case_id.in_(chunk))).mappings():
                self.cases[row["case_id"]] = dict(row)

    def _set_case(self, change: SetCase) -> None:
        row = self.cases.get(change.case_id)
        if row is None:
            self._load_cases({change.case_id})
            row = self.cases.get(change.case_id)
        if row is None:
            row = dict.fromkeys(c.name for c in self.tables.cases.columns)
            row["case_id"] = change.case_id
            row.update(change.values)
            self.cases[change.case_id] = row
            self.new_cases.add(change.case_id)
            return
        values = {k: v for k, v in change.values.items() if k not in change.only_if_empty or row[k] is None}
        if values:
            row.update(values)
            if change.case_id not in self.new_cases:
                self.dirty_cases.add(change.case_id)

    def flush(self) -> None:
        cases = self.tables.cases
        if self.new_cases:
            self._insert(cases, [self.cases[c] for c in sorted(self.new_cases)])
        if self.dirty_cases:
            self.bulk.run(
                self.conn,
                ("update", cases.name),
                lambda: _update_case(cases),
                [self.cases[c] for c in sorted(self.dirty_cases)],
            )
        self.new_cases, self.dirty_cases = set(), set()
        for name, rows_of in self.replaces.items():
            table = _table(self.tables, name)
            ids = sorted(rows_of)
            for i in range(0, len(ids), 500):
                self.conn.execute(delete(table).where(table.c.case_id.in_(ids[i : i + 500])))
            self._insert(table, [row for case_id in ids for row in rows_of[case_id]])
        self.replaces = {}
        for name, by_key in self.adds.items():
            table = _table(self.tables, name)
            self._insert_new(table, by_key)
        self.adds = {}
        for name, updates in self.updates.items():
            self._update(_table(self.tables, name), updates)
        self.updates = {}

    def _update(self, table: Table, updates: list[UpdateRows]) -> None:
        """The updates in order: each run of the same shape (columns matched, columns set) as one
        executemany."""
        for shape, run in itertools.groupby(updates, key=lambda u: (tuple(u.where), tuple(u.values))):
            rows = [{**_prefixed("w_", u.where), **_prefixed("v_", u.values)} for u in run]
            make = functools.partial(_update_rows, table, *shape)
            self.bulk.run(self.conn, ("update rows", table.name, *shape), make, rows)

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert the rows, each with every column any of them names (the others NULL)."""
        columns = tuple(sorted({c for row in rows for c in row}))
        if self.copying:
            self.bulk.copy(self.conn, table, columns, rows)
            return
        self.bulk.run(
            self.conn, ("insert", table.name, columns), lambda: Statement(insert(table), columns), rows
        )

    def _insert_new(self, table: Table, by_key: dict[tuple[Any, ...], dict[str, Any]]) -> None:
        """Insert the rows whose key is not there already (an event applied twice adds nothing).
        SQLite and PostgreSQL skip those in the INSERT itself; elsewhere they are looked up first."""
        key = list(table.primary_key.columns)
        dialect = self.conn.dialect.name
        if self.copying:  # each event is projected once: its rows cannot be there
            self._insert(table, list(by_key.values()))
            return
        if dialect in _SKIPPING_INSERT:
            rows = list(by_key.values())
            columns = tuple(sorted({c for row in rows for c in row}))
            skipping = _SKIPPING_INSERT[dialect]
            self.bulk.run(
                self.conn,
                ("insert new", table.name, columns),
                lambda: Statement(skipping(table).on_conflict_do_nothing(index_elements=key), columns),
                rows,
            )
            return
        first = key[0]  # the event id: narrow the lookup to this batch's events
        firsts = sorted({k[0] for k in by_key})
        existing: set[tuple[Any, ...]] = set()
        for i in range(0, len(firsts), 500):
            query = select(*key).where(first.in_(firsts[i : i + 500]))
            existing.update(tuple(r) for r in self.conn.execute(query))
        self._insert(table, [row for k, row in by_key.items() if k not in existing])


def _touched(changes: Sequence[Change]) -> set[str]:
    """The cases whose day counts the changes may move: those whose rows of a table the counts read
    they alter (complaints count in none), or a column of the case the counts read (the contact's
    due time or the installation's cost count in none)."""
    touched: set[str] = set()
    for change in changes:
        if isinstance(change, SetCase):
            if not COUNTED_CASE_COLUMNS.isdisjoint(change.values):
                touched.add(change.case_id)
        elif isinstance(change, ReplaceCaseRows) and change.table in COUNTED_TABLES:
            touched.add(change.case_id)
        elif isinstance(change, AddRow) and change.table in COUNTED_TABLES:
            touched.add(str(change.values["case_id"]))
        elif isinstance(change, UpdateRows) and change.table in COUNTED_TABLES:
            raise ValueError(f"an UpdateRows of {change.table} would move day counts unseen")
    return touched


# An INSERT that skips a row whose primary key is taken, by dialect.
_SKIPPING_INSERT: dict[str, Callable[[Table], Any]] = {
    "sqlite": sqlite_insert,
    "postgresql": postgresql_insert,
}


def _prefixed(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}{k}": v for k, v in values.items()}


def _update_rows(table: Table, where: tuple[str, ...], values: tuple[str, ...]) -> Statement:
    """Set ``values`` (parameters v_<column>) on the rows matching ``where`` (w_<column>)."""
    clause = (
        update(table)
        .where(*(table.c[k] == bindparam(f"w_{k}") for k in where))
        .values({k: bindparam(f"v_{k}") for k in values})
    )
    return Statement(clause)


def _update_case(cases: Table) -> Statement:
    """Set every column of a case's row (the row as the writer holds it)."""
    columns = [c.name for c in cases.columns if c.name != "case_id"]
    clause = (
        update(cases)
        .where(cases.c.case_id == bindparam("_case_id"))
        .values({c: bindparam(f"v_{c}") for c in columns})
    )
    return Statement(clause, row_keys={"_case_id": "case_id", **{f"v_{c}": c for c in columns}})
