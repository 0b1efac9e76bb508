"""A text builder that records the exact span of every planted value.

Templates are rendered piece by piece, so a label's offsets are known by construction rather
than found again by searching the text (a value may occur twice, once labelled and once not).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

_FORMATTER = string.Formatter()


@dataclass(frozen=True, slots=True)
class Value:
    """A planted value: ``text`` is what appears in the message; ``raw`` the value unwrapped."""

    text: str
    type: str
    category: str  # "pii" | "secret"
    raw: str = ""

    @property
    def value(self) -> str:
        return self.raw or self.text


def pii(text: str, type_: str) -> Value:
    return Value(text, type_, "pii")


def secret(text: str, type_: str) -> Value:
    return Value(text, type_, "secret")


@dataclass
class Label:
    type: str
    start: int
    end: int
    category: str
    raw: str

    def public(self) -> dict[str, object]:
        return {"type": self.type, "start": self.start, "end": self.end, "category": self.category}


@dataclass
class Doc:
    parts: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    length: int = 0

    def add(self, text: str) -> Doc:
        self.parts.append(text)
        self.length += len(text)
        return self

    def put(self, value: Value | str) -> Doc:
        if isinstance(value, str):
            return self.add(value)
        start = self.length
        self.add(value.text)
        self.labels.append(Label(value.type, start, self.length, value.category, value.value))
        return self

    def fmt(self, template: str, **fields: object) -> Doc:
        """Render ``template`` (``str.format`` field syntax, names only), labelling ``Value`` fields."""
        for literal, name, spec, _conv in _FORMATTER.parse(template):
            if literal:
                self.add(literal)
            if name is not None:
                value = fields[name]
                self.put(value if isinstance(value, Value) else format(value, spec or ""))
        return self

    def embed(self, inner: Doc, *, prefix: str = "", first_prefix: bool = True) -> Doc:
        """Append ``inner`` with ``prefix`` after each newline (and at its start): quoted replies."""
        src = inner.text
        out: list[str] = []
        pos_map: list[int] = []
        base = self.length
        cur = 0
        if first_prefix and prefix:
            out.append(prefix)
            cur += len(prefix)
        for i, ch in enumerate(src):
            pos_map.append(base + cur)
            out.append(ch)
            cur += 1
            if ch == "\n" and prefix and i + 1 < len(src):
                out.append(prefix)
                cur += len(prefix)
        pos_map.append(base + cur)
        for lab in inner.labels:
            start = pos_map[lab.start]
            end = pos_map[lab.end - 1] + 1
            self.labels.append(Label(lab.type, start, end, lab.category, lab.raw))
        return self.add("".join(out))

    @property
    def text(self) -> str:
        return "".join(self.parts)


def wrap(value: Value, at: int, sep: str = "\n") -> Value:
    """The value broken across lines at ``at`` (as a mail client wraps long lines)."""
    raw = value.value
    at = max(1, min(at, len(raw) - 1))
    return Value(raw[:at] + sep + raw[at:], value.type, value.category, raw)


def unwrap(text: str) -> str:
    """Undo ``wrap`` and quoting: drop line breaks and the ``> `` quote markers after them."""
    out = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if i > 0:
            line = line.lstrip()
            while line.startswith(">"):
                line = line[1:].lstrip(" ")
        out.append(line)
    return "".join(out)
