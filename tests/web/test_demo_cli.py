"""``supportbot demo`` as a newcomer runs it: starts, serves the console and the stand-ins, stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_base() -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base > 60000:
            continue
        ok = True
        for port in range(base, base + 4):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
        if ok:
            return base
    raise RuntimeError("no four free consecutive ports")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read()


def test_supportbot_demo_starts_everything_and_stops_cleanly_on_ctrl_c(tmp_path):
    base = _free_base()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTBOT_", "SLACK_"))}
    env["SUPPORTBOT_DATA_DIR"] = str(tmp_path / "unused")
    exe = Path(sys.executable).with_name("supportbot")
    proc = subprocess.Popen([str(exe), "demo", "--no-browser", "--port", str(base), "--dir", str(tmp_path / "sb")],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        console = f"http://127.0.0.1:{base + 1}"
        while True:
            try:
                home = _get(console + "/")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                assert time.monotonic() < deadline, "the sandbox console did not come up"
                time.sleep(0.5)
        assert b"Sandbox console" in home
        summary = json.loads(_get(console + "/status/api/v2/summary.json"))
        assert summary["components"][0]["name"] == "Support Portal"
        assert summary["components"][0]["status"] == "operational"
        while True:  # the console starts first; the bot's web process follows
            try:
                health = json.loads(_get(f"http://127.0.0.1:{base}/healthz"))
                break
            except OSError:
                assert time.monotonic() < deadline, "the web process did not come up"
                time.sleep(0.5)
        assert health["ok"], health
        assert set(health["checks"]) == {"db", "imap", "slack"}
        accounts = (tmp_path / "sb" / "accounts.txt").read_text()
        assert "compliance\t" in accounts and "operator\t" in accounts
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            raise AssertionError("the demo did not stop within 40 s of Ctrl-C") from None
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-3000:]
    assert "Sandbox console (start here)" in text and "stopping the sandbox" in text
