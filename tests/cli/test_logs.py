"""The last line of defence in logging: credential shapes never reach a log line or a traceback."""

from __future__ import annotations

import io
import json
import logging

from intake.logs import JsonFormatter, ScrubFilter

CANARY = "ghp_" + "Zx8Kq2Lw9Pm4Rt7Yv1Nb3Hc6Jd0Fg5Sa2Qe"


def _logger(fmt: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(fmt)
    handler.addFilter(ScrubFilter())
    logger = logging.getLogger(f"test-scrub-{id(out)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, out


def test_a_token_in_a_message_is_scrubbed() -> None:
    logger, out = _logger(logging.Formatter("%(message)s"))
    logger.info("token was %s", CANARY)
    assert CANARY not in out.getvalue() and "[scrubbed]" in out.getvalue()


def test_a_token_in_a_traceback_is_scrubbed_in_text_and_json() -> None:
    for fmt in (logging.Formatter("%(message)s"), JsonFormatter()):
        logger, out = _logger(fmt)
        try:
            raise ValueError(f"bad header value {CANARY}")
        except ValueError:
            logger.exception("parse failed")
        text = out.getvalue()
        assert CANARY not in text and "[scrubbed]" in text and "ValueError" in text
        if isinstance(fmt, JsonFormatter):
            assert "exc" in json.loads(text)
