"""Canary test (issue 3, "must show"): planted secret and PII values never leave the message.

Unique random canaries in real formats are planted in messages, which go through the rejection
path: the real engine's decision, the redaction-log entry, its exports (library and installed
command). Then every place a value could land is searched for each canary, and for its plain
SHA-256/MD5 (an unkeyed hash of a short value is as good as the value): the database file bytes
(SQLite file, WAL, shared memory), every row of every table (SQLite and PostgreSQL), the export
files, captured log records at DEBUG, and the process's stdout/stderr.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import random
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from eval.corpus import values as v
from intake.store.db import session_factory
from intake.store.models import Base
from intake.store.redaction_log import append, export, fingerprint, verify
from redaction.types import Sender

KEY = secrets.token_bytes(32)
NOW = dt.datetime(2026, 11, 29, 6, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("supportbot.redaction")


def make_canaries() -> dict[str, str]:
    """Fresh values every run (never a fixed string someone could whitelist)."""
    rng = random.Random(secrets.randbits(64))
    tag = secrets.token_hex(4)
    return {
        "aws_key_id": v.aws_key_id(rng),
        "aws_secret": v.aws_secret(rng),
        "github": v.github_classic(rng),
        "slack": v.slack_bot_token(rng),
        "stripe": v.stripe_live(rng),
        "password": f"Canary{tag}!{v.chars(rng, v.ALNUM, 6)}",
        "jwt": v.jwt(rng),
        "pem": v.pem_private_key(rng),
        "db_password": f"cn{tag}{v.chars(rng, v.ALNUM, 12)}",
        "wrapped": v.github_fine_grained(rng),
        "email": f"canary.{tag}@gmail.com",
        "phone": f"+49 151 {rng.randint(1000000, 9999999)}",
        "iban": v.iban(rng, spaced=False),
        "card": v.card_number(rng, spaced=False),
    }


def make_messages(c: dict[str, str]) -> list[tuple[str, str, Sender]]:
    sender = Sender(name="Paula Reinholt", email="paula.reinholt@nordwind-outdoor.de", org="Nordwind Outdoor GmbH")
    w = c["wrapped"]
    return [
        ("email", "Hi team,\n\nour .env:\n\nAWS_ACCESS_KEY_ID=" + c["aws_key_id"] + "\nAWS_SECRET_ACCESS_KEY=" + c["aws_secret"]
         + "\nADMIN_PASSWORD=" + c["password"] + "\n\nThanks,\nPaula Reinholt\nNordwind Outdoor GmbH", sender),
        ("slack", f"prod bot uses {c['slack']} and the deploy token is {c['github']}, both get 401", sender),
        ("email", "Hello,\n\nour customer Henrike Maasdorp (" + c["email"] + ", mobile " + c["phone"] + ") wants a refund to IBAN "
         + c["iban"] + "; she paid with card " + c["card"] + ".\n\nBest,\nPaula", sender),
        ("email", "curl -H 'Authorization: Bearer " + c["jwt"] + "' https://api.velora.io/v2/carts\n\nStripe key: " + c["stripe"], sender),
        ("email", "Forwarding:\n\n> key for the SFTP user:\n> " + c["pem"].replace("\n", "\n> ") + "\n\nDSN: postgres://shop:"
         + c["db_password"] + "@db.nordwind-outdoor.de:5432/shop", sender),
        ("email", "the token (wrapped by Outlook):\n" + w[:40] + "\n" + w[40:] + "\nis rejected.", sender),
    ]


def _needles(c: dict[str, str]) -> dict[str, list[str]]:
    out = {}
    for name, value in c.items():
        forms = [value, hashlib.sha256(value.encode()).hexdigest(), hashlib.md5(value.encode()).hexdigest()]
        if name == "pem":  # any line of the key body is as bad as the whole key
            forms += [line for line in value.splitlines()[1:-1] if len(line) >= 40]
        if name == "wrapped":
            forms += [value[:40], value[40:]]
        if name == "password":
            forms.append(base64.b64encode(value.encode()).decode())
        out[name] = forms
    return out


def _db_bytes(db_url: str) -> bytes:
    path = Path(db_url.split("///", 1)[1])
    blobs = [p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    assert blobs, f"no SQLite file at {path}"
    return b"".join(blobs)


def _all_rows(engine) -> str:
    rows = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                rows.append(json.dumps([str(x) for x in row], ensure_ascii=False))
    return "\n".join(rows)


@pytest.fixture(scope="module")
def redactor():
    from tests.redaction.velora import get_redactor

    return get_redactor()


def test_planted_values_appear_nowhere_after_rejection(engine, db_url, tmp_path, caplog, capfd, redactor):
    caplog.set_level(logging.DEBUG)  # everything any library logs, presidio and spaCy included
    canaries = make_canaries()
    factory = session_factory(engine)
    decisions = []
    for channel, body, sender in make_messages(canaries):
        decision = redactor.check(body, sender)
        decisions.append(decision)
        assert decision.verdict == "resubmit", (channel, decision.reasons)
        with factory() as s, s.begin():
            entry = append(s, key=KEY, now=NOW, channel=channel, message_ref=f"<{secrets.token_hex(6)}@mail>",
                           sender_org=sender.org, text=body, findings=decision.findings)
            log.info("rejected %s message from %s: %s (log entry %s)", channel, sender.org, dict(decision.reasons), entry.id)
        # The entry records each flagged span by keyed fingerprint; that is how a reviewer matches values.
        assert {f["fingerprint"] for f in entry.findings} == {fingerprint(KEY, body[f.start:f.end]) for f in decision.findings}

    # A control value stored on purpose must be found by the same searches (the searches can fail).
    control = f"control-{secrets.token_hex(8)}"
    with factory() as s, s.begin():
        s.execute(text("UPDATE redaction_log SET verdict_note = :c WHERE id = (SELECT min(id) FROM redaction_log)"), {"c": control})

    csv_path, jsonl_path = tmp_path / "log.csv", tmp_path / "log.jsonl"
    with factory() as s:
        with open(csv_path, "w", encoding="utf-8") as fh:
            assert export(s, "csv", fh) == 6
        with open(jsonl_path, "w", encoding="utf-8") as fh:
            assert export(s, "jsonl", fh) == 6
        assert verify(s).ok
    env = {k: val for k, val in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env.update(SUPPORTBOT_DATABASE_URL=db_url, SUPPORTBOT_DATA_DIR=str(tmp_path), SUPPORTBOT_LOG_LEVEL="DEBUG")
    exe = Path(sys.executable).with_name("supportbot")
    cli = [subprocess.run([str(exe), "redaction-log", "export", "--format", fmt], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT) for fmt in ("csv", "jsonl")]
    assert all(r.returncode == 0 for r in cli), [r.stderr for r in cli]

    captured = capfd.readouterr()
    places = {
        "database rows": _all_rows(engine),
        "csv export": csv_path.read_text(encoding="utf-8"),
        "jsonl export": jsonl_path.read_text(encoding="utf-8"),
        "command output": "\n".join(r.stdout + r.stderr for r in cli),
        "log records": caplog.text + "\n".join(str(r.args) for r in caplog.records),
        "stdout/stderr": captured.out + captured.err,
        "decisions": repr(decisions),
    }
    # Reading SQLite's files with open()/close() drops this process's POSIX locks on them (SQLite docs,
    # "How To Corrupt", 2.2): close every pooled connection first, so later tests start clean.
    engine.dispose()
    db_blob = _db_bytes(db_url) if engine.dialect.name == "sqlite" else b""
    assert control in places["database rows"] and control in places["jsonl export"] and control in places["command output"]
    if db_blob:
        assert control.encode() in db_blob

    leaks = []
    for name, forms in _needles(canaries).items():
        for form in forms:
            leaks += [f"{name} in {where}" for where, hay in places.items() if form in hay]
            if db_blob and form.encode() in db_blob:
                leaks.append(f"{name} in the SQLite file/WAL")
    assert not leaks, leaks
    assert "rejected" in caplog.text  # the log line was written, just without values
