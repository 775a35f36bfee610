"""Entry point of the ``sanctuary`` command. Each command module registers itself on import."""

# Every registration line below says noqa F401, though ruff flags only the last one as unused.
# ruff: noqa: RUF100

from __future__ import annotations

import logging
import sys

from sanctuary import devstate
from sanctuary.cli_app import Options, app
from sanctuary.cli_errors import report_failure
from shared.logging import configure_logging


def main() -> None:
    # The tool speaks through its own one-line messages: library logging (scrubbed, as
    # everywhere) only from warnings up, and asyncio's complaints about tasks cut short by
    # Ctrl-C or a closed connection only with --debug.
    configure_logging(json=False, level="WARNING")
    if "--debug" not in sys.argv[1:]:
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    # Development only: the NATS URL and key `sanctuary run` left in .sanctuary/, unless set.
    devstate.loaded.update(devstate.load_dev_environment())
    # Command modules (one import line each; they attach commands to ``app``).
    import sanctuary.cli_audit  # noqa: F401
    import sanctuary.cli_backup  # noqa: F401
    import sanctuary.cli_demo  # noqa: F401
    import sanctuary.cli_invoice  # noqa: F401
    import sanctuary.cli_kek  # noqa: F401
    import sanctuary.cli_report  # noqa: F401
    import sanctuary.cli_run  # noqa: F401
    import sanctuary.cli_schemas  # noqa: F401
    import sanctuary.cli_status  # noqa: F401

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
