"""The command line as the summary, status and the journal's runs record it: secrets removed.

The tool takes no keys as flags (AWS credentials come from profiles, the environment or roles),
so a secret can only arrive by mistake: as the value of a flag whose name says secret, token,
password or credential, inside a URL (`https://user:password@host`), or pasted as an argument.
Those are replaced with REDACTED; so is any argument shaped like an AWS access key ID
(AKIA/ASIA + 16), a secret access key (40 base64 characters) or a session token (a long
base64 run).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

REDACTED = "REDACTED"
SECRET_FLAG = re.compile(r"--[\w-]*(secret|token|password|passwd|credential)[\w-]*", re.I)
ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
SESSION_TOKEN = re.compile(r"[A-Za-z0-9/+]{100,}={0,2}")
URL_PASSWORD = re.compile(r"(?<=://)([^/@:\s]*):[^/@\s]*@")


def _scrubbed(argument: str) -> str:
    argument = URL_PASSWORD.sub(rf"\1:{REDACTED}@", argument)
    for pattern in (SESSION_TOKEN, ACCESS_KEY_ID):
        argument = pattern.sub(REDACTED, argument)
    # An ARN, a path or a name of 40 letters and digits alone has no / or + in it or is a
    # word: a secret access key is a mix of both cases and digits.
    return SECRET_KEY.sub(
        lambda m: REDACTED if _mixed(m.group(0)) else m.group(0),
        argument,
    )


def _mixed(text: str) -> bool:
    return (
        any(c.islower() for c in text)
        and any(c.isupper() for c in text)
        and any(c.isdigit() for c in text)
    )


def redacted(argv: Sequence[str]) -> list[str]:
    """The arguments with secrets replaced (see the module's note)."""
    shown: list[str] = []
    hide_next = False
    for argument in argv:
        if hide_next:
            shown.append(REDACTED)
            hide_next = False
            continue
        flag, equals, _ = argument.partition("=")
        if SECRET_FLAG.fullmatch(flag):
            if equals:
                shown.append(f"{flag}={REDACTED}")
            else:
                shown.append(argument)
                hide_next = True
            continue
        shown.append(_scrubbed(argument))
    return shown


def command_text(program: str, argv: Sequence[str]) -> str:
    """The command line as one shell-quoted line, secrets removed."""
    return shlex.join([program, *redacted(argv)])
