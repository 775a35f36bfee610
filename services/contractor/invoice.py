"""The contractor's quarterly itemised invoice (specification section 5, item 12): every item
installed in the quarter, per case by its reference (never the client's name), with case subtotals
and the quarter's total, written as CSV and XLSX.

``build_invoice`` is a pure function over loaded case events; the CLI loads them and writes the files.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta
from openpyxl import Workbook

from services.contractor.domain.rules import UK_TIME
from shared.contracts.contractor import ItemsInstalled
from shared.events import RecordedEvent

HEADER = ("Case reference", "Date installed", "Item code", "Item", "Quantity", "Unit cost (£)", "Total (£)")


@dataclass(frozen=True)
class InvoiceLine:
    case_reference: str
    installed_on: date
    item_code: str
    item_name: str
    quantity: int
    unit_cost_gbp: Decimal
    total_gbp: Decimal


@dataclass(frozen=True)
class Invoice:
    period_start: date
    period_end: date  # inclusive
    lines: tuple[InvoiceLine, ...]

    def case_totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for line in self.lines:
            totals[line.case_reference] = totals.get(line.case_reference, Decimal("0.00")) + line.total_gbp
        return totals

    @property
    def total_gbp(self) -> Decimal:
        return sum((line.total_gbp for line in self.lines), Decimal("0.00"))


def quarter_bounds(financial_year: int, quarter: int, year_start_month: int = 4) -> tuple[date, date]:
    """Q1-Q4 of the financial year beginning in ``year_start_month`` of ``financial_year``."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1, 2, 3 or 4")
    start = date(financial_year, year_start_month, 1) + relativedelta(months=3 * (quarter - 1))
    return start, start + relativedelta(months=3, days=-1)


def build_invoice(
    events: Iterable[RecordedEvent], period_start: date, period_end: date, item_names: Mapping[str, str]
) -> Invoice:
    """Lines for every ItemsInstalled whose installation day (UK time) is inside the period."""
    lines: list[InvoiceLine] = []
    for event in events:
        payload = event.payload
        if not isinstance(payload, ItemsInstalled):
            continue
        day = event.occurred_at.astimezone(UK_TIME).date()
        if not period_start <= day <= period_end:
            continue
        for item in payload.items:
            lines.append(
                InvoiceLine(
                    case_reference=event.case_id,
                    installed_on=day,
                    item_code=item.item_code,
                    item_name=item_names.get(item.item_code, item.item_code),
                    quantity=item.quantity,
                    unit_cost_gbp=item.unit_cost_gbp,
                    total_gbp=item.total_gbp,
                )
            )
    lines.sort(key=lambda x: (x.case_reference, x.installed_on, x.item_code))
    return Invoice(period_start=period_start, period_end=period_end, lines=tuple(lines))


def invoice_rows(invoice: Invoice) -> list[tuple[str, ...]]:
    """The table both files hold: item lines, a subtotal after each case, the total at the end."""
    rows: list[tuple[str, ...]] = [HEADER]
    totals = invoice.case_totals()
    for i, line in enumerate(invoice.lines):
        rows.append(
            (
                line.case_reference,
                line.installed_on.isoformat(),
                line.item_code,
                line.item_name,
                str(line.quantity),
                f"{line.unit_cost_gbp:.2f}",
                f"{line.total_gbp:.2f}",
            )
        )
        next_line = invoice.lines[i + 1] if i + 1 < len(invoice.lines) else None
        if next_line is None or next_line.case_reference != line.case_reference:
            ref = line.case_reference
            rows.append((ref, "", "", f"Subtotal for case {ref}", "", "", f"{totals[ref]:.2f}"))
    period = f"{invoice.period_start.isoformat()} to {invoice.period_end.isoformat()}"
    rows.append(("", "", "", f"Total for {period} ({len(totals)} cases)", "", "", f"{invoice.total_gbp:.2f}"))
    return rows


def write_csv(invoice: Invoice, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as f:  # with a BOM, so Excel reads "£"
        csv.writer(f).writerows(invoice_rows(invoice))
    return path


def write_xlsx(invoice: Invoice, path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Invoice"
    for r, row in enumerate(invoice_rows(invoice), start=1):
        for c, value in enumerate(row, start=1):
            # Numbers go in as numbers so the sheet can sum them; the header row stays text.
            cell_value: object = value
            if r > 1 and c in (5, 6, 7) and value:
                cell_value = int(value) if c == 5 else Decimal(value)
            sheet.cell(row=r, column=c, value=cell_value)
    book.save(path)
    return path


def write_invoice(invoice: Invoice, directory: Path, stem: str = "sanctuary-invoice") -> tuple[Path, Path]:
    """Both files, named by the period: ``<stem>-<start>-<end>.csv`` and ``.xlsx``."""
    directory.mkdir(parents=True, exist_ok=True)
    base = f"{stem}-{invoice.period_start.isoformat()}-{invoice.period_end.isoformat()}"
    return write_csv(invoice, directory / f"{base}.csv"), write_xlsx(invoice, directory / f"{base}.xlsx")
