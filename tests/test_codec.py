"""The append path's fast canonical JSON writes exactly the bytes the standard library's definition
writes, so hashes of stored events, and the audit verifier's checks of them, do not change."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.codec import (
    GENESIS_HASH,
    CasePosition,
    build_record,
    canonical,
    chain_and_sign,
    event_hash,
    parse_json,
    personal_plaintext,
    standard_canonical,
)
from shared.events import Role
from shared.signing import SignatureVerifier, Signer
from tests.kernel_events import COORD, KernelNoteAdded, KernelNoteCounted

WHEN = datetime(2025, 3, 4, 10, 30, 15, 123456, tzinfo=UTC)

# Every character class the two encoders could treat differently: controls (escaped), DEL and
# the line/paragraph separators (left as they are), quotes, backslashes, BMP and astral planes.
TRICKY = "".join(map(chr, range(0x00, 0x80))) + "\u00e9\u2028\u2029\ufeff\ue000\uffff\U00010000\U0001f600"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson refuses those and the standard path takes over
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from(list(TRICKY))
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


def standard_plaintext(value: dict[str, Any]) -> bytes:
    """The standard library's compact, sorted JSON: what personal fields were always sealed as."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def standard_hash(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k not in ("hash", "signature")}
    return hashlib.sha256(standard_canonical(body)).hexdigest()


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=8))
def test_canonical_writes_the_standard_bytes_for_any_json(record: dict[str, Any]) -> None:
    assert canonical(record) == standard_canonical(record)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_personal_plaintext_is_the_standard_compact_sorted_json(personal: dict[str, Any]) -> None:
    assert personal_plaintext(personal) == standard_plaintext(personal)


@pytest.mark.parametrize("char", list(TRICKY))
def test_canonical_escapes_each_character_as_the_standard_does(char: str) -> None:
    record = {"text": f"a{char}b", f"k{char}": [char]}
    assert canonical(record) == standard_canonical(record)
    assert personal_plaintext(record) == standard_plaintext(record)


def test_keys_sort_by_code_point_across_planes() -> None:
    record = {chr(cp): cp for cp in (0x7F, 0x80, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x1F600, 0x41, 0x61)}
    assert canonical(record) == standard_canonical(record)


@pytest.mark.parametrize("value", [1e-05, 1.5212603486793025e-05, -7e-09, 1e16, 2**64, -(2**63) - 1, 10**30])
def test_floats_and_huge_integers_keep_the_standard_spelling(value: float | int) -> None:
    record = {"payload": {"amount": value, "list": [value]}}
    assert canonical(record) == standard_canonical(record)


def test_values_that_are_not_plain_json_take_the_standard_path() -> None:
    # An enum member is a str to json.dumps; canonical must not guess at it differently.
    assert canonical({"role": Role.COORDINATOR}) == standard_canonical({"role": Role.COORDINATOR})
    with pytest.raises(TypeError):
        canonical({"when": WHEN})  # not JSON data: refused, as the standard library refuses it


def record_for(text: str, prev_hash: str = GENESIS_HASH) -> dict[str, Any]:
    return build_record(
        event_id=f"0190aaaa-{uuid.uuid4()}",
        payload=KernelNoteAdded(text=text, client_name="Zoë Example", client_address="1 Test Road"),
        case_id="T-codec",
        occurred_at=WHEN,
        recorded_at=WHEN,
        actor=COORD,
        causation_id="cmd-1",
        correlation_id="cmd-1",
        prev_hash=prev_hash,
        key=os.urandom(32),
    )


@pytest.mark.parametrize("text", ["plain note", TRICKY, "note with \"quotes\" and \\ and '1e-05'"])
def test_chain_and_sign_hashes_and_writes_exactly_as_event_hash_and_canonical_define(text: str) -> None:
    key = Ed25519PrivateKey.generate()
    record = record_for(text)
    stored = chain_and_sign(record, Signer("referral", key).sign)
    assert record["hash"] == event_hash(record) == standard_hash(record)
    assert stored == standard_canonical(record)
    assert json.loads(stored) == record
    verifier = SignatureVerifier({"referral": key.public_key()})
    assert verifier.verify("referral", record["hash"], record["signature"])


def test_chain_and_sign_without_a_signer_leaves_the_signature_empty() -> None:
    record = record_for("unsigned")
    stored = chain_and_sign(record, None)
    assert record["signature"] == ""
    assert stored == standard_canonical(record)
    assert record["hash"] == standard_hash(record)


def test_chain_and_sign_refuses_a_record_already_chained() -> None:
    record = record_for("twice")
    chain_and_sign(record, None)
    with pytest.raises(ValueError, match="already has a hash"):
        chain_and_sign(record, None)


@pytest.mark.nats
async def test_appended_bytes_are_canonical_and_the_chain_checks_by_the_standard_definition(
    store_for: Any, nc: Any
) -> None:
    store = store_for("referral")
    case_id = f"T-{uuid.uuid4().hex[:12]}"
    first = await store.append(
        case_id,
        [KernelNoteAdded(text=TRICKY, client_name="Zoë Example")],
        expected=CasePosition(),
        actor=COORD,
        command_id=f"cmd-{uuid.uuid4().hex}",
    )
    await store.append(
        case_id,
        [KernelNoteAdded(text="second", client_name="A"), KernelNoteCounted(count=2)],
        expected=CasePosition(first[-1].seq, first[-1].hash),
        actor=COORD,
        command_id=f"cmd-{uuid.uuid4().hex}",
    )
    raw = await store.read_raw(case_id)
    assert len(raw) == 3
    prev = GENESIS_HASH
    for _seq, _subject, data in raw:
        record = json.loads(data)
        assert data == standard_canonical(record)
        assert record["prev_hash"] == prev
        assert record["hash"] == standard_hash(record)
        prev = record["hash"]


def read_alike(data: bytes) -> tuple[str, str]:
    """What reading ``data`` gives, comparable across readers: the value's repr (NaN equals itself
    there, and 1 and 1.0 differ), or the refusal."""
    try:
        return ("value", repr(json.loads(data)))
    except (ValueError, RecursionError) as exc:
        return ("refused", type(exc).__name__)


def read_by_parse_json(data: bytes) -> tuple[str, str]:
    try:
        return ("value", repr(parse_json(data)))
    except (ValueError, RecursionError) as exc:
        return ("refused", type(exc).__name__)


@settings(max_examples=400, deadline=None)
@given(json_values | st.dictionaries(st.text(), json_values, max_size=8), st.booleans())
def test_parse_json_reads_what_json_loads_reads(value: Any, ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert read_by_parse_json(data) == read_alike(data)


@pytest.mark.parametrize(
    "data",
    [
        b"NaN",
        b"[Infinity, -Infinity, 1e400]",
        b"18446744073709551616",
        b"-9223372036854775809",
        b"123456789012345678901234567890.5",
        b'{"a": 1, "a": 2}',
        b'"\\ud800"',  # a lone surrogate: json reads it, pydantic-core refuses, json is asked
        b'"\\udc00\\ud800"',
        b"\xef\xbb\xbf{}",  # a byte-order mark
        '{"a": "\u00e9"}'.encode("utf-16"),
        b'{"a": "\xff"}',  # not UTF-8
        b"[" * 3000 + b"]" * 3000,
        b'"a\tb"',
        b"[1,]",
        b"",
        b" {} ",
    ],
)
def test_parse_json_reads_or_refuses_each_odd_input_as_json_loads_does(data: bytes) -> None:
    assert read_by_parse_json(data) == read_alike(data)
