"""The shapes of the referral form's answers (telephone, e-mail, postcode) and the checks its
conditional questions share: "If yes, please provide ..." is required after that answer only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

Telephone = Annotated[str, Field(min_length=6, max_length=30, pattern=r"^\+?[0-9 ()-]+$")]
Email = Annotated[str, Field(min_length=3, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Postcode = Annotated[str, Field(min_length=5, max_length=8, pattern=r"^[A-Za-z0-9 ]+$")]


def form_config() -> ConfigDict:
    return ConfigDict(frozen=True, extra="forbid")


def given(value: Any) -> bool:
    return value is not None and value != "" and value != []


def needs(info: ValidationInfo, value: Any, when_field: str, when_values: set[Any], what: str) -> Any:
    """A follow-up answer the form asks for only after a certain answer ("If yes, please ...")."""
    if info.data.get(when_field) in when_values and not given(value):
        raise PydanticCustomError("required_by_answer", what)
    return value


def not_future(value: date | None, what: str) -> date | None:
    if value is not None and value > datetime.now(UTC).date():
        raise PydanticCustomError("date_in_future", what)
    return value


def not_past(value: date | None, what: str) -> date | None:
    if value is not None and value < datetime.now(UTC).date():
        raise PydanticCustomError("date_in_past", what)
    return value
