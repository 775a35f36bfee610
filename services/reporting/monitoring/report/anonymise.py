"""The audience decides what a report shows: exact figures and case references for the coordinator;
counts, averages and ranges with small numbers suppressed for funders."""

from __future__ import annotations

from services.reporting.monitoring.report.model import Audience, Report
from services.reporting.monitoring.report.suppression import anonymise


def apply_audience(report: Report, threshold: int) -> Report:
    if report.audience is Audience.COORDINATOR:
        return report
    return anonymise(report, threshold)
