"""Every sandbox answer checked against botocore's model, before botocore's parser sees it.

botocore's parser drops keys its model does not know and turns what it can into the right
type, so a client never notices a sandbox that drifts from the API. `ConformanceRecorder` hooks
`before-parse` (the raw HTTP answer) on the clients it is given and checks each answer:

- a success: its JSON body against the operation's output shape: no unknown keys, every value
  of its member's type, strings in their enum, timestamps as epoch seconds to the millisecond
  (as AWS answers; rest-json and json both), required members present;
- an error: its code among the operation's modelled errors, or among COMMON_ERRORS; its
  message not empty (the tool shows AWS's message, which names what was wrong).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# The errors AWS may answer to any call besides the ones each operation models: the "Common
# Errors" of the AWS Backup API reference (CommonErrors.html), which botocore does not model,
# plus ExpiredTokenException, which STS-issued credentials get when they lapse. The sandbox
# injects ThrottlingException and ExpiredTokenException and answers AccessDeniedException (the
# destination's refusal with dest_refusal=call, another account's vault); the rest are allowed
# because AWS may send them, and the tool must not be tested against a narrower API than AWS's.
COMMON_ERRORS = frozenset(
    {
        "AccessDeniedException",
        "ExpiredTokenException",
        "IncompleteSignature",
        "InternalFailure",
        "InvalidAction",
        "InvalidClientTokenId",
        "NotAuthorized",
        "OptInRequired",
        "RequestExpired",
        "ServiceUnavailable",
        "ThrottlingException",
        "ValidationError",
    }
)
BODY_LOCATIONS = (None, "")


@dataclass
class ConformanceRecorder:
    """Raw answers seen, by operation and outcome, and what in them broke the model."""

    problems: list[str] = field(default_factory=list)
    answers: Counter[tuple[str, str]] = field(default_factory=Counter)

    def attach(self, client: Any) -> Any:
        service = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"before-parse.{service}.*", self._seen)
        return client

    def _seen(self, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        name = operation_model.name
        status = int(response_dict["status_code"])
        if status >= 300:
            code = self._check_error(operation_model, response_dict)
            self.answers[(name, code)] += 1
            return
        self.answers[(name, "OK")] += 1
        body = response_dict.get("body") or b"{}"
        try:
            parsed = json.loads(body)
        except ValueError:
            self.problems.append(f"{name}: the body is not JSON: {body[:80]!r}")
            return
        shape = operation_model.output_shape
        if shape is None:
            if parsed not in ({}, None):
                self.problems.append(f"{name}: a body where the model has no output: {parsed}")
            return
        self.problems.extend(f"{name}: {p}" for p in check_output(shape, parsed))

    def _check_error(self, operation_model: Any, response_dict: dict[str, Any]) -> str:
        name = operation_model.name
        headers = {k.lower(): v for k, v in response_dict.get("headers", {}).items()}
        try:
            body = json.loads(response_dict.get("body") or b"{}")
        except ValueError:
            body = {}
        raw = headers.get("x-amzn-errortype") or body.get("__type") or body.get("code") or ""
        code = str(raw).split(":")[0].split("#")[-1]
        modelled = {shape.name for shape in operation_model.error_shapes}
        if code not in modelled | COMMON_ERRORS:
            self.problems.append(f"{name}: error {code!r} is neither modelled {sorted(modelled)}")
        message = body.get("message") or body.get("Message")
        if not message:
            self.problems.append(f"{name}: error {code} without a message")
        return code


def check_output(shape: Any, body: Any) -> list[str]:
    """What in a JSON body breaks its top-level output shape (header members excluded)."""
    if not isinstance(body, dict):
        return [f"the body is {type(body).__name__}, not an object"]
    members = {
        name: member
        for name, member in shape.members.items()
        if member.serialization.get("location") in BODY_LOCATIONS
    }
    problems: list[str] = []
    for key, value in body.items():
        member = members.get(key)
        if member is None:
            problems.append(f"unknown key {key!r}")
        else:
            problems.extend(check_value(member, value, key))
    problems.extend(f"required {n!r} missing" for n in shape.required_members if n not in body)
    return problems


def check_value(shape: Any, value: Any, path: str) -> list[str]:
    kind = shape.type_name
    if value is None:
        return [f"{path} is null"]
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{path} is not an object"]
        problems = [f"{path}.{n} missing" for n in shape.required_members if n not in value]
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                problems.append(f"unknown key {path}.{key}")
            else:
                problems.extend(check_value(member, item, f"{path}.{key}"))
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path} is not a list"]
        return [
            p
            for i, item in enumerate(value)
            for p in check_value(shape.member, item, f"{path}[{i}]")
        ]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path} is not a map"]
        return [
            p for k, item in value.items() for p in check_value(shape.value, item, f"{path}.{k}")
        ]
    return _check_scalar(shape, value, path)


def _check_scalar(shape: Any, value: Any, path: str) -> list[str]:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path} is {type(value).__name__}, not a string"]
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            return [f"{path} {value!r} is not in its enum {enum}"]
        return []
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path} is not a boolean"]
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path} {value!r} is not an integer"]
    if kind in ("float", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return [] if ok else [f"{path} {value!r} is not a number"]
    if kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{path} {value!r} is not epoch seconds"]
        if abs(value * 1000 - round(value * 1000)) > 1e-3:
            return [f"{path} {value!r} is finer than a millisecond"]
        return []
    return [f"{path}: unexpected shape type {kind}"]
