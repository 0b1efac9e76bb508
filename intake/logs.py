"""Logging set-up: plain text for a terminal, JSON lines for production (``SUPPORTBOT_LOG_FORMAT=json``).

Log lines never carry message bodies: callers log ids, types and counts. A last line of defence
scrubs values that look like credentials from every record (see ``ScrubFilter``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any
from urllib.parse import unquote_plus

# Shapes that must never reach a log line even by accident (tokens, keys, bearer values).
_SCRUB = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|AKIA[0-9A-Z]{16}|sk_live_[A-Za-z0-9]{10,}|glpat-[A-Za-z0-9_-]{20}"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/-]{12,}=*"
    # Email addresses (customers' and third parties' personal data).
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
# ``password=...``, ``"secret": "..."``: keep the name (it helps debugging), drop the value.
_ASSIGNED = re.compile(
    r"(?i)((?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|credentials?)[\"']?\s*[:=]\s*[\"']?)"
    r"[^\s\"'&,;}]+"
)
# Percent escapes: a form body or query string logged as it arrived hides its values from the patterns.
_ESCAPED = re.compile(r"%[0-9A-Fa-f]{2}|\+")


def scrub(text: str) -> str:
    """``text`` without credential shapes, email addresses or assigned secrets.

    URL-encoded text is decoded first and scrubbed in its decoded form: ``password%3Dhunter2`` and
    ``erika%40example.org`` must not slip past the patterns."""
    if _ESCAPED.search(text):
        decoded = unquote_plus(text)
        if decoded != text:
            text = decoded
    text = _SCRUB.sub("[scrubbed]", text)
    return _ASSIGNED.sub(r"\1[scrubbed]", text)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        scrubbed = scrub(msg)
        if scrubbed != msg:
            record.msg, record.args = scrubbed, ()
        if record.exc_info and not record.exc_text:
            # Tracebacks carry exception messages, which may quote input: scrub them too. Formatters
            # use ``exc_text`` when it is set.
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


# Where a Bolt message starts quoting a request: "(signature: ..., body: ...)", "request body: {...}",
# "Unhandled request ({...})", "Responding with status: 200 body: ...".
_BOLT_BODY = re.compile(r"(?is)\s*(?:\(|\{|\[|\b(?:request\s+)?body\b\s*[:=(]|\bpayload=).*$")


class NoBodyFilter(logging.Filter):
    """For Bolt's loggers: cut every message where it would start quoting a request body.

    Bolt logs the whole body of a request whose signature fails (at INFO) and of unhandled requests
    (at WARNING); a stale submission would put what the user typed into the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        cut = _BOLT_BODY.sub(" [request body not logged]", msg)
        if cut != msg:
            record.msg, record.args = cut, ()
        return True


def bolt_logger() -> logging.Logger:
    """The logger to give ``slack_bolt.App(logger=...)``: Bolt copies its filters to every logger it
    makes (request verification, listeners, runners), so none of them logs a request body."""
    logger = logging.getLogger("bot.bolt")
    if not any(isinstance(f, NoBodyFilter) for f in logger.filters):
        logger.addFilter(NoBodyFilter())
        logger.addFilter(ScrubFilter())
    return logger


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("ticket", "outbox_id", "uid", "mailbox", "channel", "event"):
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exc"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        formatter: logging.Formatter = JsonFormatter()
        formatter.converter = time.gmtime
    else:
        formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler.setFormatter(formatter)
    handler.addFilter(ScrubFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("presidio-analyzer", "urllib3", "httpx", "httpcore", "slack_bolt", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
