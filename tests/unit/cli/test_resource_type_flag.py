"""--resource-type takes the types AWS Backup's model lists, in any case; a typo is refused in
one line with the closest type and the whole list."""

from __future__ import annotations

import pytest

from shuffle_aws_vaults.cli.exit_status import UsageError
from shuffle_aws_vaults.cli.flag_values import resource_types
from shuffle_aws_vaults.domain.recovery_point import KNOWN_RESOURCE_TYPES

MODEL = frozenset({"Aurora", "EBS", "EC2", "EKS", "RDS", "SAP HANA on Amazon EC2"})


def known() -> frozenset[str]:
    return MODEL


def test_names_are_taken_in_any_case_as_aws_spells_them() -> None:
    assert resource_types("ebs, eks,Sap Hana on Amazon EC2", known) == frozenset(
        {"EBS", "EKS", "SAP HANA on Amazon EC2"}
    )
    assert resource_types(None, known) is None


def test_a_typo_names_the_closest_type_and_the_list() -> None:
    with pytest.raises(UsageError) as refused:
        resource_types("EBS,Auroa", known)
    message = str(refused.value)
    assert message.startswith("--resource-type: unknown type 'Auroa' (did you mean Aurora?)")
    assert "Aurora, EBS, EC2, EKS, RDS, SAP HANA on Amazon EC2" in message
    assert "\n" not in message


def test_a_name_nothing_is_close_to_gets_the_list_alone() -> None:
    with pytest.raises(UsageError) as refused:
        resource_types("Lambda", known)
    assert "did you mean" not in str(refused.value)
    assert "EKS" in str(refused.value)


def test_a_type_the_model_does_not_list_is_refused_even_if_the_fallback_has_it() -> None:
    with pytest.raises(UsageError):
        resource_types("DynamoDB", known)
    assert "DynamoDB" in KNOWN_RESOURCE_TYPES
