"""The quarterly itemised invoice, and the works order's field list."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from services.contractor.invoice import build_invoice, quarter_bounds, write_invoice
from shared.contracts.contractor import InstalledItem, ItemsInstalled, WorksOrderReceived
from shared.events import RecordedEvent
from shared.personal import personal_field_names
from tests.contractor.scenarios import recorded, works_order

NAMES = {"HINGE-BOLTS": "Hinge Bolts", "DOOR-CHAIN": "Door Chain"}


def installed(case_id: str, at: datetime, *lines: tuple[str, int, str]) -> RecordedEvent:
    items = [
        InstalledItem(item_code=c, quantity=q, unit_cost_gbp=Decimal(u), total_gbp=Decimal(u) * q)
        for c, q, u in lines
    ]
    payload = ItemsInstalled(items=items, total_gbp=sum((i.total_gbp for i in items), Decimal("0")))
    return recorded(payload, at=at, case_id=case_id)


@pytest.mark.parametrize(
    ("quarter", "bounds"),
    [
        (1, (date(2025, 4, 1), date(2025, 6, 30))),
        (2, (date(2025, 7, 1), date(2025, 9, 30))),
        (3, (date(2025, 10, 1), date(2025, 12, 31))),
        (4, (date(2026, 1, 1), date(2026, 3, 31))),
    ],
)
def test_quarters_follow_the_financial_year(quarter: int, bounds: tuple[date, date]) -> None:
    assert quarter_bounds(2025, quarter) == bounds


def test_quarters_of_a_year_from_another_month_cross_the_new_year() -> None:
    assert quarter_bounds(2023, 2, year_start_month=11) == (date(2024, 2, 1), date(2024, 4, 30))
    assert quarter_bounds(2024, 1, year_start_month=12) == (date(2024, 12, 1), date(2025, 2, 28))
    assert quarter_bounds(2023, 1, year_start_month=12) == (date(2023, 12, 1), date(2024, 2, 29))
    with pytest.raises(ValueError, match="quarter"):
        quarter_bounds(2025, 5)


def test_invoice_lists_items_per_case_by_reference_with_subtotals_and_total(tmp_path: Path) -> None:
    events = [
        recorded(works_order(), case_id="C-A"),
        installed("C-A", datetime(2025, 6, 3, 10, tzinfo=UTC), ("HINGE-BOLTS", 2, "10.00")),
        installed(
            "C-B",
            datetime(2025, 5, 1, 10, tzinfo=UTC),
            ("DOOR-CHAIN", 1, "15.00"),
            ("HINGE-BOLTS", 1, "10.00"),
        ),
        # 30 June 23:30 UTC is 1 July in the UK: next quarter.
        installed("C-C", datetime(2025, 6, 30, 23, 30, tzinfo=UTC), ("DOOR-CHAIN", 1, "15.00")),
    ]
    start, end = quarter_bounds(2025, 1)
    invoice = build_invoice(events, start, end, NAMES)
    assert invoice.case_totals() == {"C-A": Decimal("20.00"), "C-B": Decimal("25.00")}
    assert invoice.total_gbp == Decimal("45.00")
    csv_path, xlsx_path = write_invoice(invoice, tmp_path)
    rows = list(csv.reader(csv_path.open(encoding="utf-8")))
    assert rows[1] == ["C-A", "2025-06-03", "HINGE-BOLTS", "Hinge Bolts", "2", "10.00", "20.00"]
    assert rows[2] == ["C-A", "", "", "Subtotal for case C-A", "", "", "20.00"]
    assert rows[-1][-1] == "45.00" and "2 cases" in rows[-1][3]
    text = csv_path.read_text(encoding="utf-8")
    assert "Alice Example" not in text and "Test Road" not in text
    sheet = load_workbook(xlsx_path).active
    assert sheet is not None
    assert sheet.cell(row=2, column=7).value == 20 and sheet.cell(row=sheet.max_row, column=7).value == 45


WORKS_ORDER_FIELDS = {
    "approved_items",
    "client_name",
    "client_address",
    "client_telephone",
    "unsafe_contact_times",
    "unsafe_contact_windows",
    "female_installer_requested",
    "password_requested",
    "someone_present_requested",
    "installation_requests",
    "urgent",
    "first_contact_due_by",
}


def test_works_order_carries_no_field_outside_its_list() -> None:
    assert set(WorksOrderReceived.model_fields) == WORKS_ORDER_FIELDS
    assert set(works_order().model_dump()) == WORKS_ORDER_FIELDS
    assert personal_field_names(WorksOrderReceived) == {
        "client_name",
        "client_address",
        "client_telephone",
        "unsafe_contact_times",
        "unsafe_contact_windows",
        "installation_requests",
    }
