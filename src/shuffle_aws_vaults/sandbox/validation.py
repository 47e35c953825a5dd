"""Requests checked as AWS checks them: the shapes of botocore's model of AWS Backup.

boto3 checks only that required members are there and of the right type; AWS also checks each
member's enum, pattern and min/max, and answers InvalidParameterValueException (a missing member:
MissingParameterValueException) naming the member. `check_request` rebuilds a request's
parameters from where the model puts them (URI label, query string, header, JSON body) and
checks them all, so a bad filter is an error here too, never an empty result.

The messages follow the form AWS's request validation uses for every service ("1 validation
error detected: Value 'X' at 'ByState' failed to satisfy constraint: ..."), naming the member as
boto3 spells it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from .errors import SandboxError

INVALID = "InvalidParameterValueException"
MISSING = "MissingParameterValueException"
# When an operation models neither, the next best of its own errors (AWS answers one it models).
FALLBACKS = (INVALID, "InvalidRequestException", "ValidationException")


@lru_cache(maxsize=1)
def backup_model() -> ServiceModel:
    import botocore.session

    return botocore.session.get_session().get_service_model("backup")


def operation_model(operation: str) -> OperationModel | None:
    model = backup_model()
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation)


def error_for(operation: OperationModel | None, preferred: str, message: str) -> SandboxError:
    """`preferred` if the operation models it, else the first fallback it does model."""
    modelled = {shape.name for shape in operation.error_shapes} if operation else {preferred}
    for code in (preferred, *FALLBACKS):
        if code in modelled:
            return SandboxError(code, message)
    return SandboxError(INVALID, message)


class _Problem(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def _constraint(value: Any, path: str, rule: str) -> _Problem:
    shown = "null" if value is None else f"'{value}'"
    return _Problem(
        INVALID,
        f"1 validation error detected: Value {shown} at '{path}' failed to satisfy constraint: "
        f"{rule}",
    )


def _missing(path: str) -> _Problem:
    return _Problem(
        MISSING,
        f"1 validation error detected: Value null at '{path}' failed to satisfy constraint: "
        "Member must not be null",
    )


def check_request(
    operation: str,
    uri: Mapping[str, Any],
    query: Mapping[str, Any],
    headers: Mapping[str, Any],
    body: bytes | str | None,
) -> None:
    """Raise the SandboxError AWS would answer for a request that breaks its model."""
    model = operation_model(operation)
    if model is None or model.input_shape is None:
        return
    try:
        _check_input(model.input_shape, uri, query, headers, _json(body))
    except _Problem as problem:
        raise error_for(model, problem.code, problem.text) from None


def _json(body: bytes | str | None) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        raise _Problem(INVALID, "The request body is not valid JSON") from None
    return parsed if isinstance(parsed, dict) else {}


def _check_input(
    shape: Any,
    uri: Mapping[str, Any],
    query: Mapping[str, Any],
    headers: Mapping[str, Any],
    body: dict[str, Any],
) -> None:
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        text = True
        if location == "uri":
            value = uri.get(wire)
        elif location == "querystring":
            value = query.get(wire)
            if isinstance(value, list) and member.type_name != "list":
                value = value[0] if value else None
        elif location == "header":
            value = headers.get(wire)
        else:
            value, text = body.get(name), False
        if value is None or (value == "" and location == "uri"):
            if name in shape.required_members:
                raise _missing(name)
            continue
        _check_value(member, value, name, text=text)


def _check_value(shape: Shape, value: Any, path: str, *, text: bool) -> None:
    kind = shape.type_name
    if kind == "string":
        _check_string(shape, value, path)
    elif kind in ("integer", "long"):
        _check_range(shape, _number(value, path, text, int), path)
    elif kind in ("float", "double"):
        _check_range(shape, _number(value, path, text, float), path)
    elif kind == "boolean":
        if value not in ((True, False) if not text else ("true", "false")):
            raise _constraint(value, path, "Member must be a boolean")
    elif kind == "timestamp":
        _check_timestamp(value, path, text=text)
    elif kind == "structure":
        _check_structure(shape, value, path)
    elif kind == "list":
        _check_list(shape, value, path, text=text)
    elif kind == "map":
        _check_map(shape, value, path)


def _check_string(shape: Shape, value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise _constraint(value, path, "Member must be a string")
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        allowed = ", ".join(enum)
        raise _constraint(value, path, f"Member must satisfy enum value set: [{allowed}]")
    pattern = shape.metadata.get("pattern")
    if pattern and re.search(pattern, value) is None:
        raise _constraint(value, path, f"Member must satisfy regular expression pattern: {pattern}")
    _check_length(shape, value, path)


def _check_length(shape: Shape, value: Any, path: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        raise _constraint(value, path, f"Member must have length greater than or equal to {low}")
    if high is not None and len(value) > high:
        raise _constraint(value, path, f"Member must have length less than or equal to {high}")


def _number(value: Any, path: str, text: bool, kind: type) -> Any:
    if text:
        try:
            return kind(value)
        except (TypeError, ValueError):
            raise _constraint(value, path, "Member must be a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _constraint(value, path, "Member must be a number")
    if kind is int and value != int(value):
        raise _constraint(value, path, "Member must be a whole number")
    return value


def _check_range(shape: Shape, value: Any, path: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        raise _constraint(value, path, f"Member must have value greater than or equal to {low}")
    if high is not None and value > high:
        raise _constraint(value, path, f"Member must have value less than or equal to {high}")


def _check_timestamp(value: Any, path: str, *, text: bool) -> None:
    if not text and isinstance(value, (int, float)) and not isinstance(value, bool):
        return
    if isinstance(value, str):
        try:
            float(value)
            return
        except ValueError:
            pass
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return
        except ValueError:
            pass
    raise _constraint(value, path, "Member must be a timestamp")


def _check_structure(shape: Any, value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise _constraint(value, path, "Member must be a structure")
    for name in shape.required_members:
        if value.get(name) is None:
            raise _missing(f"{path}.{name}")
    for name, item in value.items():
        member = shape.members.get(name)
        if member is not None and item is not None:
            _check_value(member, item, f"{path}.{name}", text=False)


def _check_list(shape: Any, value: Any, path: str, *, text: bool) -> None:
    if not isinstance(value, list):
        raise _constraint(value, path, "Member must be a list")
    _check_length(shape, value, path)
    for index, item in enumerate(value):
        _check_value(shape.member, item, f"{path}.{index + 1}", text=text)


def _check_map(shape: Any, value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise _constraint(value, path, "Member must be a map")
    for key, item in value.items():
        _check_value(shape.key, key, f"{path}.key", text=False)
        _check_value(shape.value, item, f"{path}.{key}", text=False)
