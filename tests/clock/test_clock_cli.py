"""``supportbot nag preview | sweep --once | metrics``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli import main
from intake.settings import get_settings


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_preview_prints_the_schedule_in_local_time(cli: CliRunner) -> None:
    result = cli.invoke(main, ["nag", "preview", "--severity", "S3", "--submitted", "2026-01-02T20:00:00+01:00",
                               "--count", "3", "--assignee", "U0ALICE"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "due       Mon 05 Jan 2026, 08:00 CET (2026-01-05T07:00:00Z)" in lines
    assert lines[-3].split() [:8] == ["1.", "Mon", "05", "Jan", "2026,", "09:00", "CET", "2026-01-05T08:00:00Z"]
    assert "breach" in lines[-3] and "<@U0ALICE>" in lines[-3]
    assert "Wed 07 Jan 2026, 09:00 CET" in lines[-2]  # Epiphany skipped


def test_preview_rejects_a_naive_instant(cli: CliRunner) -> None:
    result = cli.invoke(main, ["nag", "preview", "--severity", "S1", "--submitted", "2026-01-02T20:00"])
    assert result.exit_code == 2 and "no UTC offset" in result.output


def test_sweep_once_and_metrics(cli: CliRunner, tmp_path: Path) -> None:
    from intake.domain.severity import Severity
    from intake.store.db import make_engine, session_factory, upgrade

    from .helpers import open_ticket

    url = f"sqlite:///{(tmp_path / 'supportbot.db').resolve()}"
    upgrade(url)
    engine = make_engine(url)
    open_ticket(session_factory(engine), Severity.S1, now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=35))
    engine.dispose()
    result = cli.invoke(main, ["nag", "sweep", "--once"])
    assert result.exit_code == 0, result.output
    assert "found 1, nagged 1" in result.output
    result = cli.invoke(main, ["nag", "metrics"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["open"]["S1"]["running"] == 1 and data["nags_sent"] == 1
