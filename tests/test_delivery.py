"""A delivered message's stream and consumer sequences and pending count, read from its reply
subject, are what nats-py's ``msg.metadata`` reads there."""

from __future__ import annotations

import pytest
from nats.aio.msg import Msg

from shared.delivery import delivery

REPLIES = [
    "$JS.ACK.CASES.reporting-views.1.4021.17.1764680000000000000.0",
    "$JS.ACK.CASES.reader.3.99.5.1764680000000000000.12",
    # The form with a domain, an account hash and a random token: left to nats-py.
    "$JS.ACK.hub.ACCHASH.CASES.reader.1.77.8.1764680000000000000.3.tok",
    "$JS.ACK._.ACCHASH.CASES.reader.2.78.9.1764680000000000000.0.tok",
]


@pytest.mark.parametrize("reply", REPLIES)
def test_delivery_reads_what_metadata_reads(reply: str) -> None:
    msg = Msg(None, subject="case.C-1.referral.ReferralSubmitted", reply=reply, data=b"{}")  # type: ignore[arg-type]
    meta = Msg(None, subject=msg.subject, reply=reply, data=b"{}").metadata  # type: ignore[arg-type]
    assert delivery(msg) == (meta.sequence.stream, meta.sequence.consumer, meta.num_pending)


def test_a_message_no_consumer_delivered_is_refused() -> None:
    msg = Msg(None, subject="case.C-1.x.Y", reply="_INBOX.abc", data=b"{}")  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - nats-py's own error for a reply that is not an ack
        delivery(msg)
