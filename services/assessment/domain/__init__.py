"""The assessment service's pure domain: CPO work item, DASH, fire flag and fire safety check."""
