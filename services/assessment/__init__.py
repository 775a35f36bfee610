"""The assessment service."""
