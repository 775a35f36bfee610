"""Many rows through one statement, without SQLAlchemy's work per row.

SQLAlchemy's own executemany builds and converts every row's parameters in Python, which cost a
rebuild more than the database's work did. Here SQLAlchemy compiles each statement once (per
table, kind and columns) and lends the columns' bind processors (dates, times, amounts as the
dialect stores them); the rows go to the driver's executemany converted by those same processors.
It runs through ``exec_driver_sql``, so errors are SQLAlchemy's as before (the live reader tells a
database outage from a bad event by them).

Rows known to be new (a generation being filled by a rebuild) go into PostgreSQL by COPY: one
command for all of them, where an INSERT is planned and executed once per row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Prepared:
    """A compiled statement: its SQL, and per parameter in the driver's order its name, the row
    value it takes and its bind processor."""

    sql: str
    names: tuple[str, ...]
    row_keys: tuple[str, ...]
    processors: tuple[Processor, ...]
    positional: bool

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The rows as the driver takes them (a missing value is NULL)."""
        if self.positional:
            return self.values(rows)
        named = tuple(zip(self.names, self.row_keys, self.processors, strict=True))
        return [{n: row.get(k) if p is None else p(row.get(k)) for n, k, p in named} for row in rows]

    def values(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows as tuples in parameter order, converted as the driver would be given them."""
        pairs = tuple(zip(self.row_keys, self.processors, strict=True))
        return [tuple(row.get(k) if p is None else p(row.get(k)) for k, p in pairs) for row in rows]


@dataclass(frozen=True)
class Statement:
    """What to compile: an INSERT of ``column_keys``, or a statement with bind parameters of its
    own; ``row_keys`` names the row value a parameter takes where the two names differ."""

    clause: ClauseElement
    column_keys: Sequence[str] | None = None
    row_keys: Mapping[str, str] = field(default_factory=dict)


def prepare(statement: Statement, dialect: Dialect) -> Prepared:
    keys = list(statement.column_keys) if statement.column_keys is not None else None
    compiled = statement.clause.compile(dialect=dialect, column_keys=keys)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError("bulk statements are SQL statements")
    positional = bool(compiled.positional)
    names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.binds)
    escaped = compiled.escaped_bind_names
    if any(escaped.get(n, n) != n for n in names):
        raise ValueError("bulk statements take plain parameter names only")
    processors = tuple(compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names)
    row_keys = tuple(statement.row_keys.get(n, n) for n in names)
    return Prepared(compiled.string, names, row_keys, processors, positional)


class BulkStatements:
    """Prepared statements of one database, kept by a key the caller chooses."""

    def __init__(self) -> None:
        self._prepared: dict[Hashable, Prepared] = {}

    def run(
        self,
        conn: Connection,
        key: Hashable,
        make: Callable[[], Statement],
        rows: Sequence[Mapping[str, Any]],
    ) -> None:
        """Execute the statement ``make`` gives (compiled the first time ``key`` is met) for each row."""
        if not rows:
            return
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = prepare(make(), conn.dialect)
        conn.exec_driver_sql(prepared.sql, prepared.parameters(rows))

    def copy(
        self, conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """PostgreSQL: COPY the rows into ``table`` (each with ``columns``; a missing value is NULL).
        For rows that cannot be there already: a key taken fails the whole COPY."""
        if not rows:
            return
        key = ("copy", table.name, tuple(columns))
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepared[key] = prepare(Statement(insert(table), columns), conn.dialect)
        quote = conn.dialect.identifier_preparer
        names = ", ".join(quote.quote(c) for c in prepared.row_keys)
        sql = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
        dbapi = conn.dialect.loaded_dbapi
        driver = conn.connection.driver_connection
        assert driver is not None, "a connection in a transaction has its driver's connection"
        try:
            with driver.cursor() as cursor, cursor.copy(sql) as copy:
                for values in prepared.values(rows):
                    copy.write_row(values)
        except dbapi.Error as error:  # raised as SQLAlchemy raises a statement's error, values hidden
            raise DBAPIError.instance(sql, None, error, dbapi.Error, hide_parameters=True) from error
