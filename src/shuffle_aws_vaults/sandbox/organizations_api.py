"""organizations:ListAccounts as AWS answers it, over the organization moto keeps.

The organization is made at seeding (moto_bridge.create_organization): the management account
(SandboxConfig.management_account) and every source and destination account, ACTIVE but those
SandboxConfig.suspended_accounts names. moto's own ListAccounts answers any caller and pages by
its own rules; AWS's (API reference, ListAccounts):

- "You can only call this operation from the management account or a member account that is a
  delegated administrator." A member answers AccessDeniedException "You don't have permissions
  to access this resource." (the text AWS gives, as users quote it: aws-samples/aws-iam-access-
  key-auto-rotation issue 10); an account in no organization (the sandbox-base profile's, say)
  AWSOrganizationsNotInUseException, "Your account is not a member of an organization." (moto's
  text; botocore's model documents the exception as "Your account isn't a member of an
  organization."). The sandbox has no delegated administrators.
- MaxResults is 1 to 20 (botocore's model); without it "it defaults to a value that is specific
  to the operation": 20, as users see it (kosty-cloud/kosty issue 10). A value out of range
  answers InvalidInputException with Reason MAX_VALUE_EXCEEDED or MIN_VALUE_EXCEEDED (the
  Reason values botocore's model lists; AWS documents no text), a NextToken it did not hand
  out INVALID_NEXT_TOKEN.
- Status (retired on 9 September 2026) and State both say ACTIVE or SUSPENDED.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.organizations.responses import OrganizationsResponse

from .moto_bridge import organization_accounts, organization_of
from .pages import InvalidToken, decode_token, encode_token

_ORIGINAL_LIST_ACCOUNTS = OrganizationsResponse.list_accounts
MAX_RESULTS = 20
ACCESS_DENIED = "You don't have permissions to access this resource."
NOT_IN_USE = "Your account is not a member of an organization."


class OrganizationsError(JsonRESTError):
    """An Organizations error; InvalidInputException carries its Reason, as AWS's does."""

    def __init__(self, code: str, message: str, reason: str | None = None) -> None:
        super().__init__(code, message)
        if reason is not None:
            body = json.loads(self.description)
            body["Reason"] = reason
            self.description = json.dumps(body)


def install() -> None:
    """Serve ListAccounts the sandbox's way; idempotent. With no sandbox world active, moto's."""
    setattr(OrganizationsResponse, "list_accounts", _list_accounts)  # noqa: B010 (mypy)


def list_accounts(caller: str, body: dict[str, Any]) -> dict[str, Any]:
    """ListAccounts' answer for `caller`, or the OrganizationsError AWS answers it."""
    management = organization_of(caller)
    if management is None:
        raise OrganizationsError("AWSOrganizationsNotInUseException", NOT_IN_USE)
    if management != caller:
        raise OrganizationsError("AccessDeniedException", ACCESS_DENIED)
    size = body.get("MaxResults", MAX_RESULTS)
    if isinstance(size, bool) or not isinstance(size, int):
        raise OrganizationsError("InvalidInputException", "MaxResults must be a whole number")
    if size < 1:
        raise OrganizationsError(
            "InvalidInputException", "MaxResults must be at least 1", "MIN_VALUE_EXCEEDED"
        )
    if size > MAX_RESULTS:
        raise OrganizationsError(
            "InvalidInputException",
            f"MaxResults must be at most {MAX_RESULTS}",
            "MAX_VALUE_EXCEEDED",
        )
    token = body.get("NextToken")
    try:
        start = decode_token(token) if token else 0
    except InvalidToken:
        raise OrganizationsError(
            "InvalidInputException", "The NextToken is not valid", "INVALID_NEXT_TOKEN"
        ) from None
    accounts = organization_accounts(management)
    out: dict[str, Any] = {"Accounts": accounts[start : start + size]}
    if start + size < len(accounts):
        out["NextToken"] = encode_token(start + size)
    return out


def _list_accounts(self: Any) -> str:
    from .backup_api import active_world

    try:
        world = active_world()
    except RuntimeError:  # no sandbox world: moto's own answer
        return str(_ORIGINAL_LIST_ACCOUNTS(self))
    world.count_call(self.current_account, "ListAccounts")
    body = json.loads(self.body) if self.body else {}
    return json.dumps(list_accounts(self.current_account, body if isinstance(body, dict) else {}))
