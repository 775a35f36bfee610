"""A part's handle (a register, a watch, a store) exists only once the part has started: used
before then, that is a wiring mistake, said plainly rather than as an AttributeError on None."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def once_started(handle: T | None, what: str) -> T:
    """``handle``, or a RuntimeError saying ``what`` is not started yet."""
    if handle is None:
        raise RuntimeError(f"{what} not started")
    return handle
