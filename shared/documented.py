"""What the published AsyncAPI shows as the payload of an endpoint that parses its own bytes.

FastStream documents a subscriber's payload from its handler's parameter annotation. Endpoints that
read the raw message themselves (so that every problem is reported by field, without values) take
the body under this annotation: it carries the model's self-contained JSON Schema and validates
nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from shared.bus import inline_refs


def documented_payload(model: type[BaseModel]) -> Any:
    return Annotated[Any, WithJsonSchema(inline_refs(model.model_json_schema())), Field(title=model.__name__)]
