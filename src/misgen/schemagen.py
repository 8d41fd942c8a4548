"""JSON Schema generated from the models, kept within draft-07 for yaml-language-server."""

from __future__ import annotations

import json
from typing import Any

from misgen import models

SCHEMAS: dict[str, type[models.Strict]] = {
    "case": models.Case,
    "scenario": models.Scenario,
    "signals": models.SignalsFile,
    "labels": models.LabelsFile,
    "relations": models.RelationsFile,
    "frameworks": models.FrameworksFile,
    "sources": models.SourcesFile,
    "rules": models.RulesFile,
    "policy": models.Policy,
    "deprecated": models.DeprecatedFile,
    "debate": models.DebateFile,
}


def _draft07(node: Any) -> Any:
    """Rewrite pydantic's 2020-12 output into draft-07: ``$defs`` -> ``definitions``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$defs":
                out["definitions"] = _draft07(value)
            elif key == "$ref" and isinstance(value, str):
                out[key] = value.replace("#/$defs/", "#/definitions/")
            elif key == "discriminator":
                continue  # an OpenAPI keyword, not JSON Schema
            else:
                out[key] = _draft07(value)
        return out
    if isinstance(node, list):
        return [_draft07(v) for v in node]
    return node


def render(name: str) -> str:
    model = SCHEMAS[name]
    schema = _draft07(model.model_json_schema(by_alias=True))
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": f"https://misgen.invalid/schema/{name}.schema.json",
        **schema,
    }
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def all_schemas() -> dict[str, str]:
    return {f"{name}.schema.json": render(name) for name in SCHEMAS}
