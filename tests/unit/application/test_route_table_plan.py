"""--route-csv through the use cases, on fakes: each recovery point's destination chosen by its
metadata (no-route when no row sends it anywhere, what AWS cannot copy judged against its own
destination), the plan's items each bound for their row's account and vault, and adoption
asking each destination account of the items bound for it, and only those."""

from __future__ import annotations

from typing import Any

from shuffle_aws_vaults.application.copy_migration import CopyMigration
from shuffle_aws_vaults.application.copy_request import CopyPorts, CopyRequest, OpenedMigration
from shuffle_aws_vaults.application.destinations import Destinations, place_of
from shuffle_aws_vaults.application.discovery import scan
from shuffle_aws_vaults.application.selection_stage import SelectionRequest
from shuffle_aws_vaults.domain.migration import Status
from shuffle_aws_vaults.domain.reasons import Reason
from shuffle_aws_vaults.domain.routing import route_table
from shuffle_aws_vaults.domain.selection import Selection, SelectionTally

from ..domain.factories import NOW, rp
from .fakes import FakeGateway, FakeMetadata
from .migration_fakes import SOURCE, FakeAccount, MemoryStateStore, vault_arn
from .route_fakes import RecordingNotices
from .test_copy_migration_planning import VAULT, copy_in_dest, source_point

A, B = "222222222222", "222222222223"


def table(*lines: str) -> Any:
    return route_table([(n, line.split(",")) for n, line in enumerate(lines, start=1)], "r.csv")


def test_scan_routes_each_point_by_its_metadata_and_excludes_the_unrouted() -> None:
    points = [
        rp(arn="a1", vault_name="v1", resource_arn="r1"),
        rp(arn="a2", vault_name="v1", resource_arn="r2"),
        rp(arn="a3", vault_name="v1", resource_arn="r3"),  # not in the metadata
        rp(arn="a4", vault_name="v1", resource_arn="r4", status="PARTIAL"),
    ]
    gateway = FakeGateway(points)
    metadata = FakeMetadata(
        {"r1": {"APMID": "APM1"}, "r2": {"APMID": "APM2"}, "r4": {"APMID": "APM1"}}
    )
    routes = table(f"APMID,APM1,{A},finance", f"APMID,APM2,{B},web")
    tally = SelectionTally()
    found = {
        c.rp.arn: c
        for c in scan(
            gateway,
            gateway.list_vaults(),
            Selection(),
            metadata=metadata,
            keys=None,
            now=NOW,
            cross_account=True,
            tally=tally,
            routing=routes,
        )
    }
    assert found["a1"].destination is not None and found["a1"].destination.account == A
    assert found["a2"].destination is not None and found["a2"].destination.vault == "web"
    assert found["a3"].reason is Reason.NO_ROUTE and found["a3"].destination is None
    # What AWS cannot copy is that, whatever its route; an excluded item has no destination.
    assert found["a4"].reason is Reason.NOT_COMPLETED and found["a4"].destination is None
    assert tally.excluded == {Reason.NO_ROUTE: 1, Reason.NOT_COMPLETED: 1}
    assert not Reason.NO_ROUTE.is_ineligible  # the operator's routing, not AWS's limits


def test_a_row_into_another_region_judges_cross_region_copies_by_that_row() -> None:
    dynamo = "arn:aws:dynamodb:us-east-1:111111111111:table/t"
    points = [
        rp(arn="d1", vault_name="v1", resource_arn=dynamo, resource_type="DynamoDB"),
        rp(arn="e1", vault_name="v1", resource_arn="r-ebs"),
    ]
    gateway = FakeGateway(points)
    metadata = FakeMetadata({dynamo: {"APMID": "APM1"}, "r-ebs": {"APMID": "APM2"}})
    routes = table(f"APMID,APM1,{A},vx,eu-west-1", f"APMID,*,{A},vx")
    found = {
        c.rp.arn: c.reason
        for c in scan(
            gateway,
            gateway.list_vaults(),
            Selection(),
            metadata=metadata,
            keys=None,
            now=NOW,
            cross_account=True,
            routing=routes,
            dest_region="us-east-1",
        )
    }
    assert found == {"d1": Reason.CROSS_REGION_UNSUPPORTED, "e1": None}


class Rig:
    """One source vault of six points, APMIDs APM0..APM2, routed to two destination accounts
    (APM2 has no row)."""

    def __init__(self) -> None:
        self.source = FakeAccount(SOURCE, [VAULT])
        self.dests = {A: FakeAccount(A, ["finance"]), B: FakeAccount(B, ["web"])}
        self.source.points[VAULT] = [source_point(n) for n in range(6)]
        self.metadata = FakeMetadata(
            {p.resource_arn: {"APMID": f"APM{n % 3}"} for n, p in enumerate(self.points)}
        )
        self.routes = table(f"APMID,APM0,{A},finance", f"APMID,APM1,{B},web")
        self.store = MemoryStateStore()
        self.notices = RecordingNotices()
        self.connected: list[tuple[str, str]] = []

    @property
    def points(self) -> list[Any]:
        return self.source.points[VAULT]

    def connect(self, account: str, region: str) -> Any:
        self.connected.append((account, region))
        return self.dests[account]

    def open(self) -> OpenedMigration:
        ports = CopyPorts(
            source=self.source,
            dest=self.dests[A],
            keys=None,
            metadata=self.metadata,
            source_checks=None,  # type: ignore[arg-type]  # --skip-preflight
            statistics=None,  # type: ignore[arg-type]
            reports=None,  # type: ignore[arg-type]
            executor=None,  # type: ignore[arg-type]
            destinations=Destinations(self.dests[A], self.connect),
        )
        request = CopyRequest(
            selection=SelectionRequest((VAULT,), False, Selection(), self.routes),
            skip_preflight=True,
        )
        with CopyMigration(request, self.store, self.notices, lambda: NOW) as migration:
            migration.check_state()
            opened = migration.open(ports)
        assert isinstance(opened, OpenedMigration)
        return opened


def test_each_item_is_planned_into_its_rows_account_and_vault() -> None:
    rig = Rig()
    opened = rig.open()
    bound = {item.source_arn: item.dest_vault_arn for item in opened.state.items}
    assert bound == {
        p.arn: vault_arn(A, "finance") if n % 3 == 0 else vault_arn(B, "web")
        for n, p in enumerate(rig.points)
        if n % 3 != 2
    }
    assert opened.identity["routes"] == [
        ["APMID", "APM0", A, "finance", ""],
        ["APMID", "APM1", B, "web", ""],
    ]
    assert opened.identity["skipped_by_reason"] == {"no-route": 2}
    assert any(f"into accounts {A}, {B}" in line for line in rig.notices.said)


def test_adoption_asks_each_destination_of_its_own_items() -> None:
    rig = Rig()
    # A copy of point 1 (APM1) sits in B's vault, and a look-alike of point 4 (APM1 too) sits
    # in A's: only B's is the item's, A's must not be taken for it.
    rig.dests[B].points["web"].append(copy_in_dest(rig.points[1], "copy-in-b"))
    rig.dests[A].points["finance"].append(copy_in_dest(rig.points[4], "look-alike-in-a"))
    state = rig.open().state
    statuses = {item.source_arn: state.status_of(i) for i, item in enumerate(state.items)}
    assert statuses[rig.points[1].arn] is Status.ALREADY_COPIED
    assert statuses[rig.points[4].arn] is Status.PENDING
    adopted = [state.dest_arns[i] for i in state.indexes(Status.ALREADY_COPIED)]
    assert adopted == ["arn:aws:ec2:us-east-1::snapshot/copy-in-b"]
    assert rig.connected == [(B, "us-east-1")]  # A is the home destination, B reached once


def test_places_come_from_the_vault_arn() -> None:
    assert place_of(vault_arn(B, "web")) == (B, "us-east-1")
