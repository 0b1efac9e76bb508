"""Logging set-up: plain text for a terminal, JSON lines for production (``SUPPORTBOT_LOG_FORMAT=json``).

Log lines never carry message bodies: callers log ids, types and counts. A last line of defence
scrubs values that look like credentials from every record (see ``ScrubFilter``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

# Shapes that must never reach a log line even by accident (tokens, keys, bearer values).
_SCRUB = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|AKIA[0-9A-Z]{16}|sk_live_[A-Za-z0-9]{10,}|glpat-[A-Za-z0-9_-]{20}"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/-]{12,}=*)"
)


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        scrubbed = _SCRUB.sub("[scrubbed]", msg)
        if scrubbed != msg:
            record.msg, record.args = scrubbed, ()
        if record.exc_info and not record.exc_text:
            # Tracebacks carry exception messages, which may quote input: scrub them too. Formatters
            # use ``exc_text`` when it is set.
            record.exc_text = _SCRUB.sub("[scrubbed]", logging.Formatter().formatException(record.exc_info))
        return True


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
    import time

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
