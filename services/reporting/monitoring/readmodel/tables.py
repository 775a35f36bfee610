"""The read-model tables. They hold case references, dates, categories and amounts only: never a
name, address, telephone, date of birth, perpetrator detail or free text.

Tables are built per name prefix, so a rebuild fills a fresh generation of tables beside the live
one and then swaps, and tests can give each run tables of its own on a shared database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, MetaData, Numeric, String, Table, Text

Money = Numeric(12, 2)
# The tables' shape: a new shape gets tables of its own name (filled by ``sanctuary rebuild``), so an
# old database is never read with the wrong columns.
# 3: indexes for the batched writer and the report's queries; 4: the measures' and follow-ups' case
# indexes cover what the report reads of them (category, quantity, amount; kind, outcome, day), so
# it never reads those rows themselves. 5: the report's day counts (report/day_counts.py). 6: day
# counts for the schemes' own measures too (report/measure_counts.py). 7: day counts keyed by the
# digest of their answers, which may be of any length.
SHAPE = 7


@dataclass(frozen=True)
class Tables:
    metadata: MetaData
    cases: Table
    disabilities: Table
    children: Table
    measures: Table
    contacts: Table
    complaints: Table
    feedback: Table
    follow_ups: Table
    day_counts: Table
    positions: Table

    def all(self) -> list[Table]:
        return list(self.metadata.sorted_tables)


def _added_by_events(md: MetaData, name: str, *columns: Column[Any], covered: tuple[str, ...] = ()) -> Table:
    """Rows an event adds to a case: keyed by the event (a redelivery adds nothing), found by case
    (the index by case also holding the ``covered`` columns, for queries that read only those)."""
    table = Table(
        name,
        md,
        Column("event_id", String(64), primary_key=True),
        Column("case_id", String(64), index=not covered),
        *columns,
    )
    if covered:
        Index(f"ix_{name}_case", table.c.case_id, *(table.c[c] for c in covered))
    return table


def build_tables(prefix: str) -> Tables:
    md = MetaData()
    s = String(120)
    cases = Table(
        f"{prefix}cases",
        md,
        Column("case_id", String(64), primary_key=True),
        # The referral form's monitoring answers, as the template's categories (None: unknown).
        Column("referral_received_on", Date, index=True),
        Column("referral_source", s),
        Column("gender", s),
        Column("gender_identity_differs", Boolean),
        Column("ethnicity", s),
        Column("ethnic_group", s),
        Column("interpreter_needed", Boolean),
        Column("age_band", s),
        Column("nrpf", Boolean),
        Column("pregnant", Boolean),
        Column("other_support_needs", Boolean),
        Column("accommodation_type", s),
        Column("tenure_type", s),
        Column("children_count", Integer),
        Column("arson_risk", Boolean),
        # The form's own DASH score and MARAC answer: used when the assessment gave none.
        Column("form_ric_score", Integer),
        Column("form_marac_referral", Boolean),
        Column("marac_referral", Boolean),
        Column("risk_level", s),
        Column("follow_up_consent", Boolean),
        # Outcomes and the moments each stage was reached (UTC; days are UK days).
        Column("accepted_on", Date),
        Column("urgent", Boolean),
        Column("declined_on", Date),
        Column("decline_reason", s),
        Column("safeguarding_on", Date),
        Column("safeguarding_recipient", s),
        Column("approved_on", Date),
        Column("approved_cost_gbp", Money),
        Column("cpo_opened_at", DateTime),
        Column("assessed_at", DateTime),
        Column("works_order_at", DateTime),
        Column("first_contact_due_by", DateTime),
        Column("first_contact_at", DateTime),
        Column("contact_not_established", Boolean),
        Column("works_started_at", DateTime),
        Column("completed_at", DateTime, index=True),
        Column("install_cost_gbp", Money),
        Column("cancelled_on", Date),
        Column("cancellation_reason", s),
        Column("fire_check_at", DateTime),
        Column("closed_on", Date),
        Column("closure_reason", s),
        Column("safety_outcome", s),
    )
    disabilities = Table(
        f"{prefix}disabilities",
        md,
        Column("case_id", String(64), primary_key=True),
        Column("disability", s, primary_key=True),
    )
    children = Table(
        f"{prefix}children",
        md,
        Column("case_id", String(64), primary_key=True),
        Column("position", Integer, primary_key=True),
        Column("age", Integer),
    )
    measures = Table(
        f"{prefix}measures",
        md,
        Column("event_id", String(64), primary_key=True),
        Column("line", Integer, primary_key=True),
        Column("case_id", String(64)),
        Column("item_code", s),
        Column("category", s),
        Column("quantity", Integer),
        Column("total_gbp", Money),
        Column("installed_on", Date),
    )
    Index(
        f"ix_{prefix}measures_case",
        measures.c.case_id,
        measures.c.category,
        measures.c.quantity,
        measures.c.total_gbp,
    )
    contacts = _added_by_events(
        md,
        f"{prefix}contacts",
        Column("channel", s),
        Column("outcome", s),
        Column("attempted_at", DateTime),
    )
    complaints = _added_by_events(
        md,
        f"{prefix}complaints",
        Column("complaint_ref", s),
        Column("received_on", Date),
        Column("resolved_on", Date),
        Column("within_procedure", Boolean),
    )
    feedback = _added_by_events(
        md,
        f"{prefix}feedback",
        Column("received_on", Date),
        Column("satisfaction", s),
        Column("satisfied", Boolean),
    )
    follow_ups = _added_by_events(
        md,
        f"{prefix}follow_ups",
        Column("contact_on", Date),
        Column("kind", s),
        Column("channel", s),
        Column("outcome", s),
        covered=("kind", "outcome", "contact_on"),
    )
    # What the cases add up to per day, kept with them in each batch's transaction (the report reads
    # these, not the cases): see report/day_counts.py.
    day_counts = Table(
        f"{prefix}day_counts",
        md,
        Column("kind", String(120), primary_key=True),
        Column("day", Date, primary_key=True),
        # The answers are keyed by their digest: a case's follow-ups are as many as were recorded, and
        # no length of answers may stop a batch (PostgreSQL's index entries have a size limit).
        Column("digest", String(64), primary_key=True),
        Column("until", Date, primary_key=True),
        Column("value", Text, nullable=False),
        Column("n", Integer, nullable=False),
        Column("amount", Money, nullable=False),
    )
    positions = Table(
        f"{prefix}positions",
        md,
        Column("projection", String(64), primary_key=True),
        Column("last_seq", Integer, nullable=False),
    )
    return Tables(
        md,
        cases,
        disabilities,
        children,
        measures,
        contacts,
        complaints,
        feedback,
        follow_ups,
        day_counts,
        positions,
    )
