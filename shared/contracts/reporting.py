"""Published contract of the reporting side: its events and commands (filled in by the reporting work)."""
