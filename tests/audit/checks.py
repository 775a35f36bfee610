"""Assertions that fail without echoing the values compared (they may be personal, even if synthetic)."""

from __future__ import annotations

import pytest


def check(condition: bool, what: str) -> None:
    if not condition:
        pytest.fail(what, pytrace=False)
