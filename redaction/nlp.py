"""Loading the spaCy pipeline once per process, with only the pipes NER needs.

``en_core_web_sm`` runs tok2vec, tagger, parser, attribute_ruler, lemmatizer and ner; its ``ner``
carries its own embedding layer (the shared ``tok2vec`` only feeds tagger and parser), so NER alone
is enough and runs about twice as fast as the full pipeline (measured in ``bench/``). ``_lg`` has
the same shape; in ``_trf`` the ``transformer`` feeds ``ner`` and is kept. Which pipes feed NER is
read from the loaded pipeline (``listening_components``), not hard-coded per model.

tldextract (used by Presidio's URL/email recognizers, and possibly by other imports) must never
reach out for the public-suffix list: :func:`offline_tldextract` points it at the bundled snapshot.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


_NEVER_NEEDED = ("parser", "tagger", "morphologizer", "lemmatizer", "attribute_ruler", "senter", "trainable_lemmatizer")


class ModelNotInstalled(RuntimeError):
    """The configured spaCy model is not installed; the message says how to install it."""


def offline_tldextract() -> None:
    """Make tldextract's module-level extractor use its bundled suffix-list snapshot.

    ``tldextract.extract`` (what Presidio's email recognizer calls) looks the global
    ``TLD_EXTRACTOR`` up at call time, so replacing it is enough: no URL list, no disk cache.
    """
    import tldextract.tldextract as tx

    if getattr(tx.TLD_EXTRACTOR, "suffix_list_urls", None) or getattr(tx.TLD_EXTRACTOR, "_cache", None) is None \
            or tx.TLD_EXTRACTOR._cache.enabled:
        tx.TLD_EXTRACTOR = tx.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def needed_pipes(nlp: Any) -> list[str]:
    """``ner`` plus every component it listens to (tok2vec/transformer shared embeddings)."""
    if "ner" not in nlp.pipe_names:
        raise ModelNotInstalled(f"spaCy pipeline {nlp.meta.get('name')!r} has no 'ner' component")
    keep = ["ner"]
    for name, proc in nlp.pipeline:
        listeners = getattr(proc, "listening_components", None) or []
        if "ner" in listeners:
            keep.append(name)
    return [n for n in nlp.pipe_names if n in keep]


def model_installed(model: str) -> bool:
    """Whether the spaCy pipeline ``model`` can be loaded: an installed package or a directory."""
    import importlib.util
    from pathlib import Path

    try:
        if importlib.util.find_spec(model) is not None:
            return True
    except (ImportError, ValueError):
        pass
    return Path(model).is_dir()


@lru_cache(maxsize=8)
def load_ner(model: str) -> Any:
    """Load ``model`` once per process with every pipe NER doesn't need disabled."""
    with _LOCK:
        offline_tldextract()
        import spacy

        try:
            # Components NER never listens to are not even loaded (the French pipeline's lemmatizer
            # tables and parser weigh ~150 MB); tok2vec/transformer stay until ``needed_pipes``.
            nlp = spacy.load(model, exclude=list(_NEVER_NEEDED))
        except OSError as exc:
            raise ModelNotInstalled(
                f"spaCy model {model!r} is not installed: install the pinned models "
                f"(pip install --require-hashes --no-deps -r requirements/model.txt), or "
                f"`python -m spacy download {model}`; the English one is [engine] model / "
                f"SUPPORTBOT_SPACY_MODEL, the others [engine.ner] ({exc})"
            ) from exc
        keep = needed_pipes(nlp)
        nlp.select_pipes(enable=keep)
        log.info("spaCy model %s loaded; pipes enabled: %s", model, ",".join(keep))
        return nlp
