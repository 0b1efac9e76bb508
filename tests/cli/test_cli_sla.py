"""The CLI contract (shared DESIGN.md), run as the installed ``supportbot`` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

EXE = shutil.which("supportbot", path=str(Path(sys.executable).parent)) or "supportbot"


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env=full_env)


def test_sla_due_prints_the_due_instant_in_utc_as_the_last_line() -> None:
    out = run("sla", "due", "--severity", "S3", "--submitted", "2026-12-23T22:00:00+01:00")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "2027-01-04T09:00:00Z"


def test_sla_due_jsonl_streams_one_answer_per_line() -> None:
    lines = [{"id": "a", "severity": "S1", "submitted": "2026-03-29T01:30:00+01:00"},
             {"id": 2, "severity": "S4", "submitted": "2026-11-30T09:00:00+01:00"}]
    out = run("sla", "due", "--jsonl", stdin="\n".join(json.dumps(x) for x in lines) + "\n")
    assert out.returncode == 0, out.stderr
    assert [json.loads(x) for x in out.stdout.splitlines()] == [
        {"id": "a", "due": "2026-03-29T01:30:00Z"}, {"id": 2, "due": "2026-12-02T08:00:00Z"}]


def test_sla_due_jsonl_reports_bad_lines_and_goes_on() -> None:
    stdin = '{"id": 1, "severity": "S9", "submitted": "2026-01-01T00:00:00Z"}\nnot json\n' \
            '{"id": 3, "severity": "S1", "submitted": "2026-01-01T00:00:00"}\n' \
            '{"id": 4, "severity": "S1", "submitted": "2026-01-01T00:00:00Z"}\n'
    out = run("sla", "due", "--jsonl", stdin=stdin)
    assert out.returncode == 1
    answers = [json.loads(x) for x in out.stdout.splitlines()]
    assert [a.get("id") for a in answers] == [1, None, 3, 4]
    assert "error" in answers[0] and "error" in answers[1] and "offset" in answers[2]["error"]
    assert answers[3] == {"id": 4, "due": "2026-01-01T01:00:00Z"}


def test_sla_due_takes_another_policy_file(tmp_path: Path) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text('[calendar]\ntimezone = "UTC"\nholidays = {}\n[severity.S3]\nhours = "24/7"\ntarget = "2h"\n')
    out = run("sla", "due", "--severity", "S3", "--submitted", "2026-12-25T00:00:00Z", "--policy", str(policy))
    assert out.stdout.strip().splitlines()[-1] == "2026-12-25T02:00:00Z"
    out = run("sla", "due", "--severity", "S3", "--submitted", "2026-12-25T00:00:00Z",
              env={"SUPPORTBOT_POLICY": str(policy)})
    assert out.stdout.strip().splitlines()[-1] == "2026-12-25T02:00:00Z"


def test_a_bad_policy_fails_with_file_key_and_reason(tmp_path: Path) -> None:
    policy = tmp_path / "bad.toml"
    policy.write_text('[severity.S1]\ntarget = "soon"\n')
    out = run("sla", "due", "--severity", "S1", "--submitted", "2026-12-25T00:00:00Z", "--policy", str(policy))
    assert out.returncode != 0
    assert str(policy) in out.stderr and "severity.S1.target" in out.stderr


def test_sla_explain_speaks_in_local_time() -> None:
    out = run("sla", "explain", "--severity", "S3", "--submitted", "2026-12-23T22:00:00+01:00")
    assert out.returncode == 0, out.stderr
    assert "skipped Thu 2026-12-24: closure: Year-end" in out.stdout
    assert out.stdout.strip().splitlines()[-1].startswith("due Mon 2027-01-04 10:00 CET")


def test_check_validates_the_shipped_configuration() -> None:
    out = run("check")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok   policy" in out.stdout


def test_check_fails_on_a_bad_policy(tmp_path: Path) -> None:
    policy = tmp_path / "bad.toml"
    policy.write_text('[calendar]\ntimezone = "Nowhere/Land"\n')
    out = run("check", env={"SUPPORTBOT_POLICY": str(policy)})
    assert out.returncode == 1 and "calendar.timezone" in out.stderr


@pytest.mark.parametrize("url_kind", ["sqlite", "postgres"])
def test_db_upgrade_creates_the_schema(tmp_path: Path, url_kind: str, request: pytest.FixtureRequest) -> None:
    if url_kind == "sqlite":
        env = {"SUPPORTBOT_DATA_DIR": str(tmp_path)}
    else:
        env = {"DATABASE_URL": request.getfixturevalue("postgres_server_url")}
    out = run("db", "upgrade", env=env)
    assert out.returncode == 0, out.stderr
    assert "database at head" in out.stdout
    if url_kind == "sqlite":
        assert (tmp_path / "supportbot.db").exists()


def test_check_names_a_missing_spacy_model() -> None:
    out = run("check", env={"SUPPORTBOT_SPACY_MODEL": "en_core_web_not_installed"})
    assert out.returncode == 1
    assert "FAIL redaction" in out.stderr and "en_core_web_not_installed" in out.stderr
    assert "ok   policy" in out.stdout  # the other checks still run and report


def test_check_fails_on_a_bad_redaction_config(tmp_path: Path) -> None:
    bad = tmp_path / "redaction.toml"
    bad.write_text("[nonsense]\nx = 1\n")
    out = run("check", env={"SUPPORTBOT_REDACTION_CONFIG": str(bad)})
    assert out.returncode == 1 and str(bad) in out.stderr and "unknown section" in out.stderr
