"""Provider secrets from gitleaks' rule set, read as data (``rulesets/gitleaks.toml``, MIT, source and
commit in its header).

gitleaks keeps ~220 provider rules (1Password to Zendesk) with keywords, an entropy floor and
allowlists, maintained by many contributors; our hand-written list had ~50 formats. This module
runs those rules the way gitleaks does:

- **keywords first**: a rule's regex runs only when one of its keywords is in the lowercased text
  (gitleaks uses an Aho-Corasick trie; a ``str in`` per distinct keyword measured faster here than
  a keyword alternation regex or a character-pair index), so most messages run few or no gitleaks
  regexes (0.6 ms per message of the 480-message corpus at load ~9, ~2% of the engine's time);
- the secret is the rule's ``secretGroup`` or its first non-empty capture group;
- a secret whose Shannon entropy is at or below the rule's ``entropy`` is dropped;
- the global and the rule allowlists (regexes on the secret, the match or the line; stopwords;
  ``condition = "AND"``) drop what they allow. Path and commit criteria never hold for a message.

Go RE2 syntax differs from Python's in three places, translated once at load: a mid-pattern
``(?i)`` (scoped to the rest of its group in RE2), ``\\z`` and POSIX classes (``[[:alnum:]]``).
Rules are compiled once per process (:func:`load_rules` is cached). One adaptation for mail: a
token may also end at sentence punctuation or a closing bracket, not only at a quote or space.

Left out, with the reason in :data:`EXCLUDED`: the generic keyword rule (our
``secret_assignment``/``high_entropy`` do that with multilingual labels and placeholder filters),
rules for identifiers and public keys (client ids, publishable keys: not secrets), rules our own
recognizers do with more context (PEM private keys, JWTs, password assignments) and path-only
rules. Rules gitleaks limits to a file path (Kubernetes secret YAML, NuGet config) run on every
message: their patterns name the format themselves.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from presidio_analyzer import LocalRecognizer, RecognizerResult

from redaction.recognizers.base import Category, secret_results

DATA = Path(__file__).resolve().parent / "rulesets" / "gitleaks.toml"
ENTITY = "PROVIDER_SECRET"
SCORE = 0.9

EXCLUDED: dict[str, str] = {
    "generic-api-key": "keyword assignments are secret_assignment/high_entropy (multilingual, placeholder-aware)",
    "pkcs12-file": "path-only rule",
    "private-key": "private_key also reads \\n-escaped, quoted and PuTTY keys",
    "jwt": "jwt validates the header JSON",
    "jwt-base64": "jwt validates the header JSON",
    "flutterwave-public-key": "a public key",
    "lob-pub-api-key": "a publishable key",
    "mailgun-pub-key": "a public validation key",
    "new-relic-browser-api-token": "a browser key, published in every page",
    "hashicorp-tf-password": "a password assignment in a .tf file: secret_assignment",
}
# Identifiers, not secrets: client ids, access-key ids, user ids.
_ID_RULE = re.compile(r"-(?:client|access|api)-id$|-user-api-id$|-client-id$")

_POSIX = {
    "[:alnum:]": "a-zA-Z0-9", "[:alpha:]": "a-zA-Z", "[:digit:]": "0-9", "[:xdigit:]": "0-9a-fA-F",
    "[:upper:]": "A-Z", "[:lower:]": "a-z", "[:space:]": r"\s", "[:word:]": r"\w",
}


def _scope_inline_flags(rx: str) -> str:
    """RE2's mid-pattern ``(?flags)`` applies to the rest of the enclosing group; Python only
    allows global flags at the start. Rewrite ``X(?i)Y|Z)`` as ``X(?i:Y)|(?i:Z))``."""
    out: list[str] = []
    i = 0
    while True:
        m = re.compile(r"\(\?([a-zA-Z]+)\)").search(rx, i)
        if m is None:
            out.append(rx[i:])
            return "".join(out)
        if m.start() == 0 or _in_class(rx, m.start()):
            out.append(rx[i:m.end()])
            i = m.end()
            continue
        flags = m.group(1)
        # the rest of the enclosing group, split at its top-level alternatives
        depth, j, in_cls, alts, start = 0, m.end(), False, [], m.end()
        while j < len(rx):
            c = rx[j]
            if c == "\\":
                j += 2
                continue
            if in_cls:
                in_cls = c != "]"
            elif c == "[":
                in_cls = True
                if rx.startswith("[^]", j) or rx.startswith("[]", j):
                    j += 2 if rx[j + 1] == "]" else 3
                    continue
            elif c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            elif c == "|" and depth == 0:
                alts.append(rx[start:j])
                start = j + 1
            j += 1
        alts.append(rx[start:j])
        out.append(rx[i:m.start()])
        out.append("|".join(f"(?{flags}:{_scope_inline_flags(a)})" if a else "" for a in alts))
        i = j


def _in_class(rx: str, pos: int) -> bool:
    in_cls, j = False, 0
    while j < pos:
        c = rx[j]
        if c == "\\":
            j += 2
            continue
        if in_cls:
            in_cls = c != "]"
        elif c == "[":
            in_cls = True
        j += 1
    return in_cls


def go_regex(rx: str) -> str:
    """A gitleaks (Go RE2) regex in Python ``re`` syntax."""
    for posix, chars in _POSIX.items():
        rx = rx.replace(posix, chars)
    rx = rx.replace(r"\z", r"\Z")
    return _scope_inline_flags(rx)


# gitleaks ends most tokens at a quote, space, semicolon, escaped newline or the end: code. In a
# mail a token also ends a sentence or sits in brackets ("the key is pul-....", "(key: ...)").
_CODE_END = r"""(?:[\x60'"\s;]|\\[nr]|$)"""
_PROSE_END = r"""(?:[\x60'"\s;.,:!?)\]}>]|\\[nr]|$)"""


def _compile(rx: str) -> re.Pattern[str]:
    # RE2's \w, \b, \s and (?i) are ASCII-only.
    return re.compile(go_regex(rx).replace(_CODE_END, _PROSE_END), re.ASCII)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character (gitleaks' ``shannonEntropy``)."""
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values()) if n else 0.0


@dataclass(frozen=True)
class Allowlist:
    target: str  # "secret" | "match" | "line"
    regexes: tuple[re.Pattern[str], ...]
    stopwords: tuple[str, ...]
    all_of: bool  # condition = "AND"
    needs_path_or_commit: bool

    @classmethod
    def from_toml(cls, raw: dict[str, Any]) -> Allowlist:
        return cls(
            target=raw.get("regexTarget", "secret"),
            regexes=tuple(_compile(r) for r in raw.get("regexes", ())),
            stopwords=tuple(w.lower() for w in raw.get("stopwords", ())),
            all_of=raw.get("condition", "OR").upper() == "AND",
            needs_path_or_commit=bool(raw.get("paths") or raw.get("commits")),
        )

    def allows(self, secret: str, match: str, line: str) -> bool:
        target = {"match": match, "line": line}.get(self.target, secret)
        regex_ok = any(r.search(target) for r in self.regexes)
        low = secret.lower()
        stop_ok = any(w in low for w in self.stopwords)
        if self.all_of:
            checks = ([False] if self.needs_path_or_commit else []) + ([regex_ok] if self.regexes else []) \
                + ([stop_ok] if self.stopwords else [])
            return bool(checks) and all(checks)
        return regex_ok or stop_ok


@dataclass(frozen=True)
class GitleaksRule:
    id: str
    regex: re.Pattern[str]
    keywords: tuple[str, ...]
    entropy: float
    secret_group: int
    allowlists: tuple[Allowlist, ...]

    def secret_span(self, m: re.Match[str]) -> tuple[int, int]:
        if self.secret_group and m.re.groups >= self.secret_group:
            return m.span(self.secret_group)
        for g in range(1, m.re.groups + 1):
            if m.group(g):
                return m.span(g)
        return m.span()


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[GitleaksRule, ...]
    global_allow: tuple[Allowlist, ...]
    commit: str
    excluded: tuple[str, ...]


def _header_commit(text: str) -> str:
    m = re.search(r"^#\s+commit:\s+([0-9a-f]{40})", text, re.MULTILINE)
    return m.group(1) if m else ""


@cache
def load_rules(path: Path = DATA) -> RuleSet:
    """The vendored rules, translated and compiled once."""
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    glob = data.get("allowlist") or {}
    global_allow = [Allowlist.from_toml({k: v for k, v in glob.items() if k != "paths"})]
    global_allow += [Allowlist.from_toml(a) for a in data.get("allowlists", ())]
    rules, excluded = [], []
    for raw in data["rules"]:
        rid = raw["id"]
        if rid in EXCLUDED or _ID_RULE.search(rid) or "regex" not in raw:
            excluded.append(rid)
            continue
        rules.append(GitleaksRule(
            id=rid,
            regex=_compile(raw["regex"]),
            keywords=tuple(k.lower() for k in raw.get("keywords", ())),
            entropy=float(raw.get("entropy", 0.0)),
            secret_group=int(raw.get("secretGroup", 0)),
            allowlists=tuple(Allowlist.from_toml(a) for a in raw.get("allowlists", ())),
        ))
    return RuleSet(tuple(rules), tuple(global_allow), _header_commit(text), tuple(excluded))


def _line(text: str, start: int, end: int) -> str:
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    return text[lo: hi if hi >= 0 else len(text)]


class GitleaksRecognizer(LocalRecognizer):
    """Runs the vendored gitleaks rules (keyword pre-filter, entropy floor, allowlists)."""

    category: Category = "secret"

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        by_keyword: dict[str, list[int]] = {}
        self._always: list[int] = []
        for i, rule in enumerate(ruleset.rules):
            if not rule.keywords:
                self._always.append(i)
            for k in rule.keywords:
                by_keyword.setdefault(k, []).append(i)
        self._by_keyword = by_keyword
        super().__init__(supported_entities=[ENTITY], name="gitleaks_rules", supported_language="en")

    def load(self) -> None:  # compiled in load_rules
        pass

    def find(self, text: str) -> list[tuple[int, int, float, str]]:
        low = text.lower()
        picked = set(self._always)
        for keyword, idx in self._by_keyword.items():
            if keyword in low:
                picked.update(idx)
        if not picked:
            return []
        out: list[tuple[int, int, float, str]] = []
        for i in sorted(picked):
            rule = self.ruleset.rules[i]
            for m in rule.regex.finditer(text):
                match = m.group().strip("\n")
                if not match:
                    continue
                start, end = rule.secret_span(m)
                while end > start and text[end - 1] in ".,:!?" and (end == len(text) or text[end].isspace()):
                    end -= 1  # the sentence's full stop, not the token's
                if end <= start:
                    continue
                secret = text[start:end]
                if rule.entropy and entropy(secret) <= rule.entropy:
                    continue
                line = _line(text, m.start(), m.end())
                if any(a.allows(secret, match, line) for a in (*self.ruleset.global_allow, *rule.allowlists)):
                    continue
                out.append((start, end, SCORE, rule.id))
        return out

    def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None) -> list[RecognizerResult]:
        return secret_results(ENTITY, "gitleaks_rules", self.id, self.find(text))


def make(_config: Any = None) -> GitleaksRecognizer:
    return GitleaksRecognizer(load_rules())
