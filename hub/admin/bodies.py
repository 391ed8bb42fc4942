"""OpenAPI request bodies of admin routes that read a wire object as plain JSON and validate it themselves
(so that they can stamp it first): the object's schema, `last_updated` optional wherever we stamp it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

STAMPED = "last_updated"


def _inline(node: Any, definitions: dict[str, Any], stamped: bool) -> Any:
    if isinstance(node, list):
        return [_inline(item, definitions, stamped) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _inline(definitions[node["$ref"].rsplit("/", 1)[-1]], definitions, stamped)
    inlined = {key: _inline(value, definitions, stamped) for key, value in node.items()}
    if stamped and STAMPED in inlined.get("properties", {}):
        inlined["properties"][STAMPED] = {"anyOf": [inlined["properties"][STAMPED], {"type": "null"}]}
        inlined["required"] = [name for name in inlined.get("required", []) if name != STAMPED]
    return inlined


def request_body(model: type[BaseModel], *, stamped: bool = True) -> dict[str, Any]:
    """`openapi_extra` that documents `model` as the JSON body, inlined (the document's components name
    models as FastAPI does, `Location-Input`, not as pydantic does)."""
    schema = model.model_json_schema(mode="validation")
    definitions = schema.pop("$defs", {})
    body = _inline(schema, definitions, stamped)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}
