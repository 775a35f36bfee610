"""shared.nats_headers reads a header block exactly as nats-py's own parser does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from nats.aio.client import Client as NATS

from shared import nats_headers
from shared.nats_headers import install, parse

DIRECT_GET = (
    b"Nats-Msg-Id: C-1:01:0\r\nNats-Expected-Last-Subject-Sequence: 0\r\n"
    b"Nats-Stream: CASES\r\nNats-Subject: case.C-1.referral.ReferralSubmitted\r\n"
    b"Nats-Sequence: 1\r\nNats-Time-Stamp: 2026-01-01T00:00:00.1Z\r\nNats-Num-Pending: 7\r\n\r\n"
)


def nats_py(raw: bytes) -> dict[str, str]:
    return NATS._parse_header_lines(raw)


def test_a_direct_get_reply_reads_as_nats_py_reads_it() -> None:
    assert parse(DIRECT_GET) == nats_py(DIRECT_GET)
    assert parse(DIRECT_GET)["Nats-Sequence"] == "1"


def test_odd_lines_read_as_nats_py_reads_them() -> None:
    odd = [
        b"",
        b"\r\n\r\n",
        b"no colon here\r\n",
        b"Bad Name: x\r\nGood: y\r\n",
        b"Tab\tName: x\r\n",
        b"\x1cSep: x\r\n",  # whitespace to str.isspace, not to bytes.strip
        b"  Padded  :  value  \r\n",
        b"Name:NoSpace\r\nName: again\r\n",
        b"Caf\xc3\xa9: x\r\n",  # a name that is not ASCII
        b"Value: caf\xc3\xa9 \xff\xfe\r\n",  # a value that is not UTF-8
        b":empty name\r\n",
        b"Colons: a:b:c\r\nLone\nNewline: v\rr\r\n",
        b"Key: \x0bv\x0c\r\n",
    ]
    for raw in odd:
        assert parse(raw) == nats_py(raw), raw
        assert parse(raw) == nats_py(raw), raw  # the names remembered read the same again


pieces = st.sampled_from(
    [
        b":",
        b" ",
        b"\t",
        b"\r",
        b"\n",
        b"\r\n",
        b"\x1c",
        b"\x85",
        b"\xc3\xa9",
        b"\xff",
        b"Nats-Seq",
        b"a",
        b"-",
        b"1",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(pieces, max_size=8).map(b"".join), max_size=8))
def test_any_block_reads_as_nats_py_reads_it(lines: list[bytes]) -> None:
    raw = b"\r\n".join(lines) + b"\r\n\r\n"
    assert parse(raw) == nats_py(raw)


def test_names_past_the_limit_are_worked_out_each_time() -> None:
    many = b"".join(b"N%d: v\r\n" % i for i in range(nats_headers._NAMES_HELD + 10))
    assert parse(many) == nats_py(many)
    assert len(nats_headers._names) <= nats_headers._NAMES_HELD


def test_install_makes_a_client_read_headers_with_parse() -> None:
    nc = NATS()
    install(nc)
    assert nc._parse_header_lines is parse
