"""The readable form of a subject access export: one self-contained HTML page, every value escaped."""

from __future__ import annotations

import json
from html import escape
from typing import Any

_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:70em}"
    "table{border-collapse:collapse;margin-bottom:2em;width:100%}"
    "th,td{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#eee}pre{margin:0;white-space:pre-wrap}"
)


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return f"<pre>{escape(json.dumps(value, indent=2, ensure_ascii=False))}</pre>"
    return escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def export_html(export: dict[str, Any]) -> str:
    case_id = escape(export["case_id"])
    erased = (
        "<p><strong>The personal data in this case has been erased.</strong></p>" if export["erased"] else ""
    )
    personal = _table(
        ["Recorded", "Record", "Item", "Value"],
        [[p["recorded_at"], p["event"], p["field"], p["value"]] for p in export["personal_data"]],
    )
    shared = _table(
        ["When", "Shared with", "Basis", "What"],
        [
            [d["occurred_at"], d["recipient"], f"{d['basis_kind']}: {d['basis']}", d["fields"]]
            for d in export["disclosures"]
        ],
    )
    events = _table(
        ["When", "Recorded", "Agency", "Role", "Record", "Details"],
        [
            [e["occurred_at"], e["recorded_at"], e["agency"], e["role"], e["event"], e["fields"]]
            for e in export["events"]
        ],
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Subject access export: case {case_id}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Information held about you: case {case_id}</h1>"
        f"<p>Exported {escape(export['exported_at'])}.</p>{erased}"
        f"<h2>Your personal information</h2>{personal}"
        f"<h2>Who it was shared with, and why</h2>{shared}"
        f"<h2>Everything recorded in your case</h2>{events}"
        "</body></html>"
    )
