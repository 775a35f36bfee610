"""The table the command benchmark (bench/commands.py) prints: each figure beside its floor."""

from __future__ import annotations

import os
from typing import Any

from command_floor import SUBMIT_EVENTS  # beside this script

SERVER = "nats-server"  # the key of the server's own CPU among the processes' (bench/commands.py)


def report(r: dict[str, Any]) -> None:
    """One table: each figure, ours, the raw nats-py floor measured in the same run, the ratio, the
    issue's target."""
    clients, where = r["clients"], r["where"]
    f50, frate, b50, brate = (
        r["floor_p50_ms"],
        r["floor_per_s"],
        r["batch_floor_p50_ms"],
        r["batch_floor_per_s"],
    )
    rows: list[tuple[str, str, str, str, str]] = []

    def row(figure: str, ours: float, floor: float, unit: str, target: str) -> None:
        fmt = "{:,.0f}" if unit == "/s" else "{:.2f}"
        rows.append(
            (
                figure,
                fmt.format(ours) + f" {unit}",
                fmt.format(floor) + f" {unit}",
                f"{ours / floor:.2f}x",
                target,
            )
        )

    row("SubmitReferral p50, one client", r["submit_p50_ms"], f50, "ms", "<= 4x floor")
    row("  the same, against a raw atomic batch of 6", r["submit_p50_ms"], b50, "ms", "")
    row("SubmitReferral p99, one client", r["submit_p99_ms"], r["floor_p99_ms"], "ms", "")
    row("AcceptReferral p50, one client", r["accept_p50_ms"], f50, "ms", "<= 3x floor")
    row("AcceptReferral p99, one client", r["accept_p99_ms"], r["floor_p99_ms"], "ms", "")
    row(
        f"SubmitReferral, {clients} clients, referral alone",
        r["submit_alone_per_s"],
        frate,
        "/s",
        ">= 1,000/s",
    )
    row("  the same, against a raw atomic batch of 6", r["submit_alone_per_s"], brate, "/s", "")
    row(f"AcceptReferral, {clients} clients, referral alone", r["accept_alone_per_s"], frate, "/s", "")
    if "submit_all_four_per_s" in r:
        row(
            f"SubmitReferral, {clients} clients, all four",
            r["submit_all_four_per_s"],
            frate,
            "/s",
            ">= 500/s",
        )
        row("  the same, against a raw atomic batch of 6", r["submit_all_four_per_s"], brate, "/s", "")
    s50, srate = r["faststream_floor_p50_ms"], r["faststream_floor_per_s"]
    row("FastStream floor p50, one client (one publish)", s50, f50, "ms", "")
    row(f"FastStream floor, {clients} clients", srate, frate, "/s", "")
    row("FastStream floor CPU per request", r["faststream_floor_cpu_ms"], r["floor_cpu_ms"], "ms", "")
    row("AcceptReferral p50 against the FastStream floor", r["accept_p50_ms"], s50, "ms", "")
    row("AcceptReferral rate against the FastStream floor", r["accept_alone_per_s"], srate, "/s", "")
    fcpu = r["floor_cpu_ms"]
    row("CPU per command, referral alone, under load", r["referral_cpu_ms_alone"], fcpu, "ms", "printed")
    row(
        "CPU per command, referral alone, one at a time",
        r["referral_cpu_ms_sequential"],
        fcpu,
        "ms",
        "printed",
    )
    # The server's CPU, against the server's for the raw atomic batch of the same events.
    bcpu = r["batch_floor_server_cpu_ms"]
    row("nats-server CPU per request, one publish (floor)", r["floor_server_cpu_ms"], fcpu, "ms", "")
    row("nats-server CPU per SubmitReferral, referral alone", r["server_cpu_ms_alone"], bcpu, "ms", "")
    for key, value in r.items():
        if key.startswith("cpu_ms_per_command_"):
            name = key.removeprefix("cpu_ms_per_command_")
            floor = bcpu if name == SERVER else fcpu
            row(f"CPU per SubmitReferral, all four: {name}", value, floor, "ms", "printed")
    headings = ("figure", "ours", "floor", "ratio", "target")
    widths = [max(len(x[i]) for x in (headings, *rows)) for i in range(5)]
    print(f"\n{where}; floor: a raw nats-py responder doing one JetStream publish per request")
    print(f"(batch floor: the same doing the atomic batch of {SUBMIT_EVENTS} a submission writes)")
    for line in (headings, tuple("-" * w for w in widths), *rows):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    machine = sum(v for k, v in r.items() if k.startswith("cpu_ms_per_command_"))
    if machine:
        cores = os.cpu_count() or 1
        print(
            f"all four: {machine:.2f} ms of CPU per SubmitReferral in every process together (the "
            f"server's included, the catch-up after the load too), so a steady load cannot be served "
            f"faster than {cores * 1000 / machine:,.0f}/s on this machine's {cores} cores (a burst "
            f"can, leaving work behind); the raw atomic batch alone costs the server {bcpu:.2f} ms"
        )
    if r.get("lag_left"):
        print(
            f"reactions and projections NOT back to lag 0 within {r['catch_up_s']:.0f} s after the load "
            f"stopped: {r['lag_left']:,} events still behind (target: lag 0 within 5 s)"
        )
    elif "catch_up_s" in r:
        print(
            f"reactions and projections back to lag 0 {r['catch_up_s']:.2f} s after the load stopped "
            "(target 5 s)"
        )
    if "stream_moved_s" in r:
        print(
            f"  CASES last seen growing {r['stream_moved_s']:.2f} s after the load stopped "
            "(the disclosures the views record as they catch up)"
        )
    readers = sorted(r.get("catch_up_by_reader", {}).items(), key=lambda kv: -kv[1]["last_behind_s"])
    for reader, seen in readers:
        print(
            f"  {reader}: {seen['behind']:,} events behind when the load stopped, "
            f"last seen behind {seen['last_behind_s']:.2f} s after"
        )
