"""The national bench's synthetic history: template cases decided by the real deciders (with the
services' reactions as they happen), then copied under new case ids straight through the event
store, many cases in flight."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from nats.aio.client import Client as NATS

from sanctuary.demo.driver import FEMALE_INSTALLER, MALE_INSTALLER
from sanctuary.demo.generator import financial_year_start, generate
from services.assessment.app import rules_for as assessment_rules
from services.assessment.domain.decide import assessment_decider
from services.assessment.reactions import REACTIONS as ASSESSMENT_REACTIONS
from services.contractor.configuration import rules_for as contractor_rules
from services.contractor.domain.decide import contractor_decider
from services.contractor.reactions import WORKS_ORDERS
from services.referral.app import rules_for as referral_rules
from services.referral.domain.decide import referral_decider
from shared.catalogue import load_catalogue
from shared.codec import CasePosition
from shared.commands import Command
from shared.contracts.contractor import AllocateInstaller, InstallerGender, InstallerRecord
from shared.crypto import KeyStore
from shared.errors import CommandRejected
from shared.events import Actor, NewEvent, RecordedEvent
from shared.eventstore import EventStore
from shared.handler import CaseHandler, Outcome
from shared.scheme import load_scheme
from shared.settings import Settings

REACTIONS = (*ASSESSMENT_REACTIONS, WORKS_ORDERS)


@dataclass(frozen=True)
class Decision:
    """One append of a template case: its owner, who decided, and the events (payload and time)."""

    owner: str
    actor: Actor
    events: tuple[NewEvent, ...]


@dataclass
class Writer:
    nc: NATS
    keys: KeyStore
    stores: dict[str, EventStore] = field(default_factory=dict)


# -- the template cases: real deciders, reactions as they happen -----------------------------------


async def template_cases(writer: Writer, settings: Settings, count: int) -> list[list[Decision]]:
    """``count`` demo storylines decided in this process, as each case's decisions in order."""
    scheme, catalogue = load_scheme(settings.scheme_config), load_catalogue(settings.catalogue_path)
    start = financial_year_start(date.today()) - timedelta(days=365)
    handlers: dict[str, CaseHandler[Any, Any]] = {
        "referral": CaseHandler(writer.stores["referral"], referral_decider(referral_rules(settings))),
        "assessment": CaseHandler(
            writer.stores["assessment"], assessment_decider(assessment_rules(settings))
        ),
        "contractor": CaseHandler(
            writer.stores["contractor"], contractor_decider(contractor_rules(settings))
        ),
    }
    installers = {
        FEMALE_INSTALLER: InstallerRecord(
            installer_id=FEMALE_INSTALLER,
            initials="FD",
            gender=InstallerGender.FEMALE,
            enhanced_dbs_checked_on=start - timedelta(days=120),
        ),
        MALE_INSTALLER: InstallerRecord(
            installer_id=MALE_INSTALLER,
            initials="MD",
            gender=InstallerGender.MALE,
            enhanced_dbs_checked_on=start - timedelta(days=120),
        ),
    }

    async def handle(command: Command) -> Outcome:
        if isinstance(command, AllocateInstaller):
            command = command.model_copy(update={"installer": installers[command.installer_id]})
        outcome = await handlers[command.service].handle(command)
        for event in outcome.events:
            await react(event)
        return outcome

    async def react(event: RecordedEvent) -> None:
        for reaction in REACTIONS:
            if any(fnmatch.fnmatchcase(event.subject, s.replace(">", "*")) for s in reaction.subjects):
                for command in reaction.react(event):
                    if command.occurred_at is None:
                        command = command.model_copy(update={"occurred_at": event.occurred_at})
                    with contextlib.suppress(CommandRejected):  # a refused reaction is an answer
                        await handle(command)

    stories = generate(14, count, start, scheme, catalogue, case_prefix=f"TPL{os.urandom(2).hex()}")
    for story in stories:
        remembered: dict[str, str] = {}
        for step in story.steps:
            updates = {name: remembered[getattr(step.command, name)] for name in step.bind}
            command = step.command.model_copy(update=updates) if updates else step.command
            try:
                outcome = await handle(command)
            except CommandRejected:
                break  # a refused step ends the storyline, as in the demo
            if step.remember and outcome.event_ids:
                remembered[step.remember] = outcome.event_ids[0]
    return [await decisions_of(writer, story.case_id) for story in stories]


async def decisions_of(writer: Writer, case_id: str) -> list[Decision]:
    """A stored case as its appends: consecutive events with one cause were one decision."""
    events = await writer.stores["referral"].load(case_id)
    out: list[Decision] = []
    for i, event in enumerate(events):
        item = NewEvent(payload=event.payload, occurred_at=event.occurred_at)
        if i and event.causation_id == events[i - 1].causation_id:
            last = out[-1]
            out[-1] = Decision(last.owner, last.actor, (*last.events, item))
        else:
            out.append(Decision(event.payload.owner, event.actor, (item,)))
    return out


IN_FLIGHT = 64  # cases written at once


async def copy_cases(writer: Writer, templates: list[list[Decision]], first: int, last: int) -> float:
    """Cases numbered ``first``..``last - 1``, each a copy of a template; events written per second.
    IN_FLIGHT cases are written at once: one case's appends go one after another (each expects the
    sequence the last was given), so the cases in flight are what keeps the server busy."""
    numbers = iter(range(first, last))  # shared by the lanes: each case is taken once
    events = 0

    async def one(n: int) -> None:
        nonlocal events
        case_id = f"NAT-{n:06d}"
        position = CasePosition()
        for d, decision in enumerate(templates[n % len(templates)]):
            recorded = await writer.stores[decision.owner].append(
                case_id,
                list(decision.events),
                expected=position,
                actor=decision.actor,
                command_id=f"{case_id}:{d:03d}",
            )
            position = CasePosition(recorded[-1].seq, recorded[-1].hash)
            events += len(recorded)

    async def lane() -> None:
        for n in numbers:
            await one(n)

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(IN_FLIGHT)))
    return events / (time.perf_counter() - started)


# -- reading it back ---------------------------------------------------------------------------------
