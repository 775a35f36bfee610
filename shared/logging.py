"""Structured logging (structlog; JSON in production) with a processor that strips personal data.

Two nets, because either alone can miss: keys that name personal data are replaced whole,
and any remaining text is scrubbed of things shaped like personal data (telephone numbers,
e-mail addresses, postcodes, dates). Exceptions are rendered to text first, then scrubbed.
"""

from __future__ import annotations

import enum
import json as json_module
import logging
import re
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from datetime import date
from typing import Any

import orjson
import structlog
from pydantic import BaseModel

from shared.personal import personal_field_names

REDACTED = "[redacted]"

# Keys whose values are personal data wherever they appear. Field names marked Personal in the
# event contracts are added at start-up (see register_personal_keys).
_PERSONAL_KEYS: set[str] = {
    "name",
    "full_name",
    "client_name",
    "perpetrator",
    "perpetrator_name",
    "address",
    "postcode",
    "telephone",
    "phone",
    "contact_telephone",
    "email",
    "date_of_birth",
    "dob",
    "names_on_tenancy",
    "whereabouts",
    "incident_description",
    "narrative",
    "personal",
}

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[email]"),
    (re.compile(r"(?<!\d)(?:\+44\s?|0)\d(?:[\s-]?\d){8,9}(?!\d)"), "[telephone]"),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE), "[postcode]"),
    # Dates written the British way (a date of birth in free text); ISO timestamps are left alone.
    (re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"), "[date]"),
    (
        re.compile(
            r"\b\d{1,4}\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*\s+(?:Road|Street|Lane|Avenue|Close|Way|Drive|"
            r"Court|Gardens|Place|Crescent|Terrace|Grove|Hill|Row|Walk|Square)\b"
        ),
        "[address]",
    ),
]


def register_personal_keys(keys: Iterable[str]) -> None:
    """Add field names that are personal data (taken from the Personal markers in the contracts)."""
    _PERSONAL_KEYS.update(k.lower() for k in keys)


# Every pattern above needs a digit or an "@": text with neither is left as it is, unscanned.
_MAY_MATCH = re.compile(r"[\d@]")


def scrub_text(text: str) -> str:
    if not _MAY_MATCH.search(text):
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _scrub(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return REDACTED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if str(k).lower() in _PERSONAL_KEYS else _scrub(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set):
        return [_scrub(v, depth + 1) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    if isinstance(value, BaseModel):
        # A model's repr would print personal fields whole: drop every field marked Personal, then
        # scrub the rest (nested models by their own markers).
        personal = personal_field_names(type(value))
        return {
            name: REDACTED if name in personal or name.lower() in _PERSONAL_KEYS else _scrub(v, depth + 1)
            for name, v in dict(value).items()
        }
    if isinstance(value, enum.Enum):
        return _scrub(value.value, depth + 1)
    if isinstance(value, date):
        return scrub_text(value.isoformat())
    # Models and other objects: their repr may carry anything; scrub the text form.
    return scrub_text(repr(value))


def strip_personal_data(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: runs after exceptions are rendered, before the renderer."""
    for key in list(event_dict):
        if key.lower() in _PERSONAL_KEYS:
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _scrub(event_dict[key])
    return event_dict


def configure_logging(json: bool = True, level: str = "INFO") -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json_line)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            strip_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Libraries logging through stdlib (asyncio, faststream, nats, uvicorn) go through the same
    # scrubber at the record itself, so no handler (ours or anyone's) ever holds the raw text,
    # and then out through structlog's formatter: one JSON object per line, like our own.
    logging.setLogRecordFactory(_scrubbed_record)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                _record_exception,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                strip_personal_data,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def _json_line(event_dict: Any, **kwargs: Any) -> str:
    """One log line's JSON: orjson, several times faster than the standard library on every line
    logged; the standard library for what orjson refuses (keys that are not strings, huge ints)."""
    try:
        return orjson.dumps(event_dict, default=kwargs.get("default")).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json_module.dumps(event_dict, **kwargs)


def _record_exception(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The record's traceback (already text, already scrubbed by _scrubbed_record) as a field."""
    record = event_dict.get("_record")
    if record is not None and record.exc_text:
        event_dict["exception"] = record.exc_text
    return event_dict


_make_record = logging.getLogRecordFactory()


def _scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = scrub_text(message), None
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = scrub_text(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
    return record


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
