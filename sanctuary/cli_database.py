"""The operator's view of the read-model database: it must already exist and hold read models.

A report from a database that is not there would be a report of zeros (and SQLite would quietly
create the file), so both are refused, naming the setting and never its credentials.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from sanctuary import devstate
from sanctuary.cli_errors import EXIT_FAILURE, EXIT_USAGE, CliError
from services.reporting.monitoring.readmodel.store import DEFAULT_BASE, make_engine


def require_read_models(database_url: str, base: str = DEFAULT_BASE) -> None:
    """Raise CliError unless ``database_url`` names a reachable database holding read models."""
    setting = devstate.where("DATABASE_URL")
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise CliError(f"{setting} is not a database URL", EXIT_USAGE) from None
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or not path.is_file():
            raise CliError(
                f"no read-model database at {path.absolute()} ({setting}): run the command where the "
                "system was started, or set DATABASE_URL to its database",
                EXIT_FAILURE,
            )
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            holds = inspect(conn).has_table(f"{base}active")
    except SQLAlchemyError as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__
        raise CliError(f"cannot open the database {shown} ({setting}; {reason})", EXIT_FAILURE) from None
    finally:
        engine.dispose()
    if not holds:
        raise CliError(
            f"the database {shown} ({setting}) holds no read models: has the reporting service run on it?",
            EXIT_FAILURE,
        )
