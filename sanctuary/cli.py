"""Entry point of the ``sanctuary`` command. Each command module registers itself on import."""

from __future__ import annotations

import importlib
import logging
import sys

from sanctuary import devstate
from sanctuary.cli_app import Options, app
from sanctuary.cli_errors import report_failure
from shared.logging import configure_logging

# The module that attaches each command to ``app`` (on import). A command loads only its own module:
# loading them all costs seconds (the demo's and the report's statistics libraries among them), on
# every start of every command.
COMMAND_MODULES: dict[str, str] = {
    "audit": "sanctuary.cli_audit",
    "disclosures": "sanctuary.cli_audit",
    "erase": "sanctuary.cli_audit",
    "retention": "sanctuary.cli_audit",
    "backup": "sanctuary.cli_backup",
    "demo": "sanctuary.cli_demo",
    "invoice": "sanctuary.cli_invoice",
    "kek": "sanctuary.cli_kek",
    "report": "sanctuary.cli_report",
    "rebuild": "sanctuary.cli_report",
    "run": "sanctuary.cli_run",
    "provision": "sanctuary.cli_run",
    "schemas": "sanctuary.cli_schemas",
    "nats-users": "sanctuary.cli_schemas",
    "status": "sanctuary.cli_status",
}


def command_modules(args: list[str]) -> list[str]:
    """The modules to load for these arguments: the named command's own, or (for the help, or a
    name not known here) all of them, so that the help lists every command and a mistyped name is
    answered as before. The tool's own options are flags, so the first other argument is the name."""
    name = next((arg for arg in args if not arg.startswith("-")), None)
    known = COMMAND_MODULES.get(name) if name is not None else None
    return [known] if known is not None else sorted(set(COMMAND_MODULES.values()))


def main() -> None:
    # The tool speaks through its own one-line messages: library logging (scrubbed, as
    # everywhere) only from warnings up, and asyncio's complaints about tasks cut short by
    # Ctrl-C or a closed connection only with --debug.
    configure_logging(json=False, level="WARNING")
    if "--debug" not in sys.argv[1:]:
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    # Development only: the NATS URL and key `sanctuary run` left in .sanctuary/, unless set.
    devstate.loaded.update(devstate.load_dev_environment())
    for module in command_modules(sys.argv[1:]):
        importlib.import_module(module)
    try:
        # Not standalone: every failure, click's usage errors included, is shown here as one line.
        code = app(standalone_mode=False)
    except (Exception, KeyboardInterrupt) as exc:
        debug = Options.debug or "--debug" in sys.argv[1:]
        if isinstance(exc, KeyboardInterrupt):
            print("sanctuary: interrupted", file=sys.stderr)
            sys.exit(130)
        sys.exit(report_failure(exc, debug))
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
