"""How the ``sanctuary`` command fails: one line naming the problem and what to do, a conventional
exit code, no traceback unless ``--debug`` asks for one, and never a value the operator typed (a
``--reason`` may hold a client's telephone number).

Exit codes: 0 done; 1 failed (the system could not be reached, a check found a problem); 2 the
command line or a setting is wrong; 3 the service refused (not allowed, or the case's state
forbids it); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

import typer
from pydantic import ValidationError

from shared.errors import CommandRejected, Problem, problems_from_validation
from shared.logging import scrub_text
from shared.settings import SettingsError

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_INTERRUPTED = 130

# Command fields whose option has another name on the command line.
_OPTION_NAMES = {
    "case_id": "CASE_ID",
    "actor.agency": "--agency",
    "actor.person": "--person",
    "actor.role": "--role",
}


class CliError(Exception):
    """An expected failure: the message is shown as it is, on one line, with ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def option_name(field: str) -> str:
    """The command-line spelling of a command field (``as_of`` -> ``--as-of``)."""
    if field in _OPTION_NAMES:
        return _OPTION_NAMES[field]
    return "--" + field.rsplit(".", 1)[-1].replace("_", "-")


def problems_line(problems: Iterable[Problem]) -> str:
    return "; ".join(f"{option_name(p.field)}: {p.problem}" for p in problems)


def mask_url(url: str) -> str:
    """The URL without any user name, password or token in it (``nats://***@host:4222``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a malformed URL)"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def explain(exc: BaseException) -> tuple[str, int] | None:
    """The one line and exit code for an expected failure; None for a fault (a bug)."""
    if isinstance(exc, CliError):
        return str(exc), exc.code
    if isinstance(exc, SettingsError):
        return f"{exc} (set it in the environment or .env)", EXIT_USAGE
    if isinstance(exc, ValidationError):
        # Built from the command line (e.g. EraseCase from --reason): name the options, not the values.
        return problems_line(problems_from_validation(exc)), EXIT_USAGE
    if isinstance(exc, CommandRejected):
        return problems_line(exc.problems), EXIT_USAGE
    return None


def usage_line(exc: typer.TyperException) -> str:
    """click's usage error as one line, with where to read more."""
    message = exc.format_message()
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        return f"{ctx.command_path}: {message} (see {ctx.command_path} --help)"
    return message


def report_failure(exc: BaseException, debug: bool) -> int:
    """Print what went wrong and return the exit code."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        exc.show()  # type: ignore[attr-defined]  # the help itself: the operator asked for nothing else
        return EXIT_USAGE
    if isinstance(exc, typer.TyperException):  # click's usage errors, as typer carries them
        line, code = usage_line(exc), exc.exit_code
    elif isinstance(exc, typer.Abort):
        line, code = "stopped: nothing more was done", EXIT_INTERRUPTED
    else:
        known = explain(exc)
        if known is None:
            line = f"unexpected {type(exc).__name__}: this is a fault; run again with --debug to see where"
            code = EXIT_FAILURE
        else:
            line, code = known
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if not line.startswith("sanctuary"):
        line = f"sanctuary: {line}"
    # The net under every message: nothing shaped like personal data leaves, whatever raised it.
    print(scrub_text(line), file=sys.stderr)
    return code
