"""The quarterly monitoring report: computed from the read models, anonymised for funders, rendered."""
