"""A yes-or-no question at the command line that Ctrl-C always ends.

``input()`` (and click's ``confirm``, which calls it) looks for a signal only when its read is
interrupted or returns: a Ctrl-C that lands after the last Python step before the read, and before
the read blocks, is noticed only once a line is typed. Here the wait for the answer is Python's
own, in short waits, so a Ctrl-C at any moment is acted on within one of them.
"""

from __future__ import annotations

import io
import os
import select
import sys

import typer

WAIT_S = 0.2  # the longest a Ctrl-C waits to be noticed


def ask_yes_no(question: str) -> bool | None:
    """True for y or yes, False for n, no or nothing (Enter); None when there is no answer to read
    (stdin closed). Anything else asks again. Ctrl-C raises KeyboardInterrupt."""
    while True:
        typer.echo(f"{question} [y/N]: ", nl=False)
        _wait_for_a_line()
        line = sys.stdin.readline()
        if not line:
            typer.echo("")
            return None
        answer = line.strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        typer.echo("Error: answer y or n")


def _wait_for_a_line() -> None:
    """Return once stdin has something to read, looking for signals between short waits."""
    if os.name == "nt":  # select() waits on sockets only there
        return
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return  # not a file (a test's stand-in): its read does not block
    readable: list[int] = []
    while not readable:
        readable = select.select([fd], [], [], WAIT_S)[0]
