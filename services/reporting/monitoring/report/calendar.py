"""The scheme's working days for the report, built once per process and region.

``holidays.country_holidays`` imports every country's module before it picks one (about half a
second, most of a small report's time); the region's country module is loaded alone instead.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays
from holidays import registry

from shared.scheme import SchemeConfig
from shared.workdays import WorkingDays


def _country_class(country: str) -> Any:
    """The ``holidays`` class for a country code, from its own module (None: not a country code)."""
    for module, (class_name, *codes) in registry.COUNTRIES.items():
        if country not in codes:
            continue
        name = f"holidays.countries.{module}"
        if name not in sys.modules:
            path = Path(holidays.__file__).parent / "countries" / f"{module}.py"
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                return None
            loaded = importlib.util.module_from_spec(spec)
            sys.modules[name] = loaded
            spec.loader.exec_module(loaded)
        return getattr(sys.modules[name], class_name, None)
    return None


@lru_cache(maxsize=8)
def _working_days(country: str, subdivision: str | None) -> WorkingDays:
    calendar = _country_class(country)
    if calendar is None:  # whatever the package makes of it (its own error for an unknown code)
        return WorkingDays(country, subdivision)
    return WorkingDays.of(calendar(subdiv=subdivision))


def working_days(scheme: SchemeConfig) -> WorkingDays:
    return _working_days(scheme.region.country, scheme.region.subdivision)
