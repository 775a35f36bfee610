"""Per-agency case views: the information-sharing agreement applied to every case, published on
``view.<recipient>.<case_id>`` in the VIEWS stream, with every disclosure recorded on the case.

Wired into the reporting app by ``wiring.Views``.
"""
