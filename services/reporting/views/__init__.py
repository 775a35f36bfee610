"""Per-agency case views: the information-sharing agreement applied to every case, published on
``view.<recipient>.<case_id>`` in the VIEWS stream, with every disclosure recorded on the case.

The reporting app picks up ``REGISTRATIONS`` (built into the app) and ``ON_STARTUP`` (run at start).
"""

from services.reporting.views.wiring import views_parts

_extra, _startup = views_parts()
REGISTRATIONS = [_extra]
ON_STARTUP = [_startup]
