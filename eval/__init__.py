"""Evaluation of the redaction stage: the seeded labelled corpus (``eval.corpus``) and the scorer
(``eval.score``). Not part of the product and not in the wheel; used by tests, ``bench/`` and docs."""
