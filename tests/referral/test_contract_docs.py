"""Every referral command and event documents itself: a docstring and a description on each of its
own fields, so the published JSON Schema (and the AsyncAPI built from it) explains them."""

from __future__ import annotations

import inspect

import pytest
from pydantic import BaseModel

from shared.commands import Command
from shared.contracts import referral
from shared.events import Event

MODELS = [
    obj
    for obj in vars(referral).values()
    if inspect.isclass(obj) and issubclass(obj, (Command, Event)) and obj.__module__ == referral.__name__
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_documented(model: type[BaseModel]) -> None:
    assert model.__dict__.get("__doc__"), "no docstring"
    undocumented = [
        name
        for name, info in model.model_fields.items()
        if name not in Command.model_fields and not info.description
    ]
    assert undocumented == []


def test_every_command_is_served() -> None:
    commands = {
        m for m in MODELS if issubclass(m, referral.ReferralCommand) and m is not referral.ReferralCommand
    }
    assert commands == set(referral.CASE_COMMANDS)
    assert all(c.subject() == f"cmd.referral.{c.__name__}" for c in commands)
