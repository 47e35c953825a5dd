"""The resource types the installed botocore's AWS Backup model lists.

The model gives ResourceType no enum (its shape is a pattern, `^[a-zA-Z0-9\\-\\_\\.]{1,50}$`):
the names are in the documentation of ListRecoveryPointsByBackupVault's ByResourceType, the
filter `--resource-type` becomes, one `<code>NAME</code>` per type ("Aurora for Amazon
Aurora", ..., "VirtualMachine for VMware virtual machines"). No call is made.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

OPERATION, MEMBER = "ListRecoveryPointsByBackupVault", "ByResourceType"
NAME = re.compile(r"<code>([^<]{1,50})</code>")
PATTERN = re.compile(r"[a-zA-Z0-9 \-_.]{1,50}")  # the shape's pattern, with the names' spaces


def botocore_resource_types() -> frozenset[str] | None:
    """The types the model's documentation lists, or None when it lists none (a botocore
    whose model or text differs)."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        model = botocore.session.get_session().get_service_model("backup")
        member = model.operation_model(OPERATION).input_shape.members[MEMBER]
    except (BotoCoreError, KeyError) as exc:  # no such model, operation or member
        log.info("botocore's backup model lists no resource types: %s", exc)
        return None
    names = frozenset(
        name.strip()
        for name in NAME.findall(member.documentation or "")
        if PATTERN.fullmatch(name.strip())
    )
    return names or None
