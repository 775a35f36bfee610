"""The contractor service."""
