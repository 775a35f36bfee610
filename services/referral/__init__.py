"""The referral and coordination service: the referral form, consent, eligibility, the coordinator's
triage and decisions, follow-up and closure."""
