"""The measures catalogue (``config/catalogue.yaml``): what can be recommended, installed, invoiced
and counted in the quarterly monitoring report. One catalogue, read by every side.

Each item maps to a "Measures installed" row of the Standing Together monitoring template (its
wording exactly, or "Other"), carries a scope (standard / additional / external: the coordinator
sees which need funder approval) and a configurable unit cost.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from shared.config_file import ConfigFileError, load_config, parse_config
from shared.errors import Problem
from shared.settings import CONFIG_DIR

DEFAULT_CATALOGUE = CONFIG_DIR / "catalogue.yaml"


class MonitoringCategory(enum.StrEnum):
    """The template's "Measures installed" rows, in its order, plus "Other" for everything else."""

    ADDITIONAL_DOOR_LOCKING_POINTS = "Additional door locking points"
    DOOR_CHAIN_AND_VIEWER = "Door chain and viewer"
    WINDOW_LOCKS = "Window locks"
    BIRMINGHAM_LONDON_BAR = "Birmingham/London bar"
    DOUBLE_LOCKING_NIGHT_LATCH = "Double locking night latch"
    DEADLOCK = "Deadlock"
    KEY_OPERATED_LOCKING_BOLTS = "Key operated locking bolts"
    PERSONAL_SAFETY_ALARM = "Personal safety alarm"
    PROPERTY_MARKING_KIT = "Property marking kit"
    TIMER_FOR_INTERIOR_LIGHTING = "Timer for interior lighting"
    HINGE_BOLTS = "Hinge bolts"
    DOOR_PANELS = "Door panels"
    WINDOW_SHOCK_ALARMS = "Window shock alarms"
    DISTRACTION_BURGLARY_TOOLKIT = "Distraction burglary toolkit"
    FIRE_SAFETY_CHECK = "Fire safety check"
    FIREPROOF_LETTERBOX = "Fireproof letterbox"
    REPAIRS_TO_DOOR_FRAMES = "Repairs to door frames"
    SAFE_ROOM = "Safe room"
    OTHER = "Other"


class MeasureScope(enum.StrEnum):
    """Standard kit, the specification's "Additional items", or its "External measures"."""

    STANDARD = "standard"
    ADDITIONAL = "additional"
    EXTERNAL = "external"


# A catalogue item's code, and how many of it a recommended, approved or declined measure is for.
ItemCode = Annotated[str, Field(min_length=2, max_length=60, pattern=r"^[A-Z0-9][A-Z0-9-]*$")]
ItemQuantity = Annotated[int, Field(ge=1, le=100)]


class CatalogueItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: ItemCode
    name: str = Field(min_length=1, max_length=200)
    category: MonitoringCategory
    scope: MeasureScope
    unit_cost_gbp: Decimal = Field(ge=0, max_digits=9, decimal_places=2)
    # May be recorded as fitted by the fire and rescue service at its fire safety check.
    fire_measure: bool = False
    # Measured and ordered to fit (grilles, security film, glazing): outside the scheme's
    # installation-time limits (contractor specification, section 5 (6)).
    made_to_measure: bool = False


class MeasureLine(BaseModel):
    """A catalogue item and how many: the shape of every recommended, approved or installed measure."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_code: ItemCode = Field(
        description="The measure's code in the scheme's catalogue (capitals, digits, hyphens)"
    )
    quantity: ItemQuantity = Field(description="How many (1 to 100)")


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    currency: str = "GBP"
    items: tuple[CatalogueItem, ...] = Field(min_length=1)

    # The model is frozen, so an index built once never goes stale.
    _index: dict[str, CatalogueItem] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _codes_unique(self) -> Catalogue:
        for item in self.items:
            if item.code in self._index:
                raise ValueError(f"item code {item.code} appears twice")
            self._index[item.code] = item
        return self

    def item(self, code: str) -> CatalogueItem | None:
        return self._by_code().get(code)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code()

    def _by_code(self) -> dict[str, CatalogueItem]:
        return self._index

    def category_of(self, code: str) -> MonitoringCategory:
        item = self.item(code)
        return item.category if item else MonitoringCategory.OTHER

    def line_cost(self, line: MeasureLine) -> Decimal:
        item = self.item(line.item_code)
        if item is None:
            raise KeyError(line.item_code)
        return item.unit_cost_gbp * line.quantity

    def needs_funder_approval(self, code: str, in_scope: Iterable[MeasureScope | str]) -> bool:
        item = self.item(code)
        return item is None or item.scope.value not in {str(s) for s in in_scope}

    def check_lines(
        self, lines: Sequence[MeasureLine], field: str, *, fire_measures_only: bool = False
    ) -> list[Problem]:
        """Problems with a list of measure lines: unknown items, items repeated, non-fire items."""
        problems: list[Problem] = []
        seen: set[str] = set()
        for i, line in enumerate(lines):
            item = self.item(line.item_code)
            where = f"{field}.{i}.item_code"
            if item is None:
                problems.append(Problem(field=where, problem="is not an item of the measures catalogue"))
            elif fire_measures_only and not item.fire_measure:
                problems.append(Problem(field=where, problem="is not a fire safety measure"))
            if line.item_code in seen:
                problems.append(Problem(field=where, problem="appears twice; give one line per item"))
            seen.add(line.item_code)
        return problems


class CatalogueError(ConfigFileError):
    """The catalogue file is missing or malformed; the message names the file and the entries."""


def parse_catalogue(data: object, source: str = "catalogue") -> Catalogue:
    return parse_config(Catalogue, data, source, CatalogueError)


@lru_cache(maxsize=8)
def load_catalogue(path: Path = DEFAULT_CATALOGUE) -> Catalogue:
    """Read and check the catalogue file (cached per path)."""
    return load_config(Catalogue, path, CatalogueError)
