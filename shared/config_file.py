"""One loader for the configuration files (config/): a YAML file read into a pydantic model.

A file that cannot be used stops whoever loads it with one line naming the file and, for each
wrong entry, the field and the problem (never the value: a file may be edited by hand).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from shared.errors import problems_from_validation

M = TypeVar("M", bound=BaseModel)


class ConfigFileError(ValueError):
    """A configuration file that is missing, not YAML, or not what its model says."""


def parse_config(model: type[M], data: Any, source: str, error: type[ConfigFileError] = ConfigFileError) -> M:
    """``data`` (already read) as ``model``; ``source`` names it in the error."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(str(p) for p in problems_from_validation(exc))
        raise error(f"{source}: {problems}") from None


def load_config(model: type[M], path: Path | str, error: type[ConfigFileError] = ConfigFileError) -> M:
    """Read the YAML file at ``path`` as ``model``, raising ``error`` naming the file and field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot be read ({type(exc).__name__})") from None
    except yaml.YAMLError:
        raise error(f"{path}: is not valid YAML") from None
    return parse_config(model, data, str(path), error)
