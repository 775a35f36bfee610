"""Published contract of the audit side: its events and commands (filled in by the audit work)."""
