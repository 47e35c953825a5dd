"""Logs: warnings (or, with -v, debug) on stderr; JSON Lines in --log-file; never credentials.

botocore's own debug logs print request headers, session tokens included, so its loggers stay
at WARNING whatever -v says, and every record passes a filter that masks key IDs and secrets.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from pathlib import Path

SECRET_PATTERNS = (
    re.compile(r"\b(A[SK]IA)[A-Z0-9]{12,}\b"),
    re.compile(
        r"(?i)((?:aws_)?(?:secret_?access_?key|session_?token|security[_-]?token|secret)"
        r"[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]+"
    ),
)
QUIET = ("botocore", "boto3", "urllib3", "s3transfer")


def redact(text: str) -> str:
    text = SECRET_PATTERNS[0].sub(r"\1****", text)
    return SECRET_PATTERNS[1].sub(r"\1****", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry)


def configure(verbose: bool, log_file: str | None = None) -> None:
    logger = logging.getLogger("shuffle_aws_vaults")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    console.addFilter(RedactingFilter())
    logger.addHandler(console)
    if log_file:
        path = Path(log_file)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.close(fd)
        path.chmod(0o600)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(JsonLinesFormatter())
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def close() -> None:
    """Detach and close the handlers `configure` added (the log file among them)."""
    logger = logging.getLogger("shuffle_aws_vaults")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
