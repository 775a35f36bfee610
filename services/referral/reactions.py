"""Other sides' events that become referral commands: none. The coordinator decides every step of
a referral by command; what the other sides record (an assessment, a suspension, a completion) is
folded into the case by ``domain.state.evolve`` and weighed when the coordinator next decides."""

from __future__ import annotations

from shared.service import Reaction

REACTIONS: tuple[Reaction, ...] = ()
