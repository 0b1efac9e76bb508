"""What the vendored gitleaks rules add: provider-format coverage and false flags, before and after.

    .venv/bin/python bench/compare_secret_rules.py [--samples-per-rule 3] [--dev FILE]

1. **Coverage**: for every vendored gitleaks rule, sample values are generated from the rule's own
   regex (kept only when the rule itself accepts them: entropy floor and allowlists included) and
   pasted into a short support mail. Prints how many rules' samples the engine flags with and
   without ``gitleaks_rules`` (and detect-secrets' default plugins on the same lines, when the
   ``detect_secrets`` package is importable). Generated from the rules, so this measures format
   coverage, not precision.
2. **False flags and recall** on the labelled corpora (generated seeds 1-2, holdout, holdout2, and
   the development set when ``--dev`` is given, scored with its vendor table), with and without
   ``gitleaks_rules``: secret recall and clean false-flag rate.

Samples are random strings: nobody's credentials.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # Python 3.11+
    import re._constants as C  # noqa: N812
    import re._parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]  # noqa: N812
    import sre_parse  # type: ignore[no-redef]

from eval.score import score_decisions, sender_of  # noqa: E402
from redaction.config import load_config  # noqa: E402
from redaction.engine import Redactor  # noqa: E402
from redaction.recognizers.gitleaks_rules import go_regex, load_rules, make  # noqa: E402

_PRINTABLE = string.ascii_letters + string.digits
_CATEGORY = {
    C.CATEGORY_DIGIT: string.digits, C.CATEGORY_WORD: _PRINTABLE + "_", C.CATEGORY_SPACE: " ",
    C.CATEGORY_NOT_DIGIT: string.ascii_letters, C.CATEGORY_NOT_WORD: " ", C.CATEGORY_NOT_SPACE: _PRINTABLE,
}


def _charset(av: list, rng: random.Random) -> str:
    chars: list[str] = []
    negate = False
    for op, arg in av:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            chars.append(chr(arg))
        elif op is C.RANGE:
            lo, hi = arg
            chars.extend(chr(c) for c in range(lo, min(hi, lo + 200) + 1))
        elif op is C.CATEGORY:
            chars.extend(_CATEGORY.get(arg, "a"))
    if negate:
        allowed = [c for c in _PRINTABLE + " " if c not in chars]
        return rng.choice(allowed)
    return rng.choice(chars) if chars else "a"


def _gen(items: list, rng: random.Random) -> str:
    out: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.NOT_LITERAL:
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != av]))
        elif op is C.IN:
            out.append(_charset(av, rng))
        elif op is C.ANY:
            out.append(rng.choice(_PRINTABLE))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            if op is C.MIN_REPEAT:
                n = lo
            else:
                hi = lo + 12 if hi is C.MAXREPEAT else hi
                n = rng.randint(lo, min(hi, lo + 60))
            out.extend(_gen(sub, rng) for _ in range(n))
        elif op is C.SUBPATTERN:
            out.append(_gen(av[-1], rng))
        elif op is C.BRANCH:
            out.append(_gen(rng.choice(av[1]), rng))
        elif op is C.CATEGORY:
            out.append(rng.choice(_CATEGORY.get(av, "a")))
        elif op is getattr(C, "ATOMIC_GROUP", None):
            out.append(_gen(av, rng))
        # AT (anchors), ASSERT, ASSERT_NOT, GROUPREF: nothing to emit
    return "".join(out)


def samples(per_rule: int, seed: int = 1) -> dict[str, list[str]]:
    """Per vendored rule, up to ``per_rule`` generated matches the rule itself accepts."""
    rng = random.Random(seed)
    recognizer = make()
    out: dict[str, list[str]] = {}
    for rule in load_rules().rules:
        parsed = sre_parse.parse(rule.regex.pattern, rule.regex.flags)
        got: list[str] = []
        for _ in range(60):
            if len(got) >= per_rule:
                break
            value = _gen(list(parsed), rng).strip()
            if "\n" in value or not value:
                continue
            if any(rid == rule.id for *_x, rid in recognizer.find(value + "\n")):
                got.append(value)
        if got:
            out[rule.id] = got
    return out


TEMPLATE = "Hi team,\n\nthe sync job fails since this morning. This is what we have in the config:\n\n{value}\n\nCould you have a look?\nThanks, Mia"


def without_gitleaks(config_path: Path | None) -> Redactor:
    config = load_config(config_path)
    return Redactor(dataclasses.replace(config, recognizers=tuple(n for n in config.recognizers if n != "gitleaks_rules")))


def coverage(per_rule: int) -> None:
    made = samples(per_rule)
    texts = [(rid, TEMPLATE.format(value=v)) for rid, vals in made.items() for v in vals]
    print(f"gitleaks rules vendored: {len(load_rules().rules)} (excluded {len(load_rules().excluded)}); "
          f"rules with generated samples: {len(made)}; samples: {len(texts)}")
    before, after = without_gitleaks(None), Redactor.from_config(None)
    rows = []
    for name, red in (("without gitleaks_rules", before), ("with gitleaks_rules", after)):
        decisions = red.check_many([(t, None) for _rid, t in texts])
        flagged_rules = {rid for (rid, _t), d in zip(texts, decisions, strict=True) if not d.clean}
        flagged = sum(not d.clean for d in decisions)
        rows.append((name, flagged, len(flagged_rules)))
    try:
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import default_settings

        generic = {"Base64 High Entropy String", "Hex High Entropy String", "Secret Keyword"}
        with default_settings():
            found = [(rid, {s.type for s in scan_line(t.split("\n\n")[2])}) for rid, t in texts]
        ds_all = [rid for rid, types in found if types]
        ds_provider = [rid for rid, types in found if types - generic]
        rows.append(("detect-secrets, all default plugins", len(ds_all), len(set(ds_all))))
        rows.append(("detect-secrets, provider plugins only", len(ds_provider), len(set(ds_provider))))
    except ImportError:
        rows.append(("detect-secrets (not installed: skipped)", -1, -1))
    print(f"{'engine':<40}{'samples flagged':>18}{'rules covered':>16}")
    for name, flagged, n_rules in rows:
        if flagged < 0:
            print(f"{name:<40}{'-':>18}{'-':>16}")
        else:
            print(f"{name:<40}{f'{flagged}/{len(texts)}':>18}{f'{n_rules}/{len(made)}':>16}")


def load_jsonl(path: Path) -> list[dict]:
    import json

    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpora(dev: Path | None, dev_config: Path | None) -> None:
    from eval.corpus import generate

    sets: list[tuple[str, list[dict], Path | None]] = [
        ("generated seed 1 (480)", generate(1, 480), None),
        ("generated seed 2 (480)", generate(2, 480), None),
        ("holdout (319)", load_jsonl(ROOT / "tests/fixtures/redaction/holdout.jsonl"), None),
        ("holdout2 (240)", load_jsonl(ROOT / "tests/fixtures/redaction/holdout2.jsonl"), None),
    ]
    if dev is not None:
        sets.append((f"dev ({dev.name})", load_jsonl(dev), dev_config))
    print(f"\n{'corpus':<26}{'rules':<10}{'secret recall':>15}{'clean false-flag':>18}{'msgs/s':>9}")
    for name, items, cfg in sets:
        for label, red in (("without", without_gitleaks(cfg)), ("with", Redactor.from_config(cfg))):
            t = time.perf_counter()
            decisions = red.check_many([(i["text"], sender_of(i)) for i in items])
            rate = len(items) / (time.perf_counter() - t)
            r = score_decisions(items, decisions)
            sr = "n/a" if r["secret_recall"] is None else f"{r['secret_recall'] * 100:.1f}% ({r['secret_messages']})"
            ff = "n/a" if r["clean_false_flag"] is None else f"{r['clean_false_flag'] * 100:.1f}% ({r['clean_messages']})"
            print(f"{name:<26}{label:<10}{sr:>15}{ff:>18}{rate:>9.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples-per-rule", type=int, default=3)
    parser.add_argument("--dev", type=Path, help="a labelled JSONL development set")
    parser.add_argument("--dev-config", type=Path, help="redaction config with the dev set's [vendor] table")
    args = parser.parse_args()
    assert go_regex("a(?i)b") == "a(?i:b)"
    coverage(args.samples_per_rule)
    corpora(args.dev, args.dev_config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
