"""A command loads only the module that registers it (loading every module costs seconds on each
start); the help and a name the tool does not know still load them all."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command_name

from sanctuary.cli import COMMAND_MODULES, command_modules
from sanctuary.cli_app import app

EVERY = sorted(set(COMMAND_MODULES.values()))


def registered() -> dict[str, str]:
    """Every command and group on ``app``, with the module that registered it."""
    for module in EVERY:
        importlib.import_module(module)
    found: dict[str, str] = {}
    for command in app.registered_commands:
        assert command.callback is not None
        found[command.name or get_command_name(command.callback.__name__)] = command.callback.__module__
    for group in app.registered_groups:
        assert group.name is not None and group.typer_instance is not None
        [module] = {c.callback.__module__ for c in group.typer_instance.registered_commands if c.callback}
        found[group.name] = module
    return found


def test_every_command_is_found_in_the_module_that_registers_it() -> None:
    assert registered() == COMMAND_MODULES


@pytest.mark.parametrize(
    ("args", "modules"),
    [
        (["audit", "case", "C-1"], ["sanctuary.cli_audit"]),
        (["--debug", "erase", "C-1"], ["sanctuary.cli_audit"]),
        (["kek", "rotate", "--help"], ["sanctuary.cli_kek"]),
        (["nats-users", "--out", "x"], ["sanctuary.cli_schemas"]),
        ([], EVERY),
        (["--help"], EVERY),
        (["--debug", "--version"], EVERY),
        (["no-such-command"], EVERY),
    ],
)
def test_the_modules_loaded_for_a_command_line(args: list[str], modules: list[str]) -> None:
    assert command_modules(args) == modules


def test_an_audit_command_does_not_load_the_demo_or_its_statistics(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from sanctuary.cli import main\n"
        "sys.argv = ['sanctuary', 'audit', 'case', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code\n"
        "watched = ('sanctuary.cli_audit', 'sanctuary.cli_demo', 'scipy')\n"
        "print(sorted(m for m in watched if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "['sanctuary.cli_audit']"
