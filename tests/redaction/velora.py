"""The redaction engine as the fictional vendor Velora deploys it: the shipped config/redaction.toml
with the ``[vendor]`` table of eval/velora.toml. The generated corpus, holdouts 1 and 2 and the table
tests quote Velora's staff, domains and products; the shipped config is the worked example of a real
vendor (Laioutr). Built once per test session (one engine, one model load), like ``get_redactor``."""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from redaction import engine

ROOT = Path(__file__).resolve().parents[2]
VELORA_VENDOR = ROOT / "eval" / "velora.toml"


@cache
def velora_config_path() -> Path:
    """A config file: the shipped one, its [vendor] section replaced by Velora's."""
    shipped = (ROOT / "config" / "redaction.toml").read_text(encoding="utf-8")
    vendor = VELORA_VENDOR.read_text(encoding="utf-8")
    start = re.search(r"(?m)^\[vendor\]$", vendor)
    if start is None:
        raise RuntimeError(f"{VELORA_VENDOR} has no [vendor] table")
    vendor = vendor[start.start():].rstrip() + "\n\n"
    replaced, n = re.subn(r"(?ms)^\[vendor\]\n.*?(?=^\[)", lambda _m: vendor, shipped, count=1)
    if n != 1:
        raise RuntimeError("config/redaction.toml has no [vendor] section followed by another section")
    directory = Path(tempfile.mkdtemp(prefix="velora-config-"))
    atexit.register(shutil.rmtree, directory, True)
    path = directory / "redaction.toml"
    path.write_text(replaced, encoding="utf-8")
    return path


def get_redactor(config_path: Path | None = None, *, model: str | None = None) -> Any:
    """``redaction.engine.get_redactor`` for Velora's config (or the given one)."""
    return engine.get_redactor(config_path or velora_config_path(), model=model)


def load_config(path: Path | None = None, **kw: Any) -> Any:
    from redaction.config import load_config as load

    return load(path or velora_config_path(), **kw)
