"""The readable form of a subject access export: one self-contained HTML page, laid out by the
Jinja2 template ``templates/subject_access.html``, every value escaped."""

from __future__ import annotations

import json
from typing import Any

from services.reporting.templating import html_environment


def pretty_json(value: Any) -> str:
    """A structured value (the fields of a record) as indented JSON, non-ASCII as it is."""
    return json.dumps(value, indent=2, ensure_ascii=False)


TEMPLATES = html_environment("services.reporting.audit")
TEMPLATES.filters["pretty_json"] = pretty_json


def export_html(export: dict[str, Any]) -> str:
    personal = [[p["recorded_at"], p["event"], p["field"], p["value"]] for p in export["personal_data"]]
    shared = [
        [d["occurred_at"], d["recipient"], f"{d['basis_kind']}: {d['basis']}", d["fields"]]
        for d in export["disclosures"]
    ]
    events = [
        [e["occurred_at"], e["recorded_at"], e["agency"], e["role"], e["event"], e["fields"]]
        for e in export["events"]
    ]
    return TEMPLATES.get_template("subject_access.html").render(
        export=export, personal=personal, shared=shared, events=events
    )
