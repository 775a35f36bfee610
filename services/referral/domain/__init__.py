"""Pure domain logic of the referral and coordination service: state, rules, decide and evolve."""
