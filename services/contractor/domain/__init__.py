"""The contractor's pure domain: works state, rules, decide and evolve. No I/O."""
