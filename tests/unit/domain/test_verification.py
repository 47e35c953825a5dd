from __future__ import annotations

from datetime import timedelta

from shuffle_aws_vaults.domain.verification import Verdict, compare, match_key

from .factories import rp

SOURCE = rp()
COPY = rp(arn="arn:aws:ec2:us-east-1::snapshot/snap-copy", vault_name="dest")


def test_a_completed_copy_with_the_same_resource_date_and_size_is_verified() -> None:
    assert compare(SOURCE, COPY).verdict is Verdict.VERIFIED


def test_no_copy_is_missing() -> None:
    assert compare(SOURCE, None).verdict is Verdict.MISSING


def test_a_copy_that_is_not_completed_says_its_status() -> None:
    check = compare(SOURCE, rp(status="PARTIAL"))
    assert (check.verdict, check.detail) == (Verdict.NOT_COMPLETED, "status PARTIAL")


def test_each_differing_field_is_named() -> None:
    other = rp(
        resource_arn="arn:aws:ec2:us-east-1:111111111111:volume/vol-2",
        size_bytes=1,
        creation_date=SOURCE.creation_date + timedelta(seconds=1),
    )
    check = compare(SOURCE, other)
    assert check.verdict is Verdict.MISMATCHED
    assert [part.split(" ")[0] for part in check.detail.split("; ")] == [
        "resource",
        "creation",
        "size",
    ]


def test_sub_millisecond_differences_in_dates_do_not_count() -> None:
    copy = rp(creation_date=SOURCE.creation_date + timedelta(microseconds=400))
    assert compare(SOURCE, copy).verdict is Verdict.VERIFIED


def test_a_copy_is_matched_by_resource_creation_date_and_source_vault() -> None:
    vault = "arn:aws:backup:us-east-1:111111111111:backup-vault:production-backups"
    assert match_key(SOURCE, vault) == match_key(COPY, vault)
    assert match_key(SOURCE, vault) != match_key(COPY, vault + "-other")
