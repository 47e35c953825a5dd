"""boto3 sessions per account: profiles, role ARNs, retry settings, and early-expiry renewal.

Assumed-role credentials refresh themselves through botocore (profiles with role_arn, and
--*-role-arn through AssumeRoleCredentialFetcher + DeferredRefreshableCredentials). What
botocore cannot know is a token that AWS calls expired before its stated expiry; for that the
session is rebuilt, which assumes the role again.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError

from .. import __version__
from ..domain.errors import CredentialsError
from .request_pacer import RequestPacer

log = logging.getLogger(__name__)

DEFAULT_REGION = "us-east-1"
# Request-rate throttling. LimitExceededException is not among them: on StartCopyJob it concerns
# concurrent copy jobs, not the rate of calls (AWS_BACKUP_NOTES.md, "Quotas").
# EC2 (the pre-flight's AMI and snapshot counts) throttles as RequestLimitExceeded.
THROTTLE_CODES = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)
LIMIT_CODES = frozenset({"LimitExceededException"})
SESSION_NAME = "shuffle-aws-vaults"


_LOADER: list[Any] = []
_LOADER_LOCK = threading.RLock()


def _shared_loader() -> Any:
    with _LOADER_LOCK:
        if not _LOADER:
            _LOADER.append(botocore.loaders.create_loader())
        return _LOADER[0]


def _boto3_session(core: botocore.session.Session, region: str | None) -> boto3.Session:
    session = boto3.Session(botocore_session=core, region_name=region)
    with _LOADER_LOCK:  # boto3 adds its data directory to the (shared) loader's search path
        paths = _shared_loader().search_paths
        paths[:] = list(dict.fromkeys(paths))
    return session


@dataclass(frozen=True)
class RetrySettings:
    """botocore's own retry behaviour, set explicitly (never 'legacy')."""

    mode: str = "standard"
    max_attempts: int = 5


@dataclass(frozen=True)
class AccountSpec:
    """How to reach one account: a label for messages, and how to get credentials."""

    label: str
    expected_account: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    region: str | None = None


class AccountAccess:
    """A boto3 session for one account, with clients cached per service and region."""

    def __init__(
        self, spec: AccountSpec, retry: RetrySettings, *, max_pool_connections: int = 20
    ) -> None:
        self.spec = spec
        self.sleep: Callable[[float], None] = time.sleep  # between patient calls' rounds
        self._config = Config(
            # total_max_attempts counts the first call too (max_attempts would not).
            retries={"mode": retry.mode, "total_max_attempts": retry.max_attempts},
            max_pool_connections=max_pool_connections,
            user_agent_extra=f"shuffle-aws-vaults/{__version__}",
            connect_timeout=10,
            read_timeout=60,
        )
        # Polls for finished jobs: botocore's exponential back-off would leave freed slots
        # empty for seconds after a few throttled attempts in a row; the copy engine asks again
        # itself, about a second later, instead.
        self._quick_config = self._config.merge(
            Config(retries={"mode": retry.mode, "total_max_attempts": min(2, retry.max_attempts)})
        )
        self._lock = threading.Lock()
        self._generation = 0
        self._clients: dict[tuple[str, str, bool], Any] = {}
        self.calls: Counter[str] = Counter()
        self.retries = 0
        self.throttles = 0
        self.limit_answers = 0
        # By Region too: AWS rates an account's API calls per Region, and each Region of a
        # several-Region copy has its own engine, which counts its own Region's answers.
        self.region_throttles: Counter[str] = Counter()
        self.region_limit_answers: Counter[str] = Counter()
        # One pacer per Region for every client of this account there, kept across renewals.
        self._pacers: dict[str, RequestPacer] = {}
        self._thread = threading.local()
        self._session = self._new_session()
        self.region = spec.region or self._session.region_name or DEFAULT_REGION

    @property
    def generation(self) -> int:
        """Bumped by every renewal, so concurrent callers renew once, not once each."""
        return self._generation

    @property
    def renewable(self) -> bool:
        return bool(self.spec.role_arn or self.spec.profile) or self._session_has_refresh()

    def _session_has_refresh(self) -> bool:
        credentials = self._session.get_credentials()
        return credentials is not None and hasattr(credentials, "refresh_needed")

    def client(self, service: str, region: str | None = None, *, quick: bool = False) -> Any:
        """The service's client; `quick`: one that retries a call once at most."""
        key = (service, region or self.region, quick)
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                config = self._quick_config if quick else self._config
                found = self._session.client(service, region_name=key[1], config=config)
                pacer = self.pacer_for(key[1])
                found.meta.events.register("before-call", self._count_call)
                found.meta.events.register("before-send", functools.partial(self._pace, pacer))
                found.meta.events.register("after-call", self._count_retries)
                found.meta.events.register(
                    "needs-retry", functools.partial(self._on_answer, pacer, key[1])
                )
                self._clients[key] = found
            return found

    def pacer_for(self, region: str) -> RequestPacer:
        """The Region's pacer (callers hold no lock; clients are made under self._lock)."""
        found = self._pacers.get(region)
        if found is None:
            found = self._pacers.setdefault(region, RequestPacer())
        return found

    @property
    def pacer(self) -> RequestPacer:
        """The home Region's pacer."""
        return self.pacer_for(self.region)

    def pacers(self) -> dict[str, RequestPacer]:
        return dict(self._pacers)

    def _count_call(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1

    def _count_retries(
        self, parsed: Any = None, model: Any = None, http_response: Any = None, **_: Any
    ) -> None:
        metadata = (parsed or {}).get("ResponseMetadata") or {}
        attempts = metadata.get("RetryAttempts") or 0
        if attempts:
            with self._lock:
                self.retries += int(attempts)
        if log.isEnabledFor(logging.DEBUG):  # -v, or a --log-file: every call, one line
            log.debug(
                "%s account: %s -> HTTP %s (%d retries)",
                self.spec.label,
                getattr(model, "name", "?"),
                getattr(http_response, "status_code", "?"),
                attempts,
            )

    @staticmethod
    def _pace(pacer: RequestPacer, event_name: str = "", **_: Any) -> None:
        """Every attempt, retries included, waits for its turn at its Region's pacer."""
        pacer.before_send(event_name.rsplit(".", 1)[-1])

    def _on_answer(self, pacer: RequestPacer, region: str, response: Any = None, **_: Any) -> None:
        """Every attempt's answer passes here, retried or not: tell the pacer, count throttles
        and concurrency-limit answers (those botocore retried away included)."""
        if not response or len(response) < 2 or not isinstance(response[1], dict):
            pacer.on_lost()  # no answer (a connection error): nothing to learn about the rate
            return
        code = (response[1].get("Error") or {}).get("Code")
        if code in LIMIT_CODES:
            with self._lock:
                self.limit_answers += 1
                self.region_limit_answers[region] += 1
            self._thread.limits = getattr(self._thread, "limits", 0) + 1
            pacer.on_lost()
            return
        throttled = code in THROTTLE_CODES
        if throttled:
            with self._lock:
                self.throttles += 1
                self.region_throttles[region] += 1
        pacer.on_answer(throttled=throttled)

    def take_limit_answers(self) -> int:
        """LimitExceeded answers this thread has met since it last asked (botocore retries
        them, so a StartCopyJob that succeeded may have been refused first)."""
        seen: int = getattr(self._thread, "limits", 0)
        self._thread.limits = 0
        return seen

    def renew(self, seen_generation: int) -> None:
        """Start a fresh session (and so a fresh AssumeRole) unless another caller just did."""
        with self._lock:
            if seen_generation != self._generation:
                return
            self._session = self._new_session()
            self._clients.clear()
            self._generation += 1

    def config_regions(self) -> list[str]:
        """The Regions the AWS config file's profiles name (botocore's parsing of it)."""
        profiles = self._session._session.full_config.get("profiles") or {}
        found = {p.get("region") for p in profiles.values() if isinstance(p, dict)}
        return sorted(str(name) for name in found if name)

    def account_id(self) -> str:
        """The account these credentials belong to (STS GetCallerIdentity)."""
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise CredentialsError(
                f"{self.spec.label} credentials were refused: {error.get('Code')}: "
                f"{error.get('Message')}"
            ) from None
        except BotoCoreError as exc:
            raise CredentialsError(f"{self.spec.label} credentials: {exc}") from None

    def _core(self) -> botocore.session.Session:
        """A botocore session that shares this process's service models with the others.

        Each new session otherwise loads them again (a scan of every service's directory and
        the decoding of its JSON): a second of CPU per renewal, every few seconds under short
        sessions.
        """
        core = botocore.session.Session(profile=self.spec.profile)
        core.register_component("data_loader", _shared_loader())
        core.get_scoped_config()  # an unknown profile is named now, not at the first call
        return core

    def _new_session(self) -> boto3.Session:
        try:
            base = _boto3_session(self._core(), self.spec.region)
        except BotoCoreError as exc:  # unknown profile and the like
            raise CredentialsError(f"{self.spec.label}: {exc}") from None
        if not self.spec.role_arn:
            return base
        source = base.get_credentials()
        if source is None:
            raise CredentialsError(
                f"{self.spec.label}: no credentials to assume {self.spec.role_arn} with"
            )
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=base._session.create_client,
            source_credentials=source,
            role_arn=self.spec.role_arn,
            extra_args={"RoleSessionName": SESSION_NAME},
            cache={},
        )
        refreshing = DeferredRefreshableCredentials(
            method="assume-role", refresh_using=fetcher.fetch_credentials
        )
        core = self._core()
        core._credentials = refreshing
        return _boto3_session(core, base.region_name)


class AccessStatistics:
    """The ApiStatistics port over one AccountAccess's counters and pacer."""

    def __init__(self, access: AccountAccess) -> None:
        self._access = access

    def calls(self) -> dict[str, int]:
        return dict(self._access.calls)

    def retries(self) -> int:
        return self._access.retries

    def pacing(self) -> dict[str, Any]:
        return dataclasses.asdict(self._access.pacer.stats())

    def pacing_by_region(self) -> dict[str, dict[str, Any]]:
        return {
            region: dataclasses.asdict(pacer.stats())
            for region, pacer in sorted(self._access.pacers().items())
        }
