"""The redaction log: entries without values, a hash chain that detects tampering, exports, CLI.

Runs on SQLite and on the real PostgreSQL server (the ``engine`` fixture is parametrized).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.orm import Session

from intake.redaction_log_cli import redaction_log
from intake.settings import load_settings
from intake.store.models import RedactionLogEntry
from intake.store.redaction_log import (
    GENESIS,
    RedactionLogError,
    append,
    entry_hash,
    export,
    fingerprint,
    iter_entries,
    verify,
)
from redaction.types import Finding

KEY = b"k" * 32
T0 = dt.datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]


def _findings(body: str, *values: tuple[str, str]) -> list[Finding]:
    out = []
    for type_, value in values:
        i = body.index(value)
        out.append(Finding(type_, i, i + len(value), 0.95, f"{type_.lower()}_recognizer", "secret"))
    return out


def _fill(factory, n: int = 5) -> list[int]:
    ids = []
    for i in range(n):
        body = f"message {i}: key AKIAZ{i:015d} and mail someone{i}@gmail.com"
        with factory() as s, s.begin():
            e = append(s, key=KEY, now=T0 + dt.timedelta(minutes=i), channel="email" if i % 2 else "slack",
                       message_ref=f"<msg-{i}@mail.example>", sender_org=f"Org {i % 2}", text=body,
                       findings=_findings(body, ("AWS_ACCESS_KEY", f"AKIAZ{i:015d}"), ("EMAIL_ADDRESS", f"someone{i}@gmail.com")))
            ids.append(e.id)
    return ids


def test_entries_chain_from_genesis_and_verify(factory):
    ids = _fill(factory, 4)
    with factory() as s:
        entries = list(iter_entries(s))
        assert [e.id for e in entries] == ids
        assert entries[0].prev_hash == GENESIS
        for prev, cur in zip(entries, entries[1:], strict=False):
            assert cur.prev_hash == prev.entry_hash
        assert all(entry_hash(e) == e.entry_hash for e in entries)
        result = verify(s)
    assert result.ok and result.checked == 4 and result.head == entries[-1].entry_hash


def test_an_entry_holds_types_offsets_and_fingerprints_but_never_the_value(factory):
    body = "prod key is sk_live_51Hx9QzLmPq8Rt2Vw4Yb6Nc3 for Anna"
    value = "sk_live_51Hx9QzLmPq8Rt2Vw4Yb6Nc3"
    with factory() as s, s.begin():
        e = append(s, key=KEY, now=T0, channel="slack", message_ref="C123/1700000000.000100", sender_org="Nordwind",
                   text=body, findings=_findings(body, ("STRIPE_KEY", value)))
    with factory() as s:
        row = s.execute(text("SELECT * FROM redaction_log")).mappings().one()
    assert value not in json.dumps({k: str(v) for k, v in row.items()})
    f = e.findings[0]
    assert (f["type"], f["start"], f["end"], f["recognizer"]) == ("STRIPE_KEY", 12, 12 + len(value), "stripe_key_recognizer")
    assert f["fingerprint"] == fingerprint(KEY, value) != fingerprint(b"x" * 32, value)
    assert e.entity_types == ["STRIPE_KEY"] and e.created_at == T0


def test_modifying_a_row_is_detected_at_that_row(factory, engine):
    ids = _fill(factory, 5)
    with engine.begin() as conn:
        conn.execute(text("UPDATE redaction_log SET sender_org = 'Someone else' WHERE id = :i"), {"i": ids[2]})
    with factory() as s:
        result = verify(s)
    assert not result.ok and result.first_bad_id == ids[2] and result.checked == 2
    assert "modified" in result.reason


def test_rewriting_findings_json_is_detected(factory, engine):
    ids = _fill(factory, 3)
    with factory() as s, s.begin():
        e = s.get(RedactionLogEntry, ids[1])
        e.findings = [dict(f, start=f["start"] + 1) for f in e.findings]
    with factory() as s:
        assert verify(s).first_bad_id == ids[1]


def test_deleting_a_middle_row_breaks_the_link_of_the_next(factory, engine):
    ids = _fill(factory, 4)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM redaction_log WHERE id = :i"), {"i": ids[1]})
    with factory() as s:
        result = verify(s)
    assert not result.ok and result.first_bad_id == ids[2] and "prev_hash" in result.reason


def test_cutting_off_the_newest_rows_is_detected_against_a_recorded_head(factory, engine):
    _fill(factory, 3)
    with factory() as s:
        head = verify(s).head
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM redaction_log WHERE id = (SELECT max(id) FROM redaction_log)"))
    with factory() as s:
        assert verify(s).ok  # a shorter chain is still a chain...
        result = verify(s, expect_head=head)  # ...but not the one we recorded
    assert not result.ok and "head" in result.reason


def test_reviewer_verdicts_do_not_touch_the_chain(factory):
    ids = _fill(factory, 2)
    with factory() as s, s.begin():
        e = s.get(RedactionLogEntry, ids[0])
        e.verdict, e.verdict_note, e.reviewed_by, e.reviewed_at = "false_positive", "test key", "reviewer@vendor", T0
    with factory() as s:
        assert verify(s).ok


def test_concurrent_appends_never_fork_the_chain(factory):
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            for i in range(6):
                body = f"writer {w} row {i} token ghp_{w}{i}abcdefghijklmnopqrstuvwxyz0123"
                with factory() as s, s.begin():
                    append(s, key=KEY, now=T0, channel="email", message_ref=f"{w}-{i}", sender_org=None, text=body,
                           findings=[Finding("GITHUB_TOKEN", body.index("ghp_"), len(body), 0.9, "gh")])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    with factory() as s:
        result = verify(s)
    assert result.ok and result.checked == 18


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": b"short"}, "at least 16 bytes"),
        ({"now": dt.datetime(2026, 1, 1)}, "timezone-aware"),
        ({"findings": []}, "at least one finding"),
        ({"findings": [Finding("X", 5, 99, 0.9, "r")]}, "outside the text"),
        ({"channel": ""}, "channel"),
    ],
)
def test_bad_input_is_refused_with_the_reason(session: Session, kwargs, message):
    args = {"key": KEY, "now": T0, "channel": "email", "message_ref": None, "sender_org": None,
            "text": "0123456789", "findings": [Finding("X", 1, 4, 0.9, "r")]}
    args.update(kwargs)
    with pytest.raises(RedactionLogError, match=message):
        append(session, **args)


def test_jsonl_export_has_every_field_and_filters_by_time_and_channel(factory):
    _fill(factory, 5)
    with factory() as s:
        out = io.StringIO()
        assert export(s, "jsonl", out) == 5
        rows = [json.loads(line) for line in out.getvalue().splitlines()]
        assert set(rows[0]) == {"id", "created_at", "channel", "sender_org", "entity_types", "findings", "message_ref",
                                "prev_hash", "entry_hash", "verdict", "verdict_note", "reviewed_by", "reviewed_at"}
        assert rows[0]["created_at"] == "2026-11-27T09:30:15.123456Z"
        assert set(rows[0]["findings"][0]) == {"type", "start", "end", "recognizer", "score", "fingerprint"}
        out = io.StringIO()
        n = export(s, "jsonl", out, since=T0 + dt.timedelta(minutes=1), until=T0 + dt.timedelta(minutes=4), channel="email")
        assert n == 2 and [json.loads(x)["channel"] for x in out.getvalue().splitlines()] == ["email", "email"]
        with pytest.raises(RedactionLogError, match="format"):
            export(s, "xml", io.StringIO())  # type: ignore[arg-type]


def test_csv_export_neutralises_spreadsheet_formulas(factory):
    body = "token glpat-abcdefghij0123456789 here"
    with factory() as s, s.begin():
        append(s, key=KEY, now=T0, channel="email", message_ref="=HYPERLINK(\"http://evil\")", sender_org="@evil",
               text=body, findings=_findings(body, ("GITLAB_TOKEN", "glpat-abcdefghij0123456789")))
    with factory() as s:
        out = io.StringIO()
        assert export(s, "csv", out) == 1
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["message_ref"].startswith("'=") and rows[0]["sender_org"] == "'@evil"
    assert rows[0]["entity_types"] == "GITLAB_TOKEN" and json.loads(rows[0]["findings"])[0]["start"] == 6


def _why(res) -> str:
    """A CliRunner result's output and, if it raised, the traceback (for the assertion message)."""
    import traceback

    tb = "".join(traceback.format_exception(*res.exc_info)) if res.exc_info and res.exception else ""
    return res.output + tb


def _settings(db_url: str, tmp_path: Path):
    return load_settings(database_url=db_url, data_dir=tmp_path)


def test_cli_export_and_verify(factory, engine, db_url, tmp_path):
    ids = _fill(factory, 3)
    runner = CliRunner()
    obj = _settings(db_url, tmp_path)
    res = runner.invoke(redaction_log, ["verify"], obj=obj)
    assert res.exit_code == 0 and "ok: 3 entries" in res.output
    target = tmp_path / "log.csv"
    res = runner.invoke(redaction_log, ["export", "--format", "csv", "--output", str(target), "--since", "2026-11-27",
                                        "--until", "2026-11-27"], obj=obj)
    assert res.exit_code == 0, res.output
    assert len(list(csv.DictReader(target.open()))) == 3
    res = runner.invoke(redaction_log, ["export", "--format", "jsonl", "--since", "2026-11-28"], obj=obj)
    assert res.exit_code == 0 and [line for line in res.stdout.splitlines() if line.startswith("{")] == []
    res = runner.invoke(redaction_log, ["export", "--format", "jsonl", "--since", "yesterday"], obj=obj)
    assert res.exit_code == 2 and "expected a date" in res.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE redaction_log SET channel = 'web' WHERE id = :i"), {"i": ids[1]})
    res = runner.invoke(redaction_log, ["verify"], obj=obj)
    assert res.exit_code == 1 and f"BROKEN at entry {ids[1]}" in res.output


def test_installed_supportbot_command_verifies_and_exports(factory, db_url, tmp_path):
    _fill(factory, 2)
    exe = Path(sys.executable).with_name("supportbot")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env.update(SUPPORTBOT_DATABASE_URL=db_url, SUPPORTBOT_DATA_DIR=str(tmp_path))
    res = subprocess.run([str(exe), "redaction-log", "verify"], capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)
    assert res.returncode == 0 and "ok: 2 entries" in res.stdout, res.stderr
    res = subprocess.run([str(exe), "redaction-log", "export", "--format", "jsonl"], capture_output=True, text=True,
                         env=env, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert len([json.loads(line) for line in res.stdout.splitlines()]) == 2



def test_cli_verify_starts_from_the_retention_anchor_after_a_purge(factory, db_url, tmp_path):
    from intake.retention import purge

    ids = _fill(factory, 4)  # T0 .. T0+3min
    settings = load_settings(database_url=db_url, data_dir=tmp_path, retention_redaction_log_days=30,
                             retention_closed_ticket_days=0)
    with factory() as s, s.begin():
        report = purge(s, now=T0 + dt.timedelta(days=30, minutes=2), settings=settings)
    assert report.redaction_entries == 2
    with factory() as s:
        assert not verify(s).ok  # from genesis, the purged prefix is missing...
        assert verify(s, start=report.anchor).ok  # ...from the anchor, the rest is intact
    res = CliRunner().invoke(redaction_log, ["verify"], obj=settings)
    assert res.exit_code == 0 and "ok: 2 entries (from the retention anchor" in res.output, _why(res)
    with factory() as s, s.begin():
        s.get(RedactionLogEntry, ids[3]).channel = "web"
    res = CliRunner().invoke(redaction_log, ["verify"], obj=settings)
    assert res.exit_code == 1 and f"BROKEN at entry {ids[3]}" in res.output


def test_cli_fingerprint_reads_the_value_from_stdin_and_finds_its_entries(factory, db_url, tmp_path):
    settings = _settings(db_url, tmp_path)
    key = settings.hmac_key()
    body = "mail from someone.special@gmail.com about the refund"
    with factory() as s, s.begin():
        e = append(s, key=key, now=T0, channel="email", message_ref=None, sender_org=None, text=body,
                   findings=_findings(body, ("EMAIL_ADDRESS", "someone.special@gmail.com")))
    res = CliRunner().invoke(redaction_log, ["fingerprint"], input="someone.special@gmail.com\n", obj=settings)
    assert res.exit_code == 0, _why(res)
    assert res.output.splitlines() == [fingerprint(key, "someone.special@gmail.com"), f"entries: {e.id}"]
    res = CliRunner().invoke(redaction_log, ["fingerprint"], input="other@gmail.com\n", obj=settings)
    assert res.output.splitlines()[-1] == "entries: none"
    res = CliRunner().invoke(redaction_log, ["fingerprint"], input="", obj=settings)
    assert res.exit_code == 2 and "no value" in res.output
