"""The contractor's rules built from configuration: the scheme (timescales, cancellation reasons,
working-day region), the measures catalogue (item names and agreed unit costs), and how long an
enhanced DBS check stays valid (``SANCTUARY_DBS_VALID_YEARS``, default 3), and how often the
first-contact deadline watch scans (``SANCTUARY_CONTACT_WATCH_INTERVAL_S``, default 15 minutes)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.contractor.domain.rules import ContractorRules
from shared.catalogue import Catalogue, load_catalogue
from shared.scheme import SchemeConfig, load_scheme
from shared.settings import Settings


class ContractorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SANCTUARY_", extra="ignore")

    dbs_valid_years: int = Field(default=3, ge=1, le=10)
    contact_watch_interval_s: float = Field(default=15 * 60.0, gt=0)


def contractor_rules(scheme: SchemeConfig, catalogue: Catalogue, dbs_valid_years: int = 3) -> ContractorRules:
    return ContractorRules(
        catalogue=catalogue,
        calendar=scheme.working_days(),
        timescales=scheme.timescales,
        cancellation_reasons=tuple(scheme.cancellation_reasons),
        dbs_valid_years=dbs_valid_years,
    )


def rules_for(settings: Settings) -> ContractorRules:
    return contractor_rules(
        load_scheme(settings.scheme_config),
        load_catalogue(settings.catalogue_path),
        ContractorSettings().dbs_valid_years,
    )
