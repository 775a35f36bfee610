"""Drives the storylines through the real services over the real bus, in simulated-time order.

Each command carries its storyline's command id (case id and step number), so running the same seed
again is a no-op. A command that follows another service's reaction (the CPO work item opened when
the referral is accepted; the works order that follows approval) is retried for a few seconds while
the reaction lands. A refusal stops that storyline and is reported by field and problem only.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from nats.aio.client import Client as NATS
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from sanctuary.demo.steps import FEMALE_INSTALLER, MALE_INSTALLER
from sanctuary.demo.storyline import CONTRACTOR_OFFICE, Step, Storyline
from shared.bus import send_command
from shared.commands import CommandReply
from shared.contracts.contractor import InstallerGender, InstallerRecord, RegisterInstaller
from shared.errors import Problem

REACTION_WAIT_S = 30.0
RETRY_EVERY_S = 0.05


@dataclass(frozen=True)
class Refusal:
    case_id: str
    command: str
    problems: tuple[Problem, ...]

    def __str__(self) -> str:
        found = "; ".join(f"{p.field}: {p.problem}" for p in self.problems)
        return f"{self.case_id} {self.command}: {found}"


@dataclass
class DriveResult:
    sent: int = 0
    duplicates: int = 0
    longest_wait_s: float = 0.0
    refusals: list[Refusal] = field(default_factory=list)
    stopped_cases: set[str] = field(default_factory=set)


def in_time_order(stories: Sequence[Storyline]) -> list[tuple[Storyline, Step]]:
    """Every step of every storyline, in simulated time (ties: case order, then step order)."""
    flat = [(story, i, step) for story in stories for i, step in enumerate(story.steps)]
    flat.sort(key=lambda x: (x[2].at, x[0].number, x[1]))
    return [(story, step) for story, _, step in flat]


async def register_installers(nc: NATS, year_start: date) -> None:
    """The contractor's two installers, with enhanced DBS checks done before the year began."""
    checked = year_start - timedelta(days=120)
    for installer_id, gender in (
        (FEMALE_INSTALLER, InstallerGender.FEMALE),
        (MALE_INSTALLER, InstallerGender.MALE),
    ):
        command = RegisterInstaller(
            command_id=f"demo-register-{installer_id}",
            actor=CONTRACTOR_OFFICE,
            installer=InstallerRecord(
                installer_id=installer_id,
                initials=installer_id[-3:-2].upper() + "D",
                gender=gender,
                enhanced_dbs_checked_on=checked,
            ),
        )
        raw = await nc.request(RegisterInstaller.subject(), command.model_dump_json().encode(), timeout=10)
        reply = CommandReply.model_validate_json(raw.data)
        if not reply.ok:
            raise RuntimeError("installer registration refused: " + "; ".join(str(p) for p in reply.errors))


async def drive(
    nc: NATS,
    stories: Sequence[Storyline],
    year_start: date,
    on_step: Callable[[int, int], None] = lambda done, total: None,
) -> DriveResult:
    await register_installers(nc, year_start)
    result = DriveResult()
    remembered: dict[tuple[str, str], str] = {}
    steps = in_time_order(stories)
    for done, (story, step) in enumerate(steps, start=1):
        if story.case_id not in result.stopped_cases:
            await _send(nc, story, step, remembered, result)
        on_step(done, len(steps))
    return result


async def _send(
    nc: NATS, story: Storyline, step: Step, remembered: dict[tuple[str, str], str], result: DriveResult
) -> None:
    updates: dict[str, Any] = {}
    for name in step.bind:
        updates[name] = remembered[(story.case_id, getattr(step.command, name))]
    command = step.command.model_copy(update=updates) if updates else step.command
    reply = await _request(nc, command)
    waited = 0.0
    while _waiting_for_reaction(step, reply) and waited < REACTION_WAIT_S:
        await asyncio.sleep(RETRY_EVERY_S)
        waited += RETRY_EVERY_S
        reply = await _request(nc, command)
    result.sent += 1
    result.longest_wait_s = max(result.longest_wait_s, waited)
    if not reply.ok:
        result.refusals.append(Refusal(story.case_id, command.name(), tuple(reply.errors)))
        result.stopped_cases.add(story.case_id)
        return
    result.duplicates += int(reply.duplicate)
    if step.remember and reply.event_ids:
        remembered[(story.case_id, step.remember)] = reply.event_ids[0]


def _waiting_for_reaction(step: Step, reply: CommandReply) -> bool:
    # A missing prerequisite is refused on the case ("no works order has been received for this
    # case"); anything else (a bad field, no service answering) will not change by waiting.
    return step.after_reaction and not reply.ok and all(p.field == "case_id" for p in reply.errors)


async def _request(nc: NATS, command: Any) -> CommandReply:
    try:
        return await send_command(nc, command, timeout=10.0)
    except NatsTimeout:
        problem = Problem(field="(command)", problem="no reply within 10 s")
    except NoRespondersError:
        problem = Problem(field="(command)", problem=f"no {command.service} service is answering")
    return CommandReply(ok=False, errors=[problem])


def summary_rows(stories: Sequence[Storyline]) -> dict[str, int]:
    """How many storylines took each path (for the terminal summary)."""
    counts: dict[str, int] = {}
    for story in stories:
        counts[story.path.value] = counts.get(story.path.value, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def as_json(result: DriveResult) -> str:
    return json.dumps(
        {"sent": result.sent, "duplicates": result.duplicates, "refusals": [str(r) for r in result.refusals]},
        indent=2,
    )
