"""Published contract of the referral side: its events and commands (filled in by the referral work)."""
