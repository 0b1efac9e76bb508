"""The wheel holds the product only: intake, bot and redaction, without the sandbox or the evaluation
(corpus generator and scorer). Built with ``python -m build`` from a copy of the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.paths import ROOT

SOURCES = ("pyproject.toml", "README.md", "intake", "bot", "redaction", "sandbox", "eval")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    # --no-isolation: the build backend comes from the test extra, so no download is needed.
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(work / "dist"),
                           str(src)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    [wheel] = (work / "dist").glob("supportbot-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def test_the_wheel_holds_only_intake_bot_and_redaction(wheel_names: list[str]) -> None:
    tops = {name.split("/", 1)[0] for name in wheel_names}
    assert tops - {"intake", "bot", "redaction"} == {next(t for t in tops if t.endswith(".dist-info"))}


def test_the_wheel_has_no_sandbox_corpus_or_scorer(wheel_names: list[str]) -> None:
    offending = [n for n in wheel_names
                 if any(part in n for part in ("sandbox", "eval/", "corpus", "score.py", "demo"))]
    assert offending == []


def test_the_wheel_has_what_the_product_needs_at_run_time(wheel_names: list[str]) -> None:
    for needed in ("intake/cli.py", "intake/wiring.py", "intake/store/redaction_log.py",
                   "intake/store/migrations/script.py.mako", "intake/web/templates/base.html",
                   "intake/web/static/style.css", "bot/app.py", "redaction/engine.py",
                   "redaction/recognizers/jwt.py", "redaction/recognizers/rulesets/gitleaks.toml",
                   "redaction/recognizers/rulesets/gitleaks.LICENSE",
                   "redaction/recognizers/rulesets/psp_test_cards.toml"):
        assert needed in wheel_names
