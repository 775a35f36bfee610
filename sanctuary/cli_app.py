"""The ``sanctuary`` typer application object; command modules attach their commands to it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="sanctuary",
    help="Sanctuary: the multi-agency case system for Sanctuary Schemes. The operator's tool.",
    no_args_is_help=True,
    add_completion=False,
)
