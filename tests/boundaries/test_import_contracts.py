"""The import contracts in ``pyproject.toml`` ([tool.importlinter]) hold, and each one fails when the
boundary it guards is crossed: ``lint-imports`` runs on a copy of the source tree with one violating
import added."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.paths import ROOT

PACKAGES = ("intake", "bot", "redaction", "sandbox", "eval")
# Runs lint-imports with the copy first on the path and without the editable install's finder,
# which would otherwise point ``intake`` & co. back at the checkout.
RUNNER = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "")]
sys.path.insert(0, sys.argv[1])
from importlinter.cli import lint_imports_command
sys.argv = ["lint-imports", "--no-cache"]
lint_imports_command()
"""


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", RUNNER, str(tree)], cwd=tree, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(tree: Path, module: str, statement: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = tree / module.replace(".", "/") / "__init__.py"
    path.write_text(path.read_text() + f"\n{statement}  # noqa: E402, F401\n")


def test_the_contracts_hold_on_the_source_tree(tree: Path) -> None:
    proc = lint_imports(tree)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize(("module", "statement", "contract"), [
    ("redaction.engine", "import intake.settings", "redaction knows nothing of tickets"),
    ("redaction.types", "from intake.store import models", "redaction knows nothing of tickets"),
    ("intake.domain.sla", "import sqlalchemy", "intake.domain imports only the standard library and holidays"),
    ("intake.domain.ticket", "from intake.store import models", "intake.domain imports only the standard library"),
    ("intake.worker", "import bot.notifier", "intake's adapters reach bot only through the one wiring module"),
    ("intake.web.app", "from bot import app", "intake's adapters reach bot only through the one wiring module"),
    ("intake.cli", "import sandbox.demo", "never imports the sandbox or eval"),
    ("bot.blocks", "import eval.score", "never imports the sandbox or eval"),
    ("bot.cli", "import intake.wiring", "the command line above the wiring above the bot"),
    ("intake.store.models", "import intake.services", "no import cycles between the modules of a package"),
])
def test_a_violating_import_breaks_its_contract(tree: Path, module: str, statement: str, contract: str) -> None:
    add_import(tree, module, statement)
    proc = lint_imports(tree)
    assert proc.returncode == 1, proc.stdout[-4000:]
    broken = [line for line in proc.stdout.splitlines() if "BROKEN" in line]
    assert any(contract in line for line in broken), proc.stdout[-4000:]


def test_the_domain_contract_names_every_runtime_dependency_but_holidays() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [domain] = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "domain-pure"]
    forbidden = set(domain["forbidden_modules"])
    wanted = {re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower().replace("_", "-")
              for dep in config["project"]["dependencies"]}
    imports_of: dict[str, set[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for dist in dists:
            imports_of.setdefault(dist.lower().replace("_", "-"), set()).add(module)
    missing = {dist: sorted(m for m in imports_of.get(dist, set()) if not m.startswith("_")) for dist in wanted
               if dist != "holidays" and not {m for m in imports_of.get(dist, set()) if not m.startswith("_")} <= forbidden}
    assert missing == {}
    assert "holidays" not in forbidden
