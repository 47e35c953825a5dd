"""The AWS Backup operations moto lacks, grafted onto moto's Backup responder.

moto routes a Backup request by `moto.backup.urls.url_paths` and then calls the BackupResponse
method named after the operation; adding both before a mock or server starts is all it takes.
Every Backup call also passes through `_call_action`, which counts it and injects faults (the
random ones and the request-rate limit); STS, IAM and KMS calls do not pass through it.
"""

from __future__ import annotations

import json
from typing import Any

from moto.backup import urls
from moto.backup.responses import BackupResponse

from . import errors, faults, messages
from .listing import page_size, start_seq
from .records import wire_time
from .request_rules import check_rules, check_vault_account
from .validation import check_request
from .world import CopyRequest, SandboxWorld

_ACTIVE: list[SandboxWorld] = []
_ORIGINAL_CALL_ACTION = BackupResponse.call_action
_MOTO_CREATE_VAULT = BackupResponse.create_backup_vault
DROP_FLAG = "shuffle.sandbox.drop"
SERVED_FLAG = "shuffle.sandbox.served"

URL_PATHS = {
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$": BackupResponse.dispatch,
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<arn>.+)$": BackupResponse.dispatch,
    "{0}/backup-vaults/(?P<name>[^/]+)/access-policy$": BackupResponse.dispatch,
    "{0}/copy-jobs/?$": BackupResponse.dispatch,
    "{0}/copy-jobs/(?P<copy_job_id>[^/]+)$": BackupResponse.dispatch,
    "{0}/global-settings$": BackupResponse.dispatch,
    "{0}/account-settings$": BackupResponse.dispatch,
    "{0}/logically-air-gapped-backup-vaults/(?P<name>[^/]+)$": BackupResponse.dispatch,
}


def activate(world: SandboxWorld) -> None:
    """Route Backup calls to `world` (one world at a time per process)."""
    install()
    _ACTIVE[:] = [world]


def deactivate() -> None:
    _ACTIVE.clear()


def active_world() -> SandboxWorld:
    if not _ACTIVE:
        raise RuntimeError("no sandbox world is active")
    return _ACTIVE[0]


def install() -> None:
    """Add the operations to moto; idempotent."""
    urls.url_paths.update(URL_PATHS)
    for name, method in _OPERATIONS.items():
        setattr(BackupResponse, name, method)
    BackupResponse.call_action = _call_action  # type: ignore[method-assign]


def _query(self: Any) -> dict[str, str]:
    return {key: values[0] for key, values in self.querystring.items() if values}


def _uri(self: Any, name: str) -> str:
    return str(self.uri_match[name])


def _body(self: Any) -> dict[str, Any]:
    if not self.body:
        return {}
    parsed = json.loads(self.body)
    return parsed if isinstance(parsed, dict) else {}


def _call_action(self: Any) -> Any:
    if not _ACTIVE:
        return _ORIGINAL_CALL_ACTION(self)
    world = _ACTIVE[0]
    operation = self._get_action() or "Unknown"
    world.count_call(self.current_account, operation)
    if world.faults.credentials_expired(self.access_key, world.now()):
        return _error(errors.expired_token())
    fault = world.faults.request_fault(operation, self.current_account, self.region)
    if fault == faults.THROTTLING:
        return _error(errors.throttling())
    if fault == faults.UNAVAILABLE:
        return _error(errors.service_unavailable())
    if fault == faults.DROP:
        environ = getattr(self.normalized_request, "environ", None)
        if isinstance(environ, dict) and environ.get(SERVED_FLAG):
            # The call is carried out, then its answer lost: the case idempotency is for.
            environ[DROP_FLAG] = True
    try:
        _check(self, operation, world)
        return _ORIGINAL_CALL_ACTION(self)
    except errors.SandboxError as exc:  # raised outside moto's own handler, e.g. by a parser
        return _error(exc)


def _check(self: Any, operation: str, world: SandboxWorld) -> None:
    """Refuse the request as AWS would: its model's constraints, then the rules beyond it."""
    query = _query(self)
    uri = dict(self.uri_match or {})
    check_request(operation, uri, query, self.headers, self.body)
    body = _body(self)
    check_rules(operation, uri, query, body, world.config.malformed_arn)
    check_vault_account(
        operation, uri, query, self.current_account, self.region, world.config.other_account_vault
    )


def _error(exc: errors.SandboxError) -> tuple[int, dict[str, str], str]:
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": exc.error_type}
    return exc.code, headers, exc.description


def _ok(payload: dict[str, Any] | None = None) -> str:
    return json.dumps(payload or {})


# -- recovery points ------------------------------------------------------------------------


def list_recovery_points_by_backup_vault(self: Any) -> str:
    world = active_world()
    items, token = world.list_recovery_points(
        self.current_account, self.region, _uri(self, "backupVaultName"), _query(self)
    )
    out: dict[str, Any] = {"RecoveryPoints": [rp.to_wire() for rp in items]}
    if token:
        out["NextToken"] = token
    return _ok(out)


def describe_recovery_point(self: Any) -> str:
    return _ok(
        active_world().describe_recovery_point(
            self.current_account,
            self.region,
            _uri(self, "backupVaultName"),
            _uri(self, "recoveryPointArn"),
        )
    )


def delete_recovery_point(self: Any) -> str:
    active_world().delete_recovery_point(
        self.current_account,
        self.region,
        _uri(self, "backupVaultName"),
        _uri(self, "recoveryPointArn"),
    )
    return _ok()


# -- copy jobs --------------------------------------------------------------------------------


def start_copy_job(self: Any) -> str:
    body = _body(self)
    lifecycle = body.get("Lifecycle")
    request = CopyRequest(
        recovery_point_arn=str(body.get("RecoveryPointArn") or ""),
        source_vault_name=str(body.get("SourceBackupVaultName") or ""),
        dest_vault_arn=str(body.get("DestinationBackupVaultArn") or ""),
        iam_role_arn=str(body.get("IamRoleArn") or ""),
        token=body.get("IdempotencyToken"),
        lifecycle=lifecycle if isinstance(lifecycle, dict) else None,
    )
    job = active_world().start_copy_job(self.current_account, self.region, request)
    created = wire_time(job.creation_date)
    return _ok({"CopyJobId": job.copy_job_id, "CreationDate": created, "IsParent": False})


def describe_copy_job(self: Any) -> str:
    job = active_world().describe_copy_job(
        self.current_account, self.region, _uri(self, "copyJobId")
    )
    return _ok({"CopyJob": job.to_wire()})


def list_copy_jobs(self: Any) -> str:
    jobs, token = active_world().list_copy_jobs(self.current_account, self.region, _query(self))
    out: dict[str, Any] = {"CopyJobs": [job.to_wire() for job in jobs]}
    if token:
        out["NextToken"] = token
    return _ok(out)


# -- vaults, policies, settings --------------------------------------------------------------


def list_backup_vaults(self: Any) -> str:
    """moto's, plus MaxResults/NextToken, the ByVaultType and ByShared filters and the fields
    AWS returns. Every vault type is listed unless ByVaultType names one; the sandbox has no
    vault shared with the caller (no AWS RAM), so ByShared=true lists none."""
    from .moto_bridge import moto_vaults, vault_type

    query = _query(self)
    world = active_world()
    with world.lock:
        now = world.tick()  # copies that landed since the last call count in the totals
    size = page_size(query.get("maxResults"))
    offset = start_seq(query.get("nextToken"))
    vaults = sorted(
        moto_vaults(self.current_account, self.region), key=lambda v: v.backup_vault_name
    )
    wanted = query.get("vaultType")
    if wanted is not None:
        vaults = [vault for vault in vaults if vault_type(vault) == wanted]
    if query.get("shared") == "true":
        vaults = []
    page = vaults[offset : offset + size]
    out: dict[str, Any] = {"BackupVaultList": [_vault_wire(v, now) for v in page]}
    if offset + size < len(vaults):
        from .pages import encode_token

        out["NextToken"] = encode_token(offset + size)
    return _ok(out)


def _vault_wire(vault: Any, now: float) -> dict[str, Any]:
    """A vault as ListBackupVaults and DescribeBackupVault answer it (dates to the ms)."""
    from .lag_vaults import vault_fields

    out = dict(vault.to_list_dict())
    out.update(vault_fields(vault, now))
    out.setdefault("Locked", False)
    for key in ("CreationDate", "LockDate"):
        if out.get(key) is not None:
            out[key] = wire_time(float(out[key]))
    return out


def create_backup_vault(self: Any) -> str:
    """moto's, with the vault's CreationDate to the millisecond, as AWS answers it."""
    from .moto_bridge import round_creation_date

    answer = json.loads(_MOTO_CREATE_VAULT(self))
    answer["CreationDate"] = round_creation_date(
        self.current_account, self.region, str(answer["BackupVaultName"])
    )
    return _ok(answer)


def describe_backup_vault(self: Any) -> str:
    """moto's, with NumberOfRecoveryPoints, VaultType, VaultState (and a LAG vault's
    EncryptionKeyType) as AWS answers them."""
    from .moto_bridge import moto_vault

    world = active_world()
    with world.lock:
        now = world.tick()  # copies that landed since the last call count in the total
    name = _uri(self, "backupVaultName")
    vault = moto_vault(self.current_account, self.region, name)
    if vault is None:
        raise errors.not_found(
            messages.VAULT_NOT_FOUND.format(vault=name, account=self.current_account)
        )
    return _ok(_vault_wire(vault, now))


def create_logically_air_gapped_backup_vault(self: Any) -> str:
    """A logically air-gapped vault (lag_vaults.py): locked in compliance mode from creation."""
    from .lag_vaults import create_vault

    world = active_world()
    with world.lock:
        answer = create_vault(
            self.current_account,
            self.region,
            _uri(self, "backupVaultName"),
            _body(self),
            now=world.now(),
            creation_seconds=world.config.lag_vault_creation_seconds,
            aws_managed_keys=world.aws_managed_keys,
        )
    return _ok(answer)


def put_backup_vault_access_policy(self: Any) -> str:
    policy = _body(self).get("Policy")
    if not isinstance(policy, str) or not policy:
        raise errors.missing_parameter("Policy is required")
    active_world().put_access_policy(
        self.current_account, self.region, _uri(self, "backupVaultName"), policy
    )
    return _ok()


def get_backup_vault_access_policy(self: Any) -> str:
    from .arns import vault_arn

    name = _uri(self, "backupVaultName")
    policy = active_world().get_access_policy(self.current_account, self.region, name)
    return _ok(
        {
            "BackupVaultName": name,
            "BackupVaultArn": vault_arn(self.region, self.current_account, name),
            "Policy": policy,
        }
    )


def delete_backup_vault_access_policy(self: Any) -> str:
    active_world().delete_access_policy(
        self.current_account, self.region, _uri(self, "backupVaultName")
    )
    return _ok()


def describe_global_settings(self: Any) -> str:
    world = active_world()
    return _ok(
        {
            "GlobalSettings": dict(world.global_settings),
            "LastUpdateTime": wire_time(world.global_settings_updated),
        }
    )


def update_global_settings(self: Any) -> str:
    settings = _body(self).get("GlobalSettings") or {}
    if not isinstance(settings, dict):
        raise errors.invalid_parameter("GlobalSettings must be a map")
    active_world().update_global_settings(
        {str(k): str(v) for k, v in settings.items()}, caller=self.current_account
    )
    return _ok()


def describe_region_settings(self: Any) -> str:
    return _ok(active_world().region_settings.describe(self.current_account, self.region))


def update_region_settings(self: Any) -> str:
    active_world().region_settings.update(self.current_account, self.region, _body(self))
    return _ok()


_OPERATIONS = {
    "list_recovery_points_by_backup_vault": list_recovery_points_by_backup_vault,
    "describe_recovery_point": describe_recovery_point,
    "delete_recovery_point": delete_recovery_point,
    "start_copy_job": start_copy_job,
    "describe_copy_job": describe_copy_job,
    "list_copy_jobs": list_copy_jobs,
    "list_backup_vaults": list_backup_vaults,
    "describe_backup_vault": describe_backup_vault,
    "create_backup_vault": create_backup_vault,
    "create_logically_air_gapped_backup_vault": create_logically_air_gapped_backup_vault,
    "put_backup_vault_access_policy": put_backup_vault_access_policy,
    "get_backup_vault_access_policy": get_backup_vault_access_policy,
    "delete_backup_vault_access_policy": delete_backup_vault_access_policy,
    "describe_global_settings": describe_global_settings,
    "update_global_settings": update_global_settings,
    "describe_region_settings": describe_region_settings,
    "update_region_settings": update_region_settings,
}
