"""Published contract of the assessment side: its events and commands (filled in by the assessment work)."""
