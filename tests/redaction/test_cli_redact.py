"""``supportbot redact --jsonl``: the contract in shared DESIGN.md, run as a real process."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

from tests.redaction.recognizer_tables import token

ROOT = Path(__file__).resolve().parents[2]
SUPPORTBOT = [sys.executable, "-c", "from intake.cli import main; main()"]
SECRET = token("ghp_", 36)


def _run(lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SUPPORTBOT, "redact", "--jsonl", *args], input="".join(line + "\n" for line in lines),
                          capture_output=True, text=True, cwd=ROOT, timeout=120, env=_env())


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}


def test_jsonl_in_order_with_offsets_and_types_never_values():
    lines = [
        json.dumps({"id": "a", "text": f"token {SECRET}", "sender": {"name": "Peter Miller", "email": "p@acme.de",
                                                                     "org": "Acme"}}),
        json.dumps({"id": 2, "text": "The checkout is slow since 4.12.1. Thanks, Peter"}),
        json.dumps({"id": "c", "text": "customer anna.schmidt@gmail.com cannot log in"}),
    ]
    proc = _run(lines)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 2, "c"]
    assert out[0] == {"id": "a", "decision": "resubmit",
                      "findings": [{"type": "GITHUB_TOKEN", "start": 6, "end": 46, "score": 0.95}]}
    assert out[1] == {"id": 2, "decision": "clean", "findings": []}
    assert out[2]["decision"] == "resubmit" and out[2]["findings"][0]["type"] == "EMAIL_ADDRESS"
    assert SECRET not in proc.stdout + proc.stderr and "anna.schmidt" not in proc.stdout + proc.stderr


def test_bad_lines_get_an_error_line_and_a_message_and_the_run_goes_on():
    lines = ["not json", json.dumps({"id": 7}), json.dumps({"id": 8, "text": 5}),
             json.dumps({"id": 9, "text": "x", "sender": {"nme": "typo"}}), json.dumps([1, 2]),
             json.dumps({"id": 10, "text": "all good"})]
    proc = _run(lines)
    assert proc.returncode == 0
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("id") for o in out] == [None, 7, 8, 9, None, 10]
    assert [("error" in o) for o in out] == [True, True, True, True, True, False]
    assert "line 1: invalid JSON" in proc.stderr and "line 2: missing 'text'" in proc.stderr
    assert "unknown key(s) ['nme']" in proc.stderr
    assert out[-1]["decision"] == "clean"


def test_answers_stream_before_stdin_is_closed():
    proc = subprocess.Popen([*SUPPORTBOT, "redact", "--jsonl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env())
    try:
        assert proc.stdin and proc.stdout
        proc.stdin.write(json.dumps({"id": 1, "text": f"key {SECRET}"}) + "\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "no answer while stdin is still open"
        assert json.loads(proc.stdout.readline())["decision"] == "resubmit"
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_a_bad_config_is_a_clear_error(tmp_path):
    cfg = tmp_path / "redaction.toml"
    cfg.write_text("[engine]\nbatch = 3\n")
    proc = _run([json.dumps({"id": 1, "text": "x"})], "--config", str(cfg))
    assert proc.returncode == 1
    assert "unknown key 'batch'" in proc.stderr and proc.stdout == ""


def test_the_sender_may_name_the_organizations_registered_users_and_domains():
    import pytest

    from redaction.cli import BadLine, parse_line

    _id, _text, sender = parse_line(json.dumps({"id": 1, "text": "x", "sender": {
        "name": "Mia Hartmann", "org_users": ["Grace Liu", "jonas@kaufwerk.de"], "org_domains": ["kaufwerk.com"]}}))
    assert sender is not None and sender.org_users == ("Grace Liu", "jonas@kaufwerk.de")
    assert sender.org_domains == ("kaufwerk.com",)
    with pytest.raises(BadLine, match="lists of strings"):
        parse_line(json.dumps({"id": 2, "text": "x", "sender": {"org_users": "Grace Liu"}}))


def test_explain_lists_every_candidate_with_its_party_and_basis_and_no_values():
    text = ("Hallo, ruf mich an unter 0171 4455667.\n\n-----Ursprüngliche Nachricht-----\nVon: Anna Schmidt "
            "<anna.schmidt@gmx.de>\nGesendet: Montag\nBetreff: Retoure\n\nWo bleibt mein Geld?\nAnna Schmidt")
    lines = [json.dumps({"id": 1, "text": text, "sender": {"name": "Katrin Vogel", "email": "k.vogel@radhaus.de"}})]
    proc = _run(lines, "--explain")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["decision"] == "resubmit"
    by_span = {text[c["start"]:c["end"]]: c for c in out["candidates"]}
    assert by_span["0171 4455667"]["party"] == "sender" and by_span["0171 4455667"]["suppressed_by"]
    assert by_span["anna.schmidt@gmx.de"]["party"] == "third_party"
    assert "forwarded" in by_span["anna.schmidt@gmx.de"]["basis"]
    assert "0171" not in proc.stdout and "anna.schmidt" not in proc.stdout + proc.stderr
