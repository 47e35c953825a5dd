"""argparse as this tool needs it: errors raised (exit status 1, never 2), an unknown flag named
with the command's own closest flag (an unknown command with the closest command), and the
value types the flags share."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from .exit_status import UsageError


class DefaultsFormatter(argparse.HelpFormatter):
    """Every flag's help names its default, unless the help already says it or there is none."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default in (None, False, argparse.SUPPRESS, [])
            or not action.option_strings
            or action.nargs == 0
        ):
            return text
        shown = ",".join(map(str, default)) if isinstance(default, (list, tuple)) else default
        return f"{text} (default: {shown})"


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting with 2 (2 means "incomplete" to our scripts),
    takes no abbreviated flags (`--worker 10` is not `--workers 10`: it is a typo, named with
    its closest flag), and shows defaults in --help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)

    _argv: Sequence[str] = ()  # the command line being parsed, for error()

    def show_required_either(self, *flags: str) -> None:
        """Show `flags` in the usage line as one required choice, "(--a A | --b B)", where the
        command checks them itself (they may also be given together): argparse's required
        group would refuse that."""
        actions = [self._option_string_actions[flag] for flag in flags]
        # The formatter draws a group only around adjacent actions: move them together in
        # the usage's order (the help's sections keep theirs).
        for action in actions[1:]:
            self._actions.remove(action)
        first = self._actions.index(actions[0])
        self._actions[first + 1 : first + 1] = actions[1:]
        shown = argparse._MutuallyExclusiveGroup(self, required=True)
        shown._group_actions = actions
        self._usage_groups = [*self._usage_groups, shown]

    _usage_groups: list[argparse._MutuallyExclusiveGroup] = []

    @contextmanager
    def _usage_groups_drawn(self) -> Iterator[None]:
        drawn = self._mutually_exclusive_groups
        self._mutually_exclusive_groups = [*drawn, *self._usage_groups]
        try:
            yield
        finally:
            self._mutually_exclusive_groups = drawn

    def format_usage(self) -> str:
        with self._usage_groups_drawn():
            return super().format_usage()

    def format_help(self) -> str:
        with self._usage_groups_drawn():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        if message.startswith(("the following arguments are required", "one of the arguments")):
            # A required flag that is missing is most often a typo of it: name the typo.
            known = [opt for action in self._actions for opt in action.option_strings]
            for token in Parser._argv:
                flag = token.split("=", 1)[0]
                if (
                    flag.startswith("--")
                    and flag not in known
                    and difflib.get_close_matches(flag, known, n=1)
                ):
                    self.unknown(flag, known)
        raise UsageError(f"{self.prog}: {message}")

    def unknown(self, wrong: str, known: Sequence[str]) -> NoReturn:
        close = difflib.get_close_matches(wrong, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        what = "unknown flag" if wrong.startswith("-") else "unexpected argument"
        raise UsageError(f"{self.prog}: {what} {wrong}{hint}")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """A command that is not one is named with the closest command (`cpy`: copy)."""
        if isinstance(action, argparse._SubParsersAction) and value not in action.choices:
            commands = list(action.choices)
            close = difflib.get_close_matches(str(value), commands, n=1)
            hint = (
                f" (did you mean {close[0]}?)" if close else f" (commands: {', '.join(commands)})"
            )
            raise UsageError(f"{self.prog}: unknown command {value!r}{hint}")
        super()._check_value(action, value)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """As argparse's, but an unknown flag is named with the command's own closest flag."""
        Parser._argv = list(sys.argv[1:] if args is None else args)
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = self._command(parsed)
            known = [opt for action in command._actions for opt in action.option_strings]
            if isinstance(command, Parser):
                command.unknown(extras[0].split("=", 1)[0], known)
            raise UsageError(f"{command.prog}: unexpected argument {extras[0]}")
        return parsed

    def _command(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        """The sub-command's parser that took `parsed`, or this one."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(parsed, action.dest, None) or "")
                if isinstance(chosen, argparse.ArgumentParser):
                    return chosen
        return self


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {value}")
    return value


def state_file(text: str) -> str:
    """A journal's path: a file, or where one will be; never a directory."""
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a directory; give the journal's file path")
    return text


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value
