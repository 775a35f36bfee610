"""``sanctuary audit case|verify|export``, ``sanctuary disclosures``, ``sanctuary erase`` and
``sanctuary retention run``: what happened in a case, who saw it, whether its history is intact,
and crypto-shredding by request or by the retention rule.

Every read is first put to the reporting service (cmd.reporting.RecordAuditRead), which records it
and answers from the sharing policy; the tool then shows only what that answer allows.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from nats.aio.client import Client as NATS
from rich.console import Console
from rich.table import Table

import shared.contracts  # noqa: F401  (registers every event type, so any case can be decoded)
from sanctuary.cli_app import app
from sanctuary.cli_errors import EXIT_FAILURE, EXIT_REFUSED, EXIT_USAGE, CliError, problems_line
from sanctuary.cli_nats import connected
from sanctuary.cli_question import ask_yes_no
from services.reporting.audit.export_html import export_html
from services.reporting.audit.reader import disclosures, subject_access_export, verify_cases
from services.reporting.audit.retention import DueCase, find_due_cases, run_retention
from services.reporting.audit.timeline import state_at, timeline, up_to
from shared.audit_verify import DEFAULT_ANCHOR_BOUND, CaseVerification
from shared.bus import send_command
from shared.case_keys import CaseKeyClient
from shared.commands import CommandReply
from shared.contracts.audit import AuditView, CasePersonalDataErased, EraseCase, ErasureBasis, RecordAuditRead
from shared.events import Actor, RecordedEvent, Role
from shared.eventstore import STREAM, EventStore
from shared.settings import Settings, load_settings
from shared.signing import load_verifier

audit_app = typer.Typer(help="Audit a case: its timeline, its integrity, a subject access export.")
retention_app = typer.Typer(
    help="The retention rule: erase cases closed longer ago than the scheme keeps them."
)
app.add_typer(audit_app, name="audit")
app.add_typer(retention_app, name="retention")
console = Console()
T = TypeVar("T")

Agency = Annotated[str, typer.Option("--agency", envvar="SANCTUARY_AGENCY", help="Your organisation.")]
Person = Annotated[str, typer.Option("--person", envvar="SANCTUARY_PERSON", help="Your staff identifier.")]
AsRole = Annotated[Role, typer.Option("--role", envvar="SANCTUARY_ROLE", help="The role you act in.")]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept with the record; no client details).")]


@dataclass
class Clients:
    nc: NATS
    store: EventStore
    settings: Settings


@asynccontextmanager
async def clients() -> AsyncIterator[Clients]:
    """A read-only event store (it signs nothing) whose case keys come from the key custodian, asked
    as the reporting service, after that service has recorded and allowed the read."""
    settings = load_settings()
    async with connected(settings, "sanctuary-audit-cli") as nc:
        # Case keys come from the custodian, which lets the operator read (every audit read is
        # recorded by the reporting service first).
        keys = CaseKeyClient(nc, "operator", watch=False)
        try:
            await keys.start()
            yield Clients(nc, EventStore(nc, keys, owner="reporting"), settings)
        finally:
            await keys.stop()


def _run(coro: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(coro())


def _command_id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


def _fail(reply: CommandReply, code: int = EXIT_USAGE) -> None:
    """The service's refusal as one line, naming the options (its problems never hold values)."""
    raise CliError(f"refused: {problems_line(reply.errors)}", code)


def _read_command(
    case_id: str, agency: str, person: str, role: Role, view: AuditView, reason: str, as_of: datetime | None
) -> RecordAuditRead:
    """Built before connecting, so a bad --reason is refused (by name) before anything is sent."""
    return RecordAuditRead(
        command_id=_command_id("audit-read"),
        case_id=case_id,
        actor=Actor(agency=agency, person=person, role=role),
        view=view,
        as_of=as_of,
        reason=reason,
    )


async def _authorised_read(c: Clients, command: RecordAuditRead) -> bool:
    """Record the read with the reporting service; returns whether personal fields may be shown."""
    reply = await send_command(c.nc, command)
    if not reply.ok:
        _fail(reply, EXIT_REFUSED if reply.event_ids else EXIT_USAGE)
    return bool((reply.data or {}).get("show_personal"))


def _as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("must be an ISO 8601 date or time", param_hint="--as-of") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@audit_app.command("case")
def audit_case(
    case_id: str,
    agency: Agency,
    person: Person,
    role: AsRole,
    reason: Reason,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Show the case as recorded at this time (ISO 8601).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """The case's timeline (who did what, when, what changed) and its state at --as-of."""
    if fmt not in ("table", "json"):
        raise typer.BadParameter("must be table or json", param_hint="--format")
    when = _as_of(as_of)
    read = _read_command(case_id, agency, person, role, AuditView.TIMELINE, reason, when)

    async def go() -> tuple[list[RecordedEvent], bool, bool]:
        async with clients() as c:
            show = await _authorised_read(c, read)
            events = await c.store.load(case_id)
            verifier = load_verifier(c.settings.verify_keys_dir)
            intact = (await verify_cases(c.nc, c.store, verifier, [case_id]))[0].intact
            return events, show, intact

    events, show, intact = _run(go)
    entries = timeline(up_to(events, when), show_personal=show)
    state = state_at(events, when, show_personal=show)
    if fmt == "json":
        body = {
            "case_id": case_id,
            "personal_data_shown": show,
            "history_intact": intact,
            "timeline": [e.as_json() for e in entries],
            "state": state.as_json(),
        }
        print(json.dumps(body, indent=2, ensure_ascii=False))
        return
    if not intact:
        console.print("[red]This case's history does not verify: run `sanctuary audit verify`.[/]")
    table = Table(title=f"Case {case_id}: timeline")
    for header in ("seq", "occurred", "recorded", "agency", "person", "role", "event", "changed"):
        table.add_column(header)
    for e in entries:
        changed = json.dumps(e.changed, ensure_ascii=False)
        table.add_row(
            str(e.seq), e.occurred_at.isoformat(), e.recorded_at.isoformat(), e.agency, e.person, e.role,
            e.event, changed,
        )  # fmt: skip
    console.print(table)
    title = f"State as recorded at {when.isoformat()}" if when else "State now"
    state_table = Table(title=f"{title}: {state.events} events, last {state.last_event}")
    state_table.add_column("record")
    state_table.add_column("fields")
    for name, fields in state.sections.items():
        state_table.add_row(name, json.dumps(fields, ensure_ascii=False))
    console.print(state_table)


@audit_app.command("verify")
def audit_verify(
    case_id: Annotated[str | None, typer.Argument(help="One case; or --all.")] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="Every case in the store.")] = False,
    anchor_bound: Annotated[
        float,
        typer.Option(
            "--anchor-bound",
            min=0,
            help="Minutes an event may wait for its case's signed checkpoint before it fails.",
        ),
    ] = DEFAULT_ANCHOR_BOUND.total_seconds() / 60,
) -> None:
    """Check each case's stored bytes, hash chain, order and signatures, and that its history
    reaches the head its newest signed checkpoint anchors. Exit 0 only when every case is intact."""
    if case_id is None and not all_cases:
        raise CliError("say which case: give a CASE_ID, or --all to check every case", EXIT_USAGE)
    if case_id is not None and all_cases:
        raise CliError("give a CASE_ID or --all, not both", EXIT_USAGE)
    bound = timedelta(minutes=anchor_bound)

    async def go() -> list[CaseVerification]:
        async with clients() as c:
            verifier = load_verifier(c.settings.verify_keys_dir)
            ids = None if all_cases else [case_id or ""]
            return await verify_cases(c.nc, c.store, verifier, ids, bound=bound)

    results = _run(go)
    broken = [r for r in results if not r.intact]
    for result in results:
        if result.events == 0 and result.intact:
            console.print(f"{result.case_id}: [red]no such case[/]")
        elif result.intact:
            note = f"; {result.unanchored} not yet anchored by a checkpoint" if result.unanchored else ""
            console.print(f"{result.case_id}: intact ({result.events} events{note})")
        else:
            console.print(f"{result.case_id}: [red]NOT INTACT[/]")
            for finding in result.findings:
                console.print(f"  {finding}")
    console.print(f"{len(results)} case(s) checked, {len(broken)} not intact.")
    if broken or any(r.events == 0 for r in results):
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    case_id: str,
    agency: Agency,
    person: Person,
    role: AsRole,
    reason: Reason,
    out: Annotated[Path, typer.Option("--out", help="Directory for <case>.json and <case>.html.")] = Path(
        "out"
    ),
) -> None:
    """A subject access export: everything held about the client in this case, as JSON and HTML."""
    read = _read_command(case_id, agency, person, role, AuditView.SUBJECT_ACCESS_EXPORT, reason, None)
    _writable_dir(out)

    async def go() -> list[RecordedEvent]:
        async with clients() as c:
            await _authorised_read(c, read)
            return await c.store.load(case_id)

    export = subject_access_export(case_id, _run(go))
    (out / f"{case_id}.json").write_text(json.dumps(export, indent=2, ensure_ascii=False), encoding="utf-8")
    (out / f"{case_id}.html").write_text(export_html(export), encoding="utf-8")
    console.print(f"Written {out / case_id}.json and .html")


@app.command("disclosures")
def disclosures_cmd(
    case_id: str,
    agency: Agency,
    person: Person,
    role: AsRole,
    reason: Reason,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Every disclosure of the case to another agency, with its lawful basis."""
    read = _read_command(case_id, agency, person, role, AuditView.DISCLOSURES, reason, None)

    async def go() -> list[RecordedEvent]:
        async with clients() as c:
            await _authorised_read(c, read)
            return await c.store.load(case_id)

    lines = disclosures(_run(go))
    if fmt == "json":
        print(json.dumps([d.as_json() for d in lines], indent=2))
        return
    table = Table(title=f"Case {case_id}: disclosures")
    for header in ("when", "to", "basis", "policy", "what"):
        table.add_column(header)
    for d in lines:
        table.add_row(
            d.occurred_at.isoformat(), d.recipient, f"{d.basis_kind}: {d.basis}", d.policy_version,
            ", ".join(d.fields),
        )  # fmt: skip
    console.print(table)


@app.command("erase")
def erase(
    case_id: str,
    reason: Reason,
    agency: Agency,
    person: Person,
    role: AsRole = Role.COORDINATOR,
    basis: Annotated[ErasureBasis, typer.Option("--basis")] = ErasureBasis.DATA_SUBJECT_REQUEST,
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking (scripts).")] = False,
) -> None:
    """Destroy the case's key: every personal field reads as erased, everywhere. Cannot be undone.

    Shows the case, how many events it holds and what stays, and asks first unless --yes."""
    command = EraseCase(
        command_id=_command_id("erase"),
        case_id=case_id,
        actor=Actor(agency=agency, person=person, role=role),
        basis=basis,
        reason=reason,
    )

    async def extent() -> tuple[int, bool]:
        async with clients() as c:
            return await _case_extent(c.nc, case_id)

    async def send() -> CommandReply:
        async with clients() as c:
            return await send_command(c.nc, command)

    events, erased = _run(extent)
    if events == 0:
        raise CliError("no case with that id in the store: check CASE_ID", EXIT_FAILURE)
    console.print(
        f"Case {case_id}: {events} events"
        + (" (its personal data is already erased)." if erased else ".")
        + "\nErasing destroys the case's key: every personal field (names, addresses, telephone"
        " numbers, dates of birth) becomes unreadable, in every view and copy, for good."
        "\nWhat stays: the events themselves, who did what and when, the case's history chain and"
        " signatures, and the counts in the reports."
    )
    # Asked outside the event loop: inside it, the loop's handler would take the first Ctrl-C as a
    # cancellation the question never sees, and the question would go on waiting.
    if not yes and not _confirmed(f"Erase the personal data of case {case_id}?"):
        raise CliError("not confirmed: nothing erased", EXIT_FAILURE)
    reply = _run(send)
    if not reply.ok:
        _fail(reply, EXIT_REFUSED if reply.event_ids else EXIT_USAGE)
    console.print(f"{case_id}: personal data erased" + (" (already erased)" if reply.duplicate else ""))


@retention_app.command("run")
def retention_run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The date to judge by (default today; not in the future).")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Erase them. Without it, only list what would be erased.")
    ] = False,
) -> None:
    """List every case closed longer ago than the scheme's retention period; --apply erases them."""
    from shared.scheme import load_scheme

    today = datetime.now(UTC).date()
    try:
        day = date.fromisoformat(as_of) if as_of else today
    except ValueError:
        raise typer.BadParameter("must be a date, YYYY-MM-DD", param_hint="--as-of") from None
    if day > today:
        raise CliError("--as-of: must not be in the future (judge by today or an earlier day)", EXIT_USAGE)

    async def preview() -> list[DueCase]:
        async with clients() as c:
            years = load_scheme(c.settings.scheme_config).retention.years_after_closure
            return await find_due_cases(c.nc, years, day)

    if not apply:
        due = _run(preview)
        for case in due:
            console.print(f"{case.case_id}: closed {case.closed_at.date().isoformat()}: would be erased")
        console.print(
            f"{len(due)} case(s) due for erasure on {day.isoformat()}. Nothing erased: "
            "run again with --apply to erase them."
        )
        return

    async def go() -> list[Any]:
        async with clients() as c:
            years = load_scheme(c.settings.scheme_config).retention.years_after_closure
            return await run_retention(c.nc, lambda cmd: send_command(c.nc, cmd), years, day)

    done = _run(go)
    for due, reply in done:
        state = "erased" if reply.ok else "; ".join(str(p) for p in reply.errors)
        console.print(f"{due.case_id}: closed {due.closed_at.date().isoformat()}: {state}")
    console.print(f"{len(done)} case(s) due for erasure on {day.isoformat()}.")
    if any(not reply.ok for _, reply in done):
        raise typer.Exit(1)


async def _case_extent(nc: NATS, case_id: str) -> tuple[int, bool]:
    """How many events the case holds, and whether its personal data is already erased."""
    info = await nc.jetstream().stream_info(STREAM, subjects_filter=f"case.{case_id}.>")
    subjects = info.state.subjects or {}
    erased = any(s.endswith(f".{CasePersonalDataErased.type_name()}") for s in subjects)
    return sum(subjects.values()), erased


def _confirmed(question: str) -> bool:
    answer = ask_yes_no(question)
    if answer is None:  # no answer (stdin closed): a script must say --yes
        raise CliError(
            "no answer to the question: nothing erased (add --yes to erase without asking)", EXIT_USAGE
        )
    return answer


def _writable_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(
            f"--out: cannot make the directory ({exc.strerror}): choose another", EXIT_USAGE
        ) from None
