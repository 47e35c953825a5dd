"""The source account's facts for the pre-flight: global settings, the copy role, the keys."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from ..domain.errors import AwsError
from .aws_errors import call
from .aws_sessions import AccountAccess
from .kms_keys import KmsKeyInspector


class Boto3SourceChecks:
    def __init__(
        self, access: AccountAccess, account_id: str, keys: KmsKeyInspector | None = None
    ) -> None:
        self._access = access
        self._account = account_id
        self._keys = keys or KmsKeyInspector(access)

    def key_policy(self, key_arn: str) -> tuple[dict[str, Any] | None, str | None]:
        return self._keys.key_policy(key_arn)

    def _account_id(self) -> str:
        return self._account

    def cross_account_setting(self) -> str | None:
        client = self._access.client("backup")
        try:
            response = call(
                self._access,
                "DescribeGlobalSettings",
                client.describe_global_settings,
                patient=True,
            )
        except AwsError:
            return None
        return (response.get("GlobalSettings") or {}).get("isCrossAccountBackupEnabled")

    def role_trust(self, role_arn: str) -> tuple[dict[str, Any] | None, str | None]:
        parts = role_arn.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("role/"):
            return None, f"NoSuchEntity: {role_arn} is not an IAM role ARN"
        if parts[4] != self._account_id():
            # AWS Backup assumes the copy role in the account that starts the job.
            return (
                None,
                f"NoSuchEntity: the copy role must be in the source account {self._account}",
            )
        name = role_arn.rsplit("/", 1)[-1]
        client = self._access.client("iam")
        try:
            role = call(
                self._access, "GetRole", lambda: client.get_role(RoleName=name), patient=True
            )["Role"]
        except AwsError as exc:
            return None, f"{exc.code}: {exc.message}"
        if role.get("Arn") != role_arn:  # same name, another path
            return None, f"NoSuchEntity: no role {role_arn} (there is {role.get('Arn')})"
        document = role.get("AssumeRolePolicyDocument")
        if isinstance(document, str):
            document = json.loads(unquote(document))
        return document, None
