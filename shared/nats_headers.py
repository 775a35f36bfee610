"""A cheaper reading of NATS message headers, for every connection of ours: each event read carries
about ten (those stored with it, and a direct get's reply adds the stream's own). The service
runtime, the rebuild's readers and the report's connection install it.

nats-py reads a header block line by line and checks each name for whitespace one character at a
time; that check cost a rebuild's read more than the rest of the header's reading. ``parse`` gives
exactly what nats-py's own ``Client._parse_header_lines`` gives (tests/test_nats_headers.py compares
them), remembering each distinct name's verdict: a stream's messages repeat a handful of names.
``install`` makes a connection read its headers with it.
"""

from __future__ import annotations

from nats.aio.client import Client as NATS

_NAMES_HELD = 256  # distinct header names remembered; others are worked out each time
_names: dict[str, str | None] = {}  # a name as sent -> the key (None: not a valid name)
_ASCII_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips, as nats-py strips bytes


def _name(raw: str) -> str | None:
    """The key for a header name as nats-py makes it: stripped, ASCII, with no whitespace inside
    (None: the line is skipped). A name that was not ASCII decodes to something that is not."""
    key = raw.strip(_ASCII_SPACE)
    if not key.isascii() or any(c.isspace() for c in key):
        return None
    return key


def parse(raw: bytes) -> dict[str, str]:
    """The ``Name: Value`` lines of a header block as a dict (nats-py's ``_parse_header_lines``).

    The block is decoded once rather than line by line: a UTF-8 sequence cannot hold CR or LF, so
    each line decodes as it would alone."""
    out: dict[str, str] = {}
    names = _names
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if not sep:
            continue  # an empty line, or none a header
        if name in names:
            key = names[name]
        else:
            key = _name(name)
            if len(names) < _NAMES_HELD:
                names[name] = key
        if key is not None:
            out[key] = value.strip(_ASCII_SPACE)
    return out


def install(nc: NATS) -> None:
    """Make ``nc`` read header blocks with ``parse`` (nats-py looks its parser up on the client).
    Left as it is when nats-py reads headers another way (no such parser, or an email parser)."""
    if callable(getattr(type(nc), "_parse_header_lines", None)):
        nc._parse_header_lines = parse  # type: ignore[method-assign]
