"""Entry point of the ``sanctuary`` command. Each command module registers itself on import."""

from __future__ import annotations

from sanctuary.cli_app import app


def main() -> None:
    # Command modules (one import line each; they attach commands to ``app``).
    app()


if __name__ == "__main__":
    main()
