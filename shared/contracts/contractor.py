"""Published contract of the contractor side: its events and commands (filled in by the contractor work)."""
