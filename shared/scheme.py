"""A scheme's configuration, loaded from YAML (config/schemes/*.yaml): its region, eligibility rules,
decline and cancellation reasons, signposting, what needs funder approval, timescales, DASH
thresholds, reporting settings and retention. Eligibility is data: each rule tests one named fact
of the referral (``Fact``) with one operator, so a scheme changes its rules without a code change.
"""

from __future__ import annotations

import enum
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.config_file import ConfigFileError, load_config, parse_config
from shared.workdays import WorkingDays

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config" / "schemes"


def _config() -> ConfigDict:
    return ConfigDict(frozen=True, extra="forbid")


class Fact(enum.StrEnum):
    """Facts of a referral that eligibility rules may test (computed by the referral service).

    Yes/No facts read "Yes", "No" or "Unknown"; ``landlord_contact_consent`` reads "Not applicable"
    when the tenure has no landlord."""

    AGE_YEARS = "age_years"
    TENURE = "tenure"
    COUNCIL_AREA = "council_area"
    POLICE_INVOLVEMENT = "police_involvement"
    CRIME_REFERENCE_NUMBER_GIVEN = "crime_reference_number_given"
    PERPETRATOR_LIVES_AT_PROPERTY = "perpetrator_lives_at_property"
    WISHES_TO_REMAIN = "wishes_to_remain"
    RESIDENT_IN_BOROUGH = "resident_in_borough"
    ACCOMMODATION_PERMANENCE = "accommodation_permanence"
    IN_DIRECT_CONTACT_WITH_PERPETRATOR = "in_direct_contact_with_perpetrator"
    LANDLORD_CONTACT_CONSENT = "landlord_contact_consent"


class EligibilityRule(BaseModel):
    """``fact`` must be one of ``values`` (op "in"), none of them ("not_in"), or at least ``minimum``."""

    model_config = _config()

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = Field(min_length=1)
    fact: Fact
    op: Literal["in", "not_in", "at_least"]
    values: list[str] = Field(default_factory=list)
    minimum: int | None = None

    @model_validator(mode="after")
    def _operands(self) -> EligibilityRule:
        if self.op == "at_least" and (self.minimum is None or self.values):
            raise ValueError(f"rule {self.id}: at_least takes a minimum and no values")
        if self.op != "at_least" and (not self.values or self.minimum is not None):
            raise ValueError(f"rule {self.id}: {self.op} takes values and no minimum")
        return self


class Region(BaseModel):
    model_config = _config()

    country: str = "GB"
    subdivision: str | None = "ENG"


class SignpostEntry(BaseModel):
    model_config = _config()

    kind: Literal["refuge", "housing options", "specialist services"]
    name: str = Field(min_length=1)
    contact: str | None = None


class CompletionClock(enum.StrEnum):
    """Where a scheme's clock for finishing the works starts."""

    # South Essex (seed 002): works "completed within seven days" of receiving the works order.
    WORKS_ORDER = "works order"
    # Tower Hamlets (seed 004): "completed within 2-5 working days, from the date the contact was made".
    FIRST_CONTACT = "first contact"


class Calendar(Protocol):
    """Working days (shared.workdays.WorkingDays)."""

    def add(self, start: date, days: int) -> date: ...


class Timescales(BaseModel):
    model_config = _config()

    referral_to_cpo_working_days: int = 1
    assessment_working_days: int = 5
    works_start_working_days: int = 2
    works_complete_working_days: int = 7
    first_contact_hours: int = 48
    installation_after_contact_working_days_min: int = 2
    installation_after_contact_working_days_max: int = 5
    completion_from: CompletionClock = CompletionClock.WORKS_ORDER
    fire_check_working_days: int = 10
    follow_up_visit_days: int = 14
    follow_up_contact_months: list[int] = Field(default_factory=lambda: [3, 6, 12])

    # The one rule for completion due dates: the contractor's events and the report both use it.

    def works_complete_due_by(self, calendar: Calendar, works_order_on: date) -> date:
        return calendar.add(works_order_on, self.works_complete_working_days)

    def installation_due_by(self, calendar: Calendar, first_contact_on: date) -> date:
        return calendar.add(first_contact_on, self.installation_after_contact_working_days_max)

    def completion_due_by(
        self, calendar: Calendar, works_order_on: date, first_contact_on: date | None
    ) -> date | None:
        """When the scheme's own standard wants the works finished (None: its clock has not started,
        i.e. the client has not been reached yet where the clock starts at first contact)."""
        if self.completion_from is CompletionClock.WORKS_ORDER:
            return self.works_complete_due_by(calendar, works_order_on)
        return None if first_contact_on is None else self.installation_due_by(calendar, first_contact_on)


class DashSettings(BaseModel):
    model_config = _config()

    high_threshold: int = 14
    medium_threshold: int = 10
    escalation_incidents_12_months: int = 3


class ReportingSettings(BaseModel):
    model_config = _config()

    suppression_threshold: int = Field(default=5, ge=1)
    annual_budget_gbp: int = Field(default=75_000, ge=0)
    household_target: int = Field(default=60, ge=0)
    financial_year_start_month: int = Field(default=4, ge=1, le=12)
    # The scheme's own measures reported after the template (its performance indicators, its
    # service standards); a scheme reports only those it names.
    own_measures: list[Literal["performance_indicators", "service_standards"]] = Field(default_factory=list)


class RetentionSettings(BaseModel):
    model_config = _config()

    years_after_closure: int = Field(default=6, ge=1)


class SchemeConfig(BaseModel):
    model_config = _config()

    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    region: Region = Field(default_factory=Region)
    eligibility: list[EligibilityRule] = Field(min_length=1)
    decline_reasons: list[str] = Field(min_length=1)
    signposting: list[SignpostEntry] = Field(min_length=1)
    cancellation_reasons: list[str] = Field(min_length=1)
    in_scope_catalogue_scopes: list[Literal["standard", "additional", "external"]] = Field(min_length=1)
    timescales: Timescales = Field(default_factory=Timescales)
    dash: DashSettings = Field(default_factory=DashSettings)
    reporting: ReportingSettings = Field(default_factory=ReportingSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)

    @model_validator(mode="after")
    def _unique(self) -> SchemeConfig:
        ids = [r.id for r in self.eligibility]
        if len(ids) != len(set(ids)):
            raise ValueError("eligibility rule ids must be unique")
        return self

    def working_days(self) -> WorkingDays:
        return WorkingDays(self.region.country, self.region.subdivision)


class SchemeError(ConfigFileError):
    """A scheme file that cannot be used; one line per problem, naming the key."""


def parse_scheme(data: Any, source: str = "scheme") -> SchemeConfig:
    return parse_config(SchemeConfig, data, source, SchemeError)


def load_scheme(path: Path | str) -> SchemeConfig:
    return load_config(SchemeConfig, path, SchemeError)
