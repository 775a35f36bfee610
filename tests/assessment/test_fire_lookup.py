"""The control room's lookup without a server: one address in, the flag or nothing out; only
fire_control may ask; each answer is counted and logged without the address."""

from __future__ import annotations

import json
from datetime import date

from structlog.testing import capture_logs

from services.assessment.address_index import SanctuaryAddressIndex, index_key
from services.assessment.fire_lookup import LookupCounts, answer
from shared.contracts.assessment import (
    FIRE_VIEW_FIELDS,
    FlagRemovalReason,
    SanctuaryAddressFlagged,
    SanctuaryFlagRemoved,
    SharingBasis,
)
from shared.events import Actor, RecordedEvent
from tests.assessment.scenarios import CONTROL, FIRE, recorded
from tests.builders import fire_flag_view

FLAG = fire_flag_view()


def at(seq: int, event: RecordedEvent) -> RecordedEvent:
    return event.model_copy(update={"seq": seq})


def index_with_flag() -> SanctuaryAddressIndex:
    index = SanctuaryAddressIndex(index_key(b"k" * 32))
    index.apply(at(1, recorded(SanctuaryAddressFlagged(flag=FLAG, shared_under=SharingBasis.CONSENT))))
    return index


def query(postcode: str, house: str, actor: Actor = CONTROL) -> bytes:
    return json.dumps({"actor": actor.model_dump(mode="json"), "postcode": postcode, "house": house}).encode()


def test_the_control_room_finds_the_flag_by_postcode_and_house_however_written() -> None:
    counts = LookupCounts()
    reply = answer(index_with_flag(), query("te11st", " 1 "), counts)
    assert reply["found"] is True and set(reply["flag"]) <= FIRE_VIEW_FIELDS
    assert answer(index_with_flag(), query("TE1 1ST", "2"), counts) == {"found": False}
    assert (counts.asked, counts.found, counts.refused) == (2, 1, 0)


def test_only_fire_control_may_ask_and_bad_queries_name_the_field() -> None:
    counts = LookupCounts()
    refused = answer(index_with_flag(), query("TE1 1ST", "1", FIRE), counts)
    assert refused["found"] is False and "flag" not in refused
    assert [e["field"] for e in refused["errors"]] == ["actor.role"]
    short = answer(index_with_flag(), query("TE1", "1"), counts)
    assert [e["field"] for e in short["errors"]] == ["postcode"]
    assert (counts.asked, counts.refused) == (0, 2)


def test_lookups_are_logged_with_the_case_but_never_the_address() -> None:
    with capture_logs() as logs:
        answer(index_with_flag(), query("TE1 1ST", "1"))
        answer(index_with_flag(), query("TE1 1ST", "2"))
    assert [(e["found"], e.get("case_id")) for e in logs] == [(True, "C-ASSESS-1"), (False, None)]
    text = json.dumps(logs, default=str)
    assert "Test Road" not in text and "TE1" not in text, "a lookup log line carries the address"


def test_a_removed_flag_is_no_longer_found_and_redelivery_changes_nothing() -> None:
    index = index_with_flag()
    removed = at(
        2, recorded(SanctuaryFlagRemoved(removed_on=date(2025, 9, 1), reason=FlagRemovalReason.CASE_CLOSED))
    )
    index.apply(removed)
    assert index.lookup("TE1 1ST", "1") is None and len(index) == 0
    stale = at(1, recorded(SanctuaryAddressFlagged(flag=FLAG, shared_under=SharingBasis.CONSENT)))
    index.apply(stale)  # an older event delivered again
    assert index.lookup("TE1 1ST", "1") is None
