"""Long texts are redacted whole, in overlapping windows (the real redaction engine)."""

from __future__ import annotations

import pytest

from intake.mail.scan import UNSCANNED, WindowedRedactor, windows
from redaction.engine import get_redactor
from tests.paths import ROOT

TOKEN = "ghp_" + "Zq8Rt5Lm2Nx7Vb4Kc9Hd3Jf6Gs1Pw0Ty8Ue5Io"
LOG_LINE = "2026-01-12 10:{m:02d}:00 INFO worker-{m} processed job {m}{m} in {m} ms status=ok\n"


@pytest.fixture(scope="module")
def engine():
    return get_redactor(ROOT / "config" / "redaction.toml")


def log_text(chars: int) -> str:
    lines = [LOG_LINE.format(m=i % 60) for i in range(chars // 60 + 1)]
    return "".join(lines)[:chars]


@pytest.mark.parametrize(("size", "window", "overlap"), [(10, 100, 10), (1000, 100, 10), (12345, 4096, 512)])
def test_windows_cover_the_text_and_overlap(size: int, window: int, overlap: int) -> None:
    text = log_text(size)
    cut = windows(text, window, overlap)
    assert cut[0][0] == 0 and cut[-1][1] == len(text)
    for (a0, b0), (a1, _b1) in zip(cut, cut[1:], strict=False):
        assert b0 - a1 >= overlap // 2  # every edge is inside the next window by at least this
        assert b0 - a0 <= window and a1 > a0


def test_a_token_on_a_window_edge_is_found_with_offsets_into_the_whole_text(engine) -> None:
    scanner = WindowedRedactor(engine, window=4096, overlap=512)
    text = log_text(20_000)
    edge = windows(text, 4096, 512)[0][1]
    at = edge - len(TOKEN) // 2  # the token straddles the first window's end
    text = text[:at] + " " + TOKEN + " " + text[at:]
    decision = scanner.check(text)
    assert not decision.clean and "GITHUB_TOKEN" in decision.reasons
    [finding] = [f for f in decision.findings if f.type == "GITHUB_TOKEN"]
    assert text[finding.start:finding.end] == TOKEN


def test_a_token_at_the_end_of_a_long_log_is_found(engine) -> None:
    scanner = WindowedRedactor(engine, window=16 * 1024, overlap=1024)
    text = log_text(200_000) + f"\nexport GITHUB_TOKEN={TOKEN}\n"
    decision = scanner.check(text)
    assert "GITHUB_TOKEN" in decision.reasons
    assert scanner.check(log_text(200_000)).clean  # the log itself is clean: the finding is the token


def test_text_beyond_the_scan_limit_is_never_clean(engine) -> None:
    scanner = WindowedRedactor(engine, window=4096, overlap=512, max_chars=8000)
    decision = scanner.check(log_text(9000))
    assert not decision.clean and decision.reasons == {UNSCANNED: 1}


def test_short_texts_pass_through_unchanged(engine) -> None:
    text = f"Hello, my token is {TOKEN}"
    assert WindowedRedactor(engine).check(text) == engine.check(text)
