"""Which language a piece of prose is in: py3langid, its model shipped in the wheel (no download).

Why py3langid (measured in docs/redaction.md, "Languages"): on short support-desk sentences with
English product words mixed in (``tests/redaction/lang_samples.py``) it was right on every sample
when restricted to the configured languages, also on five-word fragments, at 30-70 µs a segment;
lingua was as accurate only in its high-accuracy mode at 3x the time and a 96 MB wheel; langdetect
was 30x slower, random unless seeded and wrong on a twelfth of the fragments. BSD-3-Clause, 4.6 MB.

Restricting the candidates to the languages customers write (``[engine] languages``) is what makes
short text reliable: among all 142 of the model's labels "El señor Javier Ortega pagó" is
Extremaduran. Text with too few letters to tell takes the message's language, and a message with
too few letters the configured default.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import regex

# py3langid 0.4's labels (checked against the model by tests/redaction/test_lang.py): known here
# so that the configuration can be validated without loading the model (about a second).
_LABELS = frozenset(
    "ace af am an ar ary arz as az ba bcl be bg bn br bs ca crh cs cy da de dz el en eo es et eu ext fa fi "
    "fo fr fuv fy ga gcf gcr gd gl gom grc gu gug guw ha hbo he hi hr ht hu hy id ig is it ja jv ka kab kik "
    "kk km kn ko ku ky la lb lg lij ln lo lt ltg lv mg mk ml mn mr ms mt my ne nl nn no nso oc om or pa pcm "
    "pl ps pt qu ro ru rw sa sdh se si sk sl sn so sq sr st sv sw ta te tg th tk tl tr tt ug uk ur uz uzs vec "
    "vi vo wa wuu xh yo yue zh zu zxx".split()
)
_LETTER = regex.compile(r"\p{L}")
# py3langid scores character n-grams in a Python loop (~1 ms per 1,000 characters): a message's
# language is read from its first 600 characters of prose, a segment's from its first 400.
MAX_DETECT_CHARS = 600
MAX_SEGMENT_CHARS = 400
_LOCK = threading.Lock()


def supported_languages() -> frozenset[str]:
    """The language codes the shipped model can tell apart."""
    return _LABELS


def letters(text: str) -> int:
    return len(_LETTER.findall(text))


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    with _LOCK:
        ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        ident.set_languages(list(languages))
        return ident


class LanguageDetector:
    """Detects the language of prose among ``languages``; ``default`` when it can't tell.

    ``detect`` on a single text; :meth:`segments` for a message's prose segments, where a short
    segment takes the language of the whole message.
    """

    def __init__(self, languages: Sequence[str], default: str, min_letters: int = 24) -> None:
        self.languages = tuple(dict.fromkeys(languages))
        self.default = default
        self.min_letters = min_letters

    def load(self) -> None:
        if len(self.languages) > 1:
            _identifier(self.languages)

    def detect(self, text: str, fallback: str | None = None) -> str:
        """The language of ``text``; ``fallback`` (or the default) with fewer than ``min_letters`` letters."""
        fallback = fallback or self.default
        if len(self.languages) < 2:
            return self.languages[0] if self.languages else fallback
        text = text[:MAX_DETECT_CHARS]
        if letters(text) < self.min_letters:
            return fallback
        lang, _prob = _identifier(self.languages).classify(text)
        return str(lang)

    def segments(self, text: str, spans: Sequence[tuple[int, int]], whole: Sequence[tuple[int, int]] = ()
                 ) -> tuple[str, list[str]]:
        """``(message language, [language of each span])``.

        The message's language is read from ``whole`` (all of its prose; ``spans`` when empty).
        A span long enough to tell gets its own language, so a French customer's mail forwarded
        under a German note is routed to the French model.
        """
        whole = whole or spans
        if len(self.languages) < 2:
            lang = self.languages[0] if self.languages else self.default
            return lang, [lang] * len(spans)
        parts: list[str] = []
        size = 0
        for s, e in whole:
            if size >= MAX_DETECT_CHARS:
                break
            parts.append(text[s:min(e, s + MAX_DETECT_CHARS - size)])
            size += len(parts[-1]) + 1
        message = self.detect("\n".join(parts))
        if len(spans) == 1 and tuple(spans) == tuple(whole):
            return message, [message] * len(spans)
        return message, [self.detect(text[s:min(e, s + MAX_SEGMENT_CHARS)], message) for s, e in spans]
