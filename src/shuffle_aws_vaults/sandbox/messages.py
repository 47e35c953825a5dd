"""The texts AWS Backup answers with, kept in one place.

Copy-job status messages are AWS's own, from the AWS Backup developer guide (jobs dashboard
failure categories) and AWS re:Post troubleshooting articles. The refusal texts of StartCopyJob
itself are not published; those below follow AWS's style and say so.
"""

# Published copy-job status messages.
NOT_SAME_ORGANIZATION = (
    "Copy job failed. Both source and destination account must be a member of the same "
    "organization."
)
CROSS_ACCOUNT_DISABLED = (
    "Copy job failed. Cross-account copy feature is not enabled for the current organization."
)
AWS_MANAGED_KEY_SNAPSHOT = (
    "Snapshots encrypted with the AWS managed key can't be shared. Specify another snapshot."
)
AWS_MANAGED_KEY_RDS = (
    "The source snapshot KMS key [{key}] does not exist, is not enabled or you do not have "
    "permissions to access it."
)
DEFAULT_VAULT = (
    "Copy job failed because the destination Backup vault is encrypted with the default Backup "
    "service managed key. The contents of this vault cannot be copied. Only the contents of a "
    "Backup vault encrypted by an AWS KMS key may be copied."
)
VAULT_LOCK = (
    "Copy job failed. The retention specified in the job is not within the range specified for "
    "the target Backup Vault."
)
ACCESS_DENIED_JOB = "Access Denied trying to call AWS Backup service"
# A cross-Region copy the resource type does not support (re:Post knowledge center,
# backup-troubleshoot-cross-account-copy, quotes it for RDS from us-west-2 to us-east-1).
CROSS_REGION_UNSUPPORTED = (
    "Copy job from {source} to {dest} cannot be initiated for {type} resources. Feature is not "
    "supported for provided resource type."
)
TRANSIENT_FAILURE = "An internal error occurred."
# As CloudTrail records AWS Backup's refusal of a role it cannot assume
# (awslabs/landing-zone-accelerator-on-aws issue 194).
ROLE_NOT_ASSUMABLE = "The provided role {role} cannot be assumed by AWS Backup."

# Not published by AWS: written in its style.
KEY_NOT_SHARED = (
    "Copy job failed. The source KMS key {key} is not accessible to the destination account "
    "{account}: its key policy must allow the destination account to use it."
)
UNSUPPORTED_TYPE = "Copy job failed. Cross-account copy is not supported for this resource type."
NOT_COPYABLE_STATUS = "Recovery point {arn} cannot be copied while its status is {status}."
CONTINUOUS = "Continuous backups are not supported for copy: {arn}"
COLD = "Recovery point {arn} is in cold storage and cannot be copied."
ACCESS_DENIED_CALL = (
    "User is not authorized to perform: backup:CopyIntoBackupVault on resource: {vault_arn}"
)
# BackupVaultAccountId naming a vault not shared with the caller (the sandbox shares none).
ACCESS_DENIED_VAULT_ACCOUNT = (
    "Account {caller} is not authorized to perform: backup:{operation} on resource: "
    "{vault_arn} (BackupVaultAccountId names a vault that is not shared with this account)"
)
LIMIT_EXCEEDED = "Maximum number of concurrent copy jobs ({quota}) reached for this account."
# A service's own copy limit (EBS, RDS, ...); AWS's wording for it is not documented either.
TYPE_LIMIT_EXCEEDED = (
    "Concurrent copy job limit exceeded for resource type {group}: {active} copy jobs in "
    "progress to {region} (limit {limit})"
)
# A message, not a secret:
TOKEN_REUSED = "IdempotencyToken {token} was already used with different parameters."  # noqa: S105
VAULT_NOT_FOUND = "Backup vault {vault} does not exist in account {account}."
RECOVERY_POINT_NOT_FOUND = "Recovery point {arn} was not found in backup vault {vault}."
COPY_JOB_NOT_FOUND = "Copy job {job} was not found."
DEST_VAULT_GONE = "Copy job failed. The destination backup vault {vault} does not exist."
# moto's, for a vault name already taken.
VAULT_EXISTS = "Backup vault with the same name already exists"

# Logically air-gapped vaults (lag_vaults.py); AWS publishes none of these texts.
LAG_MIN_RETENTION = (
    "MinRetentionDays must be at least {least} days for a logically air-gapped backup vault, "
    "not {days}."
)
LAG_MAX_RETENTION = "MaxRetentionDays cannot exceed {most} days, not {days}."
LAG_RETENTION_ORDER = "MinRetentionDays ({low}) cannot be greater than MaxRetentionDays ({high})."
LAG_KEY_NOT_ARN = (
    "EncryptionKeyArn must be the ARN of a customer-managed KMS key "
    "(arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), not {key}"
)
LAG_KEY_AWS_MANAGED = (
    "EncryptionKeyArn {key} is an AWS managed key: a logically air-gapped backup vault is "
    "encrypted with a customer-managed key, or with an AWS-owned key when none is given."
)
CREATOR_REQUEST_ID = (
    "CreatorRequestId must contain 1 to 50 alphanumeric or '-_.' characters, not {value!r}"
)
VAULT_NOT_AVAILABLE = "Backup vault {vault} cannot receive copies while its VaultState is {state}."
LAG_EBS_TOO_LARGE = (
    "Copy job failed. EBS backups of 16 TB or more cannot be copied to a logically air-gapped "
    "backup vault."
)
LAG_LIMIT_EXCEEDED = (
    "Concurrent copy job limit exceeded for resource type {group}: {active} copy jobs in "
    "progress to logically air-gapped backup vault {vault} (limit {limit})"
)

# MessageCategory is a free string in the API; these are the sandbox's values.
CATEGORY_SUCCESS = "SUCCESS"
CATEGORY_ACCESS_DENIED = "ACCESS_DENIED"
CATEGORY_INVALID = "INVALID_PARAMETERS"
CATEGORY_OTHER = "MISCELLANEOUS"
