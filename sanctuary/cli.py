"""Entry point of the ``sanctuary`` command. Each command module registers itself on import."""

# Every registration line below says noqa F401, though ruff flags only the last one as unused.
# ruff: noqa: RUF100

from __future__ import annotations

from sanctuary.cli_app import app


def main() -> None:
    # Command modules (one import line each; they attach commands to ``app``).
    import sanctuary.cli_audit  # noqa: F401
    import sanctuary.cli_backup  # noqa: F401
    import sanctuary.cli_demo  # noqa: F401
    import sanctuary.cli_invoice  # noqa: F401
    import sanctuary.cli_report  # noqa: F401
    import sanctuary.cli_run  # noqa: F401
    import sanctuary.cli_schemas  # noqa: F401

    app()


if __name__ == "__main__":
    main()
