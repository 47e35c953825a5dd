"""The command line as runs record it: secrets never, everything else as typed."""

from __future__ import annotations

from shuffle_aws_vaults.domain.command_line import REDACTED, command_text, redacted

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example secret key
TOKEN = "IQoJb3JpZ2luX2VjEJr" + "A" * 60 + "/b3Jp+Z2lu" * 10 + "=="


def test_ordinary_flags_and_values_are_kept() -> None:
    argv = [
        "copy",
        "--source-account",
        "111111111111",
        "--source-role-arn",
        "arn:aws:iam::111111111111:role/BackupMigrationRole",
        "--vault",
        "production-backups",
        "--state-file",
        "/var/lib/migrations/a-very-long-state-file-name-for-production.jsonl",
    ]
    assert redacted(argv) == argv


def test_values_of_flags_naming_secrets_or_tokens_are_removed() -> None:
    argv = ["copy", "--aws-secret-access-key", "x", "--session-token=abc", "--db-password", "pw"]
    assert redacted(argv) == [
        "copy",
        "--aws-secret-access-key",
        REDACTED,
        f"--session-token={REDACTED}",
        "--db-password",
        REDACTED,
    ]


def test_values_shaped_like_aws_keys_are_removed_wherever_they_are() -> None:
    argv = ["copy", "--note", SECRET, f"key={TOKEN}", "AKIAIOSFODNN7EXAMPLE"]
    assert redacted(argv) == ["copy", "--note", REDACTED, f"key={REDACTED}", REDACTED]


def test_a_password_in_a_url_is_removed() -> None:
    assert redacted(["--endpoint-url", "https://user:hunter2@proxy:8443/"]) == [
        "--endpoint-url",
        f"https://user:{REDACTED}@proxy:8443/",
    ]


def test_the_line_is_shell_quoted() -> None:
    text = command_text("shuffle-aws-vaults", ["copy", "--vault", "my vault"])
    assert text == "shuffle-aws-vaults copy --vault 'my vault'"
