"""The subject access export's page is laid out by an autoescaped template: every value of the
export is shown as text, never run as markup, and structured values as indented JSON."""

from __future__ import annotations

import html
import re
from typing import Any

from services.reporting.audit.export_html import export_html

HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


def export(erased: bool) -> dict[str, Any]:
    return {
        "case_id": "C-TEST-1",
        "erased": erased,
        "exported_at": "2031-05-14T10:00:00+00:00",
        "personal_data": [
            {
                "recorded_at": "2031-05-01",
                "event": "ReferralSubmitted",
                "field": "client_name",
                "value": HOSTILE,
            },
            {
                "recorded_at": "2031-05-01",
                "event": "ReferralSubmitted",
                "field": "address",
                "value": {"line_1": HOSTILE, "postcode": "TE1 1ST"},
            },
        ],
        "disclosures": [
            {
                "occurred_at": "2031-05-02",
                "recipient": "police",
                "basis_kind": "consent",
                "basis": HOSTILE,
                "fields": ["client_name"],
            }
        ],
        "events": [
            {
                "occurred_at": "2031-05-01",
                "recorded_at": "2031-05-01",
                "agency": "Test Borough",
                "role": None,
                "event": "ReferralSubmitted",
                "fields": {"notes": HOSTILE},
            }
        ],
    }


def test_a_value_holding_markup_is_escaped_in_the_export() -> None:
    page = export_html(export(erased=False))
    assert "<script" not in page and "<b>" not in page
    # the name, the basis, and inside the address and the notes
    assert page.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;") == 4
    pre = [html.unescape(p) for p in re.findall(r"<pre>(.*?)</pre>", page, re.DOTALL)]
    assert pre == [
        '{\n  "line_1": "<script>alert(\'x\')</script> & <b>bold</b>",\n  "postcode": "TE1 1ST"\n}',
        '[\n  "client_name"\n]',
        '{\n  "notes": "<script>alert(\'x\')</script> & <b>bold</b>"\n}',
    ]
    assert "<td>consent: &lt;script&gt;" in page and "<td></td>" in page  # a missing role is blank
    assert "has been erased" not in page


def test_an_erased_case_says_so() -> None:
    page = export_html(export(erased=True) | {"personal_data": []})
    assert "<p><strong>The personal data in this case has been erased.</strong></p>" in page
    assert "<title>Subject access export: case C-TEST-1</title>" in page
