"""The report's day counts never part from the cases they count: after any history (answers
corrected after the installation, a form resubmitted, measures fitted after completion, an event
applied twice, a batch that fails half way), the stored counts are exactly what the cases add up to
when worked out again from scratch. Runs on DATABASE_URL when set (PostgreSQL in CI)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from services.reporting.monitoring.readmodel import day_count_upkeep
from services.reporting.monitoring.readmodel.changes import Change, UpdateRows
from services.reporting.monitoring.readmodel.store import ReadModelStore
from services.reporting.monitoring.report import day_counts as D
from services.reporting.monitoring.report.compute import compute_report, report_from_facts
from services.reporting.monitoring.report.facts import CaseFacts, load_facts
from services.reporting.monitoring.report.model import Audience
from services.reporting.monitoring.report.produce import Format, render_report
from shared.contracts import assessment as A
from shared.contracts import contractor as K
from shared.contracts import referral as R
from shared.events import RecordedEvent
from tests.reporting.history import (
    TEST_SCHEME,
    History,
    at,
    completed,
    dash,
    fire_check,
    follow_up,
    form,
    installed,
    submitted,
)
from tests.reporting.test_report_readmodel import PERIOD, PROJECT
from tests.reporting.year import year

pytestmark = pytest.mark.readmodel


Amounts = dict[D.Key, tuple[int, Decimal]]


def stored(store: ReadModelStore) -> Amounts:
    """The stored counts; a count taken down to nothing is no row (as a rebuild would leave it)."""
    with store.engine.connect() as conn:
        t = store.active(conn).day_counts.c
        rows = conn.execute(select(t.kind, t.day, t.value, t.until, t.n, t.amount))
        return {
            (kind, _day(day), value, _day(until)): (int(n), Decimal(str(amount)).quantize(Decimal("0.01")))
            for kind, day, value, until, n, amount in rows
        }


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def from_scratch(store: ReadModelStore) -> Amounts:
    """What every case adds up to, worked out again from the cases as stored."""
    total = D.difference([], [D.case_counts(c) for c in load_facts(store).cases])
    return {k: (n, amount.quantize(Decimal("0.01"))) for k, n, amount in total.rows()}


def amended(h: History) -> History:
    """The hand-built year, then what a real year also holds: corrections after the fact."""
    # RA's form resubmitted: other disabilities and children, another gender, after completion.
    again = form(
        gender=R.Gender.MALE,
        disabilities=(R.Disability.MENTAL_ILLNESS, R.Disability.PHYSICAL),
        children=(4, 9, 16),
    )
    h.add("RA", submitted(again, date(2024, 4, 3), R.AgeBand.AGE_25_34), at(2024, 9, 1))
    # RB's risk assessed after the installation; measures fitted (and a fire check) after completion.
    h.add("RB", dash(A.RiskLevel.HIGH, True), at(2024, 10, 1))
    h.add("RB", installed(("WINDOW-LOCK", 2, "24.00")), at(2024, 10, 2))
    h.add("RB", fire_check(date(2024, 10, 3), ("SMOKE-DETECTOR",)), at(2024, 10, 3))
    # RG (approved, waiting) completed in the next year: the stock of approved work ends then.
    h.add("RG", installed(("DOOR-CHAIN", 1, "15.00")), at(2025, 5, 2))
    h.add("RG", completed(at(2025, 5, 2, 15), "15.00"), at(2025, 5, 2, 15))
    return h


def test_counts_kept_event_by_event_are_the_counts_worked_out_from_scratch(store: ReadModelStore) -> None:
    h = amended(year())
    for event in h.events:
        assert store.apply(event, PROJECT)
    assert stored(store) == from_scratch(store)
    # Each event again (a redelivery): nothing moves.
    before = stored(store)
    for event in h.events:
        assert not store.apply(event, PROJECT)
    assert stored(store) == before


def test_cases_tallied_together_count_what_each_counts_alone_added_up(store: ReadModelStore) -> None:
    """A pass over every case (a rebuilt generation's) keeps one tally; the same cases twice share
    every key, approved amounts included, which must add up rather than overwrite each other."""
    assert store.apply_many(amended(year()).events, PROJECT)
    cases = load_facts(store).cases * 2
    together = D.Counts(Counter(), {})
    for case in cases:
        assert D.case_counts(case, into=together) is together
    alone = D.difference([], [D.case_counts(c) for c in cases])
    assert together.rows() == alone.rows()
    assert any(amount for _, _, amount in together.rows())  # an approved amount is among them


def test_counts_kept_a_batch_at_a_time_are_the_same(store: ReadModelStore) -> None:
    h = amended(year())
    assert store.apply_many(h.events, PROJECT) == len(h.events)
    assert stored(store) == from_scratch(store)


def test_a_batch_that_fails_half_way_moves_no_count(store: ReadModelStore) -> None:
    h = amended(year())
    half = len(h.events) // 2
    store.apply_many(h.events[:half], PROJECT)
    before = stored(store)

    def fails_on_the_last(event: RecordedEvent) -> Sequence[Change]:
        if event is h.events[-1]:
            raise ValueError("a projection that fails")
        return PROJECT(event)

    with pytest.raises(ValueError, match="a projection that fails"):
        store.apply_many(h.events[half:], fails_on_the_last)
    assert stored(store) == before
    assert store.position() == h.events[half - 1].seq


def test_a_change_to_case_rows_the_counts_cannot_follow_is_refused(store: ReadModelStore) -> None:
    store.apply_many(year().events, PROJECT)
    before = stored(store)

    def rewrites_cases(event: RecordedEvent) -> Sequence[Change]:
        return [UpdateRows("cases", {"case_id": event.case_id}, {"gender": "Male"})]

    late = amended(year()).events[-1]  # after the year: applied, were it allowed
    with pytest.raises(ValueError, match="UpdateRows of cases"):
        store.apply(late, rewrites_cases)
    assert stored(store) == before


def test_what_one_case_adds() -> None:
    case = CaseFacts(
        {
            "case_id": "C1",
            "referral_received_on": date(2024, 4, 2),
            "accepted_on": date(2024, 4, 5),
            "gender": "Female",
            "approved_on": date(2024, 5, 1),
            "approved_cost_gbp": Decimal("250.00"),
            "completed_at": None,
            "cancelled_on": date(2024, 6, 1),
        },
        disabilities=["Prefer not to say"],
    )
    counts = D.case_counts(case)
    # Received until accepted; approved until cancelled, with its estimated cost.
    assert counts.n[(D.DECISION, date(2024, 4, 2), "[]", date(2024, 4, 5))] == 1
    approved = (D.APPROVED, date(2024, 5, 1), "[]", date(2024, 6, 1))
    assert (counts.n[approved], counts.pounds[approved]) == (1, Decimal("250.00"))
    assert counts.n[("received:", date(2024, 4, 2), "[]", D.NEVER)] == 1
    assert counts.n[("received:referral_source", date(2024, 4, 2), "[null]", D.NEVER)] == 1
    # Not completed: nothing counted by completion (gender, disabilities, spend).
    assert not [k for k in counts.n if k[0].startswith("completed") or k[0] in (D.DISABILITY, D.SPEND)]
    # Taking the case away leaves a negative count for each key: nothing is dropped.
    assert D.difference([counts], []).rows() == [(k, -n, -p) for k, n, p in counts.rows()]
    # Answers keep their type: a yes is not the number 1.
    assert D.decode(D.encode([True, 1, None, "Female"])) == (True, 1, None, "Female")
    assert D.encode([True]) != D.encode([1])


def test_the_report_from_the_day_counts_is_the_report_case_by_case_after_corrections(
    store: ReadModelStore,
) -> None:
    for event in amended(year()).events:
        store.apply(event, PROJECT)
    facts = load_facts(store)
    for audience in Audience:
        from_days = compute_report(store, PERIOD, audience, TEST_SCHEME)
        in_memory = report_from_facts(facts, PERIOD, audience, TEST_SCHEME)
        assert render_report(from_days, Format.JSON) == render_report(in_memory, Format.JSON)


def test_a_rebuilt_generation_is_counted_from_its_cases_when_swapped_in(
    store: ReadModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A few cases per transaction, so the counting crosses many (the year has eight cases).
    monkeypatch.setattr(day_count_upkeep, "EVERY_CASE_CHUNK", 3)
    h = amended(year())
    store.apply_many(h.events[:5], PROJECT)  # the live tables: what the swap replaces
    generation = store.new_generation()
    half = len(h.events) // 2
    store.apply_many(h.events[:half], PROJECT, generation=generation)
    store.apply_many(h.events[half:], PROJECT, generation=generation)
    store.swap(generation)
    assert store.active_generation() == generation
    assert stored(store) == from_scratch(store)
    assert stored(store)  # the year counts something


def test_a_column_the_counts_do_not_name_changes_no_count(store: ReadModelStore) -> None:
    """The store counts a case again only when a change names a counted column: every other column
    of the case's row must move no count, whatever its value (or the store would miss the move)."""
    store.apply_many(amended(year()).events, PROJECT)
    with store.engine.connect() as conn:
        columns = [c for c in store.active(conn).cases.columns if c.name != "case_id"]
    assert {c.name for c in columns} >= D.COUNTED_CASE_COLUMNS, "every counted column is a column"
    others = [c for c in columns if c.name not in D.COUNTED_CASE_COLUMNS]
    assert others, "some columns are not counted (dates of contact, works order, assessment)"
    for case in load_facts(store).cases:
        counted = D.case_counts(case)
        for column in others:
            for value in (None, True, 7, "changed", date(2024, 6, 1), datetime(2024, 6, 1, 9)):
                changed = replace(case, row={**case.row, column.name: value})
                assert D.case_counts(changed) == counted, f"{column.name} moves a count"


def test_a_case_with_hundreds_of_follow_ups_is_counted_like_any_other(store: ReadModelStore) -> None:
    """A case's follow-ups are counted together (whether one falls in a window is a question of the
    case), so their answers grow with them: 400 follow-ups on as many days make answers of about
    14 KB, which must neither stop the batch (a key too long for an index) nor be cut short."""
    h = amended(year())
    first = date(2024, 4, 17)
    kinds = list(R.FollowUpKind)
    for n in range(400):
        kind = kinds[n % len(kinds)]
        on = first + timedelta(days=n)
        h.add(
            "RA",
            follow_up(kind, K.ContactChannel.TELEPHONE, on, made=n % 3 != 0),
            at(on.year, on.month, on.day),
        )
    assert store.apply_many(h.events, PROJECT) == len(h.events)
    counts = stored(store)
    assert counts == from_scratch(store)
    longest = max(len(value) for (_, _, value, _) in counts)
    assert longest > 10_000
    facts = load_facts(store)
    for audience in Audience:
        from_days = compute_report(store, PERIOD, audience, TEST_SCHEME)
        in_memory = report_from_facts(facts, PERIOD, audience, TEST_SCHEME)
        assert render_report(from_days, Format.JSON) == render_report(in_memory, Format.JSON)
