"""``supportbot replay``: a dry run that explains each mail's fate and changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from intake import services
from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.replay_cli import replay
from intake.store.models import AutoReply, Base
from tests.mail.flow_helpers import ROOT, mail, make_settings

CORPUS = ROOT / "tests" / "fixtures" / "email-corpus"


def _counts(factory) -> dict[str, int]:
    with factory() as s:
        return {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in Base.metadata.sorted_tables}


def _run(settings, files, *args):
    result = CliRunner().invoke(replay, [*args, "--json", *map(str, files)], obj=settings, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_replay_explains_follow_ups_rate_limits_and_rejections_without_writing_anything(
        db_url, factory, tmp_path, smtp_sink):
    settings = make_settings(db_url=db_url, smtp=smtp_sink)
    now = dt.datetime.now(dt.UTC)
    with factory() as s, s.begin():
        ticket = services.open_ticket(s, policy=Policy.load(settings.policy_path), now=now, channel="email",
                                      subject="Checkout down", body="...", requested_severity=Severity.S2,
                                      sender_email="alice@acme.example", root_message_id="<root-1@acme.example>")
        token = ticket.token
        s.add(AutoReply(address="bob@acme.example", kind="deflection", last_sent_at=now, count=1))
    secret = "password: Zq7" + "x9Kp2mW4vL8nR3tY"
    files = {
        "follow_up.eml": mail(subject="Re: Checkout down", in_reply_to="<root-1@acme.example>"),
        "new.eml": mail(frm="Alice Anders <alice@acme.example>", subject="Vouchers broken",
                        body="Organization: acme\nProject: shop-eu\nSeverity: S1\nProduct: Checkout\n"
                             "Component: Vouchers\n\nVouchers are rejected.\n"),
        "secret.eml": mail(subject="Secret subject line", body=f"Our admin login, {secret}\n"),
        "again.eml": mail(frm="Bob Berger <bob@acme.example>", subject="Hello"),
    }
    paths = []
    for name, raw in files.items():
        (tmp_path / name).write_bytes(raw)
        paths.append(tmp_path / name)
    before = _counts(factory)

    down = {Path(r["file"]).name: r for r in _run(settings, paths, "--gate", "down")}
    up = {Path(r["file"]).name: r for r in _run(settings, paths, "--gate", "up")}

    assert down["follow_up.eml"]["outcome"] == "follow_up" and down["follow_up.eml"]["ticket"] == token
    new = down["new.eml"]
    assert new["outcome"] == "ticket" and new["draft"]["severity"] == "S3"  # Vouchers are capped at S3
    assert new["draft"]["requested_severity"] == "S1" and new["draft"]["due"].endswith("Z")
    assert new["reply"] == {"template": "acknowledgement", "to": "alice@acme.example", "sent": True, "why_not": None}
    rejected = down["secret.eml"]
    assert rejected["outcome"] == "rejected_redaction" and rejected["redaction"]
    assert "subject" not in rejected and "Secret subject" not in json.dumps(rejected)
    assert "Zq7x9Kp2mW4vL8nR3tY" not in json.dumps(down) + json.dumps(up)
    assert up["again.eml"]["outcome"] == "deflected"
    assert up["again.eml"]["reply"]["sent"] is False and "rate limit" in up["again.eml"]["reply"]["why_not"]
    assert up["follow_up.eml"]["outcome"] == "follow_up"  # threads even while the website is up
    assert _counts(factory) == before
    assert smtp_sink.messages == []


def test_replay_prints_why_in_words_and_survives_the_bad_mail_corpus(tmp_path):
    settings = make_settings(db_url=f"sqlite:///{tmp_path}/absent/none.db")
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".eml", ".txt")
                   and "LICENSE" not in p.name and p.name != "SOURCES.md")[:60]
    result = CliRunner().invoke(replay, ["--gate", "down", *map(str, files)], obj=settings, catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.count("  why: ") == len(files)
    assert "no database" in result.stderr
    assert not (tmp_path / "absent").exists()  # a dry run creates no database


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_replay_of_a_missing_file_fails_with_its_name(db_url, tmp_path):
    settings = make_settings(db_url=db_url)
    result = CliRunner().invoke(replay, [str(tmp_path / "nope.eml")], obj=settings)
    assert result.exit_code == 1 and "nope.eml: cannot read" in result.stderr
