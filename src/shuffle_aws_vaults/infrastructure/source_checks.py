"""The source account's facts for the pre-flight: global settings and the copy role."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from ..domain.errors import AwsError
from .aws_errors import call
from .aws_sessions import AccountAccess


class Boto3SourceChecks:
    def __init__(self, access: AccountAccess) -> None:
        self._access = access

    def cross_account_setting(self) -> str | None:
        client = self._access.client("backup")
        try:
            response = call(self._access, "DescribeGlobalSettings", client.describe_global_settings)
        except AwsError:
            return None
        return (response.get("GlobalSettings") or {}).get("isCrossAccountBackupEnabled")

    def role_trust(self, role_arn: str) -> tuple[dict[str, Any] | None, str | None]:
        name = role_arn.rsplit("/", 1)[-1]
        client = self._access.client("iam")
        try:
            role = call(self._access, "GetRole", lambda: client.get_role(RoleName=name))["Role"]
        except AwsError as exc:
            return None, f"{exc.code}: {exc.message}"
        document = role.get("AssumeRolePolicyDocument")
        if isinstance(document, str):
            document = json.loads(unquote(document))
        return document, None
