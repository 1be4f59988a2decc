"""X's OpenAPI spec (../shared/x-api): validate the sandbox's and the mocks' JSON against it.

`openapi.json` is X's spec 2.167; `problems-2.166.json` keeps the generic RFC 7807 problem
(`about:blank`) that 2.167 dropped although X still sends it. Set BOTAUTH_X_API_SPEC_DIR to read
them from elsewhere.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = Path(os.environ.get("BOTAUTH_X_API_SPEC_DIR", ROOT.parent / "shared" / "x-api"))
SPEC_URI = "urn:x-api:2.167"
PROBLEMS_URI = "urn:x-api:2.166-problems"


@cache
def _registry() -> Registry:
    spec = json.loads((SPEC_DIR / "openapi.json").read_text())
    problems = json.loads((SPEC_DIR / "problems-2.166.json").read_text())
    return Registry().with_resources(
        [
            (SPEC_URI, DRAFT202012.create_resource(spec)),
            (PROBLEMS_URI, DRAFT202012.create_resource(problems)),
        ]
    )


def _errors(uri: str, name: str, instance: Any) -> list[str]:
    validator = Draft202012Validator(
        {"$ref": f"{uri}#/components/schemas/{name}"}, registry=_registry()
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def validate(name: str, instance: Any) -> None:
    """Assert that instance is valid against the spec 2.167's components.schemas[name]."""
    errors = _errors(SPEC_URI, name, instance)
    assert not errors, f"not a valid {name} (X API spec 2.167): {errors}"


def validate_problem(instance: Any) -> None:
    """Assert a v2 problem document: a 2.167 typed problem, or 2.166's generic one."""
    typed = _errors(SPEC_URI, "Problem", instance)
    generic = _errors(PROBLEMS_URI, "Problem", instance)
    assert not typed or not generic, f"not an X problem document: {typed} / {generic}"
    assert {"type", "title", "detail"} <= set(instance), "X always sends type, title, detail"


def validate_v1_errors(instance: Any) -> None:
    """Assert a v1.1 / OAuth 1.0a error body: {"errors": [Error, ...]}."""
    assert isinstance(instance, dict) and list(instance) == ["errors"], instance
    assert instance["errors"], instance
    for item in instance["errors"]:
        validate("Error", item)
