"""How a client finds the Regions to work in: account:ListRegions (which moto lacks) and
ec2:DescribeRegions (which moto answers with every Region, disabled ones too).

Both answer for the sandbox's accounts as regions.py says: the Regions enabled by default, plus
every Region the sandbox serves; other opt-in Regions are disabled. ListRegions ignores
AccountId beyond checking its shape: both sandbox accounts enable the same Regions.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.account import urls as account_urls
from moto.account.responses import AccountResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.ec2.models.availability_zones_and_regions import Region
from moto.ec2.responses import EC2Response

from .backup_api import active_world
from .regions import commercial_regions, opt_status

_ORIGINAL_DESCRIBE_REGIONS = EC2Response.describe_regions
OPT_STATUSES = ("ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT")
MAX_LIST_REGIONS = 50

URL_PATHS = {
    "{0}/listRegions$": AccountResponse.dispatch,
    "{0}/getRegionOptStatus$": AccountResponse.dispatch,
}


def install() -> None:
    """Add ListRegions and GetRegionOptStatus to moto and wrap DescribeRegions; idempotent.
    With no sandbox world active, DescribeRegions answers as moto does."""
    account_urls.url_paths.update(URL_PATHS)
    setattr(AccountResponse, "list_regions", _list_regions)  # noqa: B010 (mypy: new attribute)
    setattr(AccountResponse, "get_region_opt_status", _get_region_opt_status)  # noqa: B010
    setattr(EC2Response, "describe_regions", _describe_regions)  # noqa: B010


def _validation(message: str) -> JsonRESTError:
    return JsonRESTError("ValidationException", message)


def _body(self: Any) -> dict[str, Any]:
    parsed = json.loads(self.body) if self.body else {}
    return parsed if isinstance(parsed, dict) else {}


def _check_account(body: dict[str, Any]) -> None:
    account = body.get("AccountId")
    if account is not None and not re.fullmatch(r"\d{12}", str(account)):
        raise _validation(f"Invalid AccountId: {account}")


def region_statuses() -> list[tuple[str, str]]:
    """(Region, RegionOptStatus) of every commercial Region for the sandbox's accounts."""
    served = active_world().config.regions
    return [(name, opt_status(name, served)) for name in commercial_regions()]


def _list_regions(self: Any) -> str:
    body = _body(self)
    _check_account(body)
    wanted = body.get("RegionOptStatusContains") or []
    unknown = [status for status in wanted if status not in OPT_STATUSES]
    if unknown:
        raise _validation(f"Invalid RegionOptStatusContains value: {unknown[0]}")
    size = body.get("MaxResults", MAX_LIST_REGIONS)
    if not isinstance(size, int) or not 1 <= size <= MAX_LIST_REGIONS:
        raise _validation(f"MaxResults must be between 1 and {MAX_LIST_REGIONS}")
    token = body.get("NextToken") or "0"
    if not str(token).isdigit():
        raise _validation(f"Invalid NextToken: {token}")
    start = int(token)
    listed = [(n, s) for n, s in region_statuses() if not wanted or s in wanted]
    page = listed[start : start + size]
    out: dict[str, Any] = {
        "Regions": [{"RegionName": name, "RegionOptStatus": status} for name, status in page]
    }
    if start + size < len(listed):
        out["NextToken"] = str(start + size)
    return json.dumps(out)


def _get_region_opt_status(self: Any) -> str:
    body = _body(self)
    _check_account(body)
    name = body.get("RegionName")
    statuses = dict(region_statuses())
    if name not in statuses:
        raise _validation(f"Invalid RegionName: {name}")
    return json.dumps({"RegionName": name, "RegionOptStatus": statuses[name]})


_EC2_STATUS = {
    "ENABLED_BY_DEFAULT": "opt-in-not-required",
    "ENABLED": "opted-in",
    "DISABLED": "not-opted-in",
}


def _describe_regions(self: Any) -> Any:
    try:
        statuses = dict(region_statuses())
    except RuntimeError:  # no sandbox world: moto's own answer
        return _ORIGINAL_DESCRIBE_REGIONS(self)
    self.error_on_dryrun()
    names = self._get_param("RegionNames", [])
    every = str(self._get_param("AllRegions", "false")).lower() == "true"
    regions = []
    for region in self.ec2_backend.describe_regions(names):
        status = statuses.get(region.name)
        if status is None or (status == "DISABLED" and not every):
            continue  # another partition, or disabled: AWS lists those only under AllRegions
        regions.append(Region(region.name, region.endpoint, _EC2_STATUS[status]))
    return ActionResult({"Regions": regions})
