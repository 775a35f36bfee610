"""Audit and erasure inside the reporting service: who did what and when, who saw it, whether the
history is intact, and crypto-shredding of a case's personal data (by request or by retention).

Wired into the reporting app by ``wiring.audit_parts``.
"""
