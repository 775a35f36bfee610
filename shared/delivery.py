"""What a JetStream consumer's delivered message says of itself, read from its reply subject."""

from __future__ import annotations

from nats.aio.msg import Msg

_ACK_TOKENS = 9  # a reply subject without a domain or account hash


def delivery(msg: Msg) -> tuple[int, int, int]:
    """(stream sequence, consumer sequence, matching messages pending) of a message a consumer
    delivered, read from its reply subject as ``msg.metadata`` reads it: without the dataclasses
    and timestamp nats-py builds for each message. A reply of another form goes to nats-py."""
    tokens = (msg.reply or "").split(".")
    if len(tokens) == _ACK_TOKENS and tokens[0] == "$JS" and tokens[1] == "ACK":
        # $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>
        return int(tokens[5]), int(tokens[6]), int(tokens[8])
    meta = msg.metadata
    return int(meta.sequence.stream), int(meta.sequence.consumer), int(meta.num_pending)
