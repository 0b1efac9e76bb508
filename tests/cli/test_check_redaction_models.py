"""`supportbot check` names every spaCy model the redaction config routes a language to."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXE = shutil.which("supportbot", path=str(Path(sys.executable).parent)) or "supportbot"


def _check(tmp_path: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTBOT_", "SLACK_", "DATABASE_URL"))}
    env |= {"SUPPORTBOT_DATA_DIR": str(tmp_path), "SUPPORTBOT_REDACTION_CONFIG": str(config)}
    return subprocess.run([EXE, "check"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)


def test_the_languages_and_their_backends_are_reported(tmp_path):
    out = _check(tmp_path, ROOT / "config" / "redaction.toml")
    line = next(line for line in out.stdout.splitlines() if line.startswith("ok   redaction"))
    assert "fr: fr_core_news_sm+lexicon" in line and "de: lexicon" in line


def test_a_missing_model_for_a_language_is_named(tmp_path):
    config = tmp_path / "redaction.toml"
    text = (ROOT / "config" / "redaction.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('"fr_core_news_sm"', '"fr_core_news_missing"'), encoding="utf-8")
    out = _check(tmp_path, config)
    assert out.returncode != 0
    assert "FAIL redaction" in out.stderr and "fr_core_news_missing" in out.stderr
    assert "Traceback" not in out.stderr
