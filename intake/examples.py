"""Which of the shipped worked example's values are still in place (``supportbot check``).

``config/`` ships a worked example: the profile of the vendor whose terms supportbot enforces
(Laioutr: its status page, support website and domain), with every place an operator must change
marked ``# CHANGE:`` in ``config/env.example`` and ``config/redaction.toml``. This module finds the
marked values that the running configuration still uses, so ``supportbot check`` can say which ones
are left, one line each, without failing: a sandbox or a first try may well run on them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.settings import CONFIG_DIR, Settings

ENV_EXAMPLE = CONFIG_DIR / "env.example"
CUSTOMERS_EXAMPLE = CONFIG_DIR / "customers.example.toml"
_MARKED = re.compile(r"^\s*#?\s*(?P<key>[A-Z][A-Z0-9_]*)=(?P<value>.*?)\s+#\s*CHANGE:\s*(?P<why>.*)$")


@dataclass(frozen=True)
class ExampleValue:
    where: str  # the variable or the file and key
    value: str
    why: str

    def __str__(self) -> str:
        return f"{self.where} = {self.value!r} is the worked example's: {self.why}"


def marked_env_values(path: Path = ENV_EXAMPLE) -> list[tuple[str, str, str]]:
    """``(VARIABLE, example value, why)`` for every ``# CHANGE:`` line of the env example."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _MARKED.match(line)
        if m:
            out.append((m["key"], m["value"], m["why"].strip()))
    return out


def _env_names(settings: Settings) -> dict[str, str]:
    """Environment variable -> settings field (from the fields' aliases)."""
    names: dict[str, str] = {}
    for field_name, info in type(settings).model_fields.items():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None) or ([alias] if isinstance(alias, str) else [])
        for choice in choices:
            if isinstance(choice, str):
                names[choice] = field_name
                names[choice + "_FILE"] = field_name
    return names


def _plain(value: Any) -> str:
    if hasattr(value, "get_secret_value"):
        return str(value.get_secret_value())
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def example_values(settings: Settings, *, env_example: Path = ENV_EXAMPLE) -> list[ExampleValue]:
    """The marked example values that ``settings`` still uses."""
    found: list[ExampleValue] = []
    fields = _env_names(settings)
    for key, value, why in marked_env_values(env_example):
        field = fields.get(key)
        if field is None or key.endswith("_FILE"):
            continue  # a secret's file path says nothing about the secret
        current = getattr(settings, field, None)
        if current is not None and _plain(current) == value:
            found.append(ExampleValue(key, value, why))
    if Path(settings.customers_path).resolve() == CUSTOMERS_EXAMPLE.resolve():
        found.append(ExampleValue("SUPPORTBOT_CUSTOMERS", str(settings.customers_path),
                                  "the example organizations; import your own (supportbot customers import-csv)"))
    found.extend(_redaction_examples(Path(settings.redaction_config)))
    return found


def _redaction_examples(path: Path) -> list[ExampleValue]:
    """``[vendor]`` entries of the redaction config that still carry the example's CHANGE marker."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError):
        return []  # the redaction check reports unreadable files
    vendor = data.get("vendor", {})
    out = []
    for line in text.splitlines():
        m = re.match(r"^\s*(?P<key>[a-z_]+)\s*=.*#\s*CHANGE:\s*(?P<why>.*)$", line)
        if m and m["key"] in vendor:
            out.append(ExampleValue(f"{path.name} [vendor] {m['key']}", _plain(vendor[m["key"]]), m["why"].strip()))
    return out
