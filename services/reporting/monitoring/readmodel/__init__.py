"""SQL read models of the reporting service: projections of the CASES stream, no personal data."""
