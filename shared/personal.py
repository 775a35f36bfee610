"""Personal data markers, and splitting a payload into its public and personal parts.

A field annotated ``Personal[T]`` holds data that identifies or endangers the client (name,
address, telephone, perpetrator details, free-text narrative). Its value is stored encrypted
under the case's data key; after erasure it reads back as ``ERASED``.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidatorFunctionWrapHandler, WrapValidator

ERASED = "[erased]"

T = TypeVar("T")


class PersonalData:
    """Metadata marker found in a field's annotation."""

    def __repr__(self) -> str:
        return "PersonalData()"


def _allow_erased(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # An erased field keeps its place but no longer has a value of its declared type.
    if value == ERASED:
        return ERASED
    return handler(value)


Personal = Annotated[T, PersonalData(), WrapValidator(_allow_erased)]


def _is_personal(field_info: Any) -> bool:
    return any(isinstance(m, PersonalData) for m in field_info.metadata)


def _model_types(annotation: Any) -> list[type[BaseModel]]:
    """Models reachable through an annotation (Optional[Model], list[Model], Model | None...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    if get_origin(annotation) is not None:
        for arg in get_args(annotation):
            found.extend(_model_types(arg))
    return found


def personal_field_names(model: type[BaseModel]) -> set[str]:
    """Every field name marked personal in a model tree (used to teach the log scrubber)."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        if _is_personal(info):
            names.add(name)
        for sub in _model_types(info.annotation):
            names |= personal_field_names(sub)
    return names


@functools.cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, bool, type[BaseModel] | None], ...]:
    """Per field: its JSON key, whether it is personal, and the model it nests (if any).

    Worked out once per model class: every append and read walks it.
    """
    plan = []
    for name, info in model.model_fields.items():
        personal = _is_personal(info)
        subs = [] if personal else _model_types(info.annotation)
        plan.append((info.alias or name, personal, subs[0] if subs else None))
    return tuple(plan)


def split_personal(model: type[BaseModel], data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Remove personal values from ``data`` (a model_dump in JSON mode), in place.

    Returns them keyed by their path ("client.full_name", "children.1.name").
    """
    taken: dict[str, Any] = {}
    for key, personal, sub in _plan(model):
        if key not in data:
            continue
        path = f"{prefix}{key}"
        if personal:
            taken[path] = data.pop(key)
            continue
        if sub is None:
            continue
        value = data[key]
        if isinstance(value, dict):
            taken |= split_personal(sub, value, f"{path}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    taken |= split_personal(sub, item, f"{path}.{i}.")
    return taken


def merge_personal(
    model: type[BaseModel], data: dict[str, Any], personal: dict[str, Any] | None, prefix: str = ""
) -> dict[str, Any]:
    """Put personal values back into ``data`` in place; with ``personal=None`` (erased) mark them ERASED."""
    for key, is_personal, sub in _plan(model):
        path = f"{prefix}{key}"
        if is_personal:
            if personal is None:
                data[key] = ERASED
            elif path in personal:
                data[key] = personal[path]
            continue
        value = data.get(key)
        if sub is None or value is None:
            continue
        if isinstance(value, dict):
            merge_personal(sub, value, personal, f"{path}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    merge_personal(sub, item, personal, f"{path}.{i}.")
    return data
