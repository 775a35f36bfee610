"""The ``sanctuary`` typer application object; command modules attach their commands to it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

app = typer.Typer(
    name="sanctuary",
    help="Sanctuary: the multi-agency case system for Sanctuary Schemes. The operator's tool.",
    no_args_is_help=True,
    add_completion=False,
    # Failures are shown by sanctuary.cli_errors as one line; a traceback only with --debug.
    pretty_exceptions_enable=False,
)


class Options:
    """Options that apply to every command, read by the error handler in sanctuary.cli."""

    debug = False


def sanctuary_version() -> str:
    try:
        return version("sanctuary")
    except PackageNotFoundError:
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"sanctuary {sanctuary_version()}")
        raise typer.Exit()


@app.callback()
def options(
    debug: Annotated[bool, typer.Option("--debug", help="On a failure, show the traceback as well.")] = False,
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and stop."),
    ] = False,
) -> None:
    """Sanctuary: the multi-agency case system for Sanctuary Schemes. The operator's tool."""
    Options.debug = debug
