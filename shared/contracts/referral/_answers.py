"""The shapes of the referral form's answers (telephone, e-mail, postcode) and the checks its
conditional questions share: "If yes, please provide ..." is required after that answer only."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

Telephone = Annotated[str, Field(min_length=6, max_length=30, pattern=r"^\+?[0-9 ()-]+$")]
Email = Annotated[str, Field(min_length=3, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Postcode = Annotated[str, Field(min_length=5, max_length=8, pattern=r"^[A-Za-z0-9 ]+$")]


def given(value: Any) -> bool:
    return value is not None and value != "" and value != []


@dataclass(frozen=True)
class FollowUp:
    """A follow-up answer the form asks for only after a certain answer ("If yes, please ..."): required
    when the question ``after`` (an earlier field) was answered ``answer``; ``problem`` says so."""

    after: str
    answer: enum.StrEnum
    problem: str


def follow_up_field(description: str, **constraints: Any) -> Any:
    """A follow-up answer's field: left out by default, and validated even when left out, so that
    ``follow_ups`` sees it and can require it."""
    return Field(default=None, validate_default=True, description=description, **constraints)


def follow_ups(**rules: FollowUp) -> Any:
    """One field validator for a section's follow-up answers, keyed by the follow-up's field name.

    Each field it checks is declared with ``follow_up_field``, after the question it follows (the
    answers given so far are all a field validator sees)."""

    def check(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
        rule = rules[str(info.field_name)]
        if info.data.get(rule.after) == rule.answer and not given(value):
            raise PydanticCustomError("required_by_answer", rule.problem)
        return value

    return field_validator(*rules)(classmethod(check))


def not_future(value: date | None, what: str) -> date | None:
    if value is not None and value > datetime.now(UTC).date():
        raise PydanticCustomError("date_in_future", what)
    return value


def not_past(value: date | None, what: str) -> date | None:
    if value is not None and value < datetime.now(UTC).date():
        raise PydanticCustomError("date_in_past", what)
    return value
