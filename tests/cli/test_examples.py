"""The worked example in config/: `supportbot check` names the marked example values still in place,
as warnings (exit 0), and none once they are changed; bad settings are a clear error, no traceback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from intake.examples import ENV_EXAMPLE, example_values, marked_env_values
from intake.settings import CONFIG_DIR, load_settings

ROOT = Path(__file__).resolve().parents[2]
EXE = shutil.which("supportbot", path=str(Path(sys.executable).parent)) or "supportbot"


def _example_env() -> dict[str, str]:
    """config/env.example as the environment (secrets given as files are left out)."""
    env: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*?)(\s+#.*)?$", line)
        if m and not m[1].endswith("_FILE"):
            env[m[1]] = m[2]
    for key in ("SUPPORTBOT_POLICY", "SUPPORTBOT_CUSTOMERS", "SUPPORTBOT_REDACTION_CONFIG"):
        env[key] = str(ROOT / env[key])
    return env


def test_the_example_is_the_vendor_of_the_terms_and_marks_what_to_change():
    env = _example_env()
    assert env["SUPPORTBOT_STATUSPAGE_URL"] == "https://laioutr.statuspage.io"
    assert env["SUPPORTBOT_SUPPORT_WEBSITE_URL"] == "https://support.laioutr.com"
    assert env["SUPPORTBOT_SUPPORT_ADDRESS"].endswith("@laioutr.com")
    marked = {key for key, _value, _why in marked_env_values()}
    assert {"SUPPORTBOT_IMAP_HOST", "SUPPORTBOT_SMTP_HOST", "SUPPORTBOT_AUTHSERV_IDS",
            "SUPPORTBOT_SLACK_TRIAGE_CHANNEL"} <= marked


def test_check_lists_the_example_values_still_in_place(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTBOT_", "SLACK_", "DATABASE_URL"))}
    env |= _example_env() | {"SUPPORTBOT_DATA_DIR": str(tmp_path)}
    out = subprocess.run([EXE, "check"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    warn = [line for line in out.stdout.splitlines() if line.startswith("warn examples")]
    assert warn, out.stdout + out.stderr
    for key in ("SUPPORTBOT_IMAP_HOST", "SUPPORTBOT_AUTHSERV_IDS", "SUPPORTBOT_SLACK_TRIAGE_CHANNEL",
                "SUPPORTBOT_CUSTOMERS"):
        assert key in out.stdout
    assert "Traceback" not in out.stderr


def test_changed_values_are_not_reported(tmp_path):
    customers = tmp_path / "customers.toml"
    customers.write_text((CONFIG_DIR / "customers.example.toml").read_text())
    settings = load_settings(data_dir=tmp_path, imap_host="imap.laioutr-mail.net", smtp_host="smtp.laioutr-mail.net",
                             authserv_ids="mx.laioutr-mail.net", slack_triage_channel="C07TRIAGE1",
                             customers_path=customers)
    left = {v.where for v in example_values(settings)}
    assert not left & {"SUPPORTBOT_IMAP_HOST", "SUPPORTBOT_SMTP_HOST", "SUPPORTBOT_AUTHSERV_IDS",
                       "SUPPORTBOT_SLACK_TRIAGE_CHANNEL", "SUPPORTBOT_CUSTOMERS"}


def test_a_bad_setting_is_a_clear_error_not_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTBOT_", "SLACK_"))}
    env |= {"SUPPORTBOT_DATA_DIR": str(tmp_path), "SUPPORTBOT_SMTP_PASSWORD_FILE": str(tmp_path / "missing")}
    out = subprocess.run([EXE, "check"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert out.returncode != 0
    assert "bad configuration" in out.stderr and "SUPPORTBOT_SMTP_PASSWORD_FILE" in out.stderr
    assert "Traceback" not in out.stderr
