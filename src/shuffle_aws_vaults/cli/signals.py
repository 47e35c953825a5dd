"""SIGINT and SIGTERM during a copy: while planning, stop at once; while copying, drain first
(no new copies, track those in flight), and stop now on the second signal."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from types import FrameType

from ..application.run_control import StopSignal


class StoppedWhilePlanning(BaseException):
    """SIGINT or SIGTERM while listing, filtering and planning: nothing to drain, stop now."""

    def __init__(self, signal_name: str) -> None:
        super().__init__(signal_name)
        self.signal = signal_name


# Every stop signal a copy took, in this process: `demo` runs several commands in one process
# and stops after the one a Ctrl-C stopped, rather than going on to the next.
RECEIVED: list[str] = []


class PlanningSignals:
    """Until the engine installs its own handlers, SIGINT and SIGTERM stop the run at once with
    exit status 2 (the copy's "incomplete"); the state files are written atomically, so
    whatever was recorded stays loadable. After the engine's run, they are ignored: only the
    summary is left to write."""

    def __init__(self) -> None:
        self.armed = True
        self._previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        RECEIVED.append(signal.Signals(signum).name)
        if self.armed:
            self.armed = False
            raise StoppedWhilePlanning(signal.Signals(signum).name)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def install_signal_handlers(stop: StopSignal) -> Callable[[], None]:
    def on_signal(signum: int, frame: FrameType | None) -> None:
        # On a terminal the bar's line (and the ^C the terminal echoed onto it) is wiped; the
        # bar draws itself again below the message.
        start = "\r\033[K" if sys.stderr.isatty() else "\n"
        if stop.requested:
            print(f"{start}second signal: stopping now; the state is saved", file=sys.stderr)
        else:
            print(
                f"{start}stopping: no new copies; tracking those in flight (again to stop now)",
                file=sys.stderr,
            )
        RECEIVED.append(signal.Signals(signum).name)
        stop.request(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
