"""The scheme configuration files and working days."""

from __future__ import annotations

from datetime import date

import pytest

from shared.scheme import CONFIG_DIR, SchemeError, load_scheme, parse_scheme
from shared.workdays import WorkingDays


@pytest.mark.parametrize("name", ["standing-together", "south-essex", "tower-hamlets"])
def test_each_shipped_scheme_loads(name: str) -> None:
    scheme = load_scheme(CONFIG_DIR / f"{name}.yaml")
    assert scheme.eligibility and scheme.decline_reasons and scheme.signposting
    assert {s.kind for s in scheme.signposting} == {"refuge", "housing options", "specialist services"}
    assert scheme.timescales.referral_to_cpo_working_days == 1
    assert scheme.reporting.suppression_threshold == 5 and scheme.retention.years_after_closure == 6


def test_south_essex_contacts_at_3_6_and_12_months() -> None:
    assert load_scheme(CONFIG_DIR / "south-essex.yaml").timescales.follow_up_contact_months == [3, 6, 12]


def test_a_bad_scheme_names_the_key() -> None:
    data = {
        "name": "Test",
        "version": "1",
        "eligibility": [
            {"id": "adult", "description": "18+", "fact": "shoe_size", "op": "at_least", "minimum": 18}
        ],
        "decline_reasons": ["Other"],
        "signposting": [{"kind": "refuge", "name": "Test Refuge"}],
        "cancellation_reasons": ["Other"],
        "in_scope_catalogue_scopes": ["standard"],
    }
    with pytest.raises(SchemeError, match=r"eligibility\.0\.fact"):
        parse_scheme(data)
    data["eligibility"] = [
        {"id": "adult", "description": "18+", "fact": "age_years", "op": "in", "minimum": 18}
    ]
    with pytest.raises(SchemeError, match="takes values"):
        parse_scheme(data)


def test_working_days_skip_weekends_and_english_bank_holidays() -> None:
    days = WorkingDays("GB", "ENG")
    christmas_eve = date(2025, 12, 24)  # a Wednesday; 25 and 26 December are bank holidays
    assert days.add(christmas_eve, 2) == date(2025, 12, 30)
    assert days.between(christmas_eve, date(2025, 12, 30)) == 2
    assert not days.is_working_day(date(2025, 8, 25))  # summer bank holiday
    assert days.add(date(2025, 6, 7), 0) == date(2025, 6, 9)  # a Saturday rolls to Monday
