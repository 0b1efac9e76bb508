"""Supply chain: the hashed lock matches pyproject.toml, the installed set meets the advisory floors,
no strong-copyleft licence in the runtime closure, test-only tools are out of the runtime dependencies.

Advisory databases are not reachable from these machines (``pip-audit`` can't run here): the floors
below are the versions that fixed the advisories known when they were set."""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from lock_inputs import inputs_sha256  # noqa: E402

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# package -> the first version past the advisories (Starlette: Range-header DoS; python-multipart:
# boundary DoS; Jinja2: sandbox escapes).
FLOORS = {"starlette": "0.49.1", "python-multipart": "0.0.18", "jinja2": "3.1.6"}

# Strong copyleft would bind the whole product; weak copyleft is allowed only as listed, with the reason.
STRONG_COPYLEFT = re.compile(r"\b(A?GPL|GNU (Affero )?General Public|SSPL|Server Side Public|EUPL|OSL|CC-BY-SA)",
                             re.IGNORECASE)
WEAK_COPYLEFT = re.compile(r"\b(LGPL|Lesser General Public|MPL|Mozilla Public|EPL|Eclipse Public|CDDL)",
                           re.IGNORECASE)
WEAK_COPYLEFT_ALLOWED = {
    "psycopg": "LGPL-3.0: the PostgreSQL driver, used unmodified as a library (dynamic linking)",
    "psycopg-binary": "LGPL-3.0: the driver's bundled build, unmodified",
    "certifi": "MPL-2.0: Mozilla's CA bundle, an unmodified data file",
    "tqdm": "MPL-2.0 AND MIT: a progress bar pulled in by spaCy, unmodified",
}


def _lock(name: str) -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", line)
        if m:
            pins[canonicalize_name(m.group(1))] = Version(m.group(2))
    return pins


def _runtime_closure() -> dict[str, md.Distribution]:
    """Every installed distribution that ``pip install supportbot`` (no extras) pulls in."""
    seen: dict[str, md.Distribution] = {}

    def walk(name: str, extras: frozenset[str]) -> None:
        key = canonicalize_name(name)
        dist = md.distribution(name)
        first = key not in seen
        seen[key] = dist
        for raw in dist.requires or []:
            req = Requirement(raw)
            wanted = {""} | set(extras)
            if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in wanted):
                continue
            if first or req.marker is not None:
                walk(req.name, frozenset(req.extras))

    walk("supportbot", frozenset())
    del seen["supportbot"]
    return seen


def test_the_lock_files_were_made_from_the_current_dependency_lists() -> None:
    want = inputs_sha256(ROOT / "pyproject.toml")
    for name in ("lock.txt", "lock-dev.txt"):
        head = (ROOT / "requirements" / name).read_text(encoding="utf-8").splitlines()[:3]
        assert f"# inputs-sha256: {want}" in head, f"requirements/{name} is stale: run ./scripts/lock"


def test_every_locked_package_carries_hashes() -> None:
    for name in ("lock.txt", "lock-dev.txt"):
        text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
        pinned = [b for b in blocks if "==" in b.split("\n", 1)[0]]
        assert pinned and all("--hash=sha256:" in b for b in pinned), name


def test_the_lock_satisfies_pyproject_and_the_dev_lock_pins_the_same_versions() -> None:
    deploy, dev = _lock("lock.txt"), _lock("lock-dev.txt")
    for raw in PROJECT["dependencies"]:
        req = Requirement(raw)
        key = canonicalize_name(req.name)
        assert key in deploy, f"{req.name} is not in requirements/lock.txt: run ./scripts/lock"
        assert req.specifier.contains(deploy[key], prereleases=True), (raw, deploy[key])
    for extra in ("test", "sandbox", "procfile"):
        for raw in PROJECT["optional-dependencies"][extra]:
            req = Requirement(raw)
            assert canonicalize_name(req.name) in dev, f"{req.name} ({extra}) missing from lock-dev.txt"
    assert {k: v for k, v in dev.items() if k in deploy} == deploy  # one version of everything


@pytest.mark.parametrize(("package", "floor"), sorted(FLOORS.items()))
def test_installed_locked_and_declared_versions_are_past_the_advisories(package: str, floor: str) -> None:
    assert Version(md.version(package)) >= Version(floor)
    assert _lock("lock.txt")[package] >= Version(floor)
    declared = next(Requirement(r) for r in PROJECT["dependencies"] if canonicalize_name(Requirement(r).name) == package)
    lowest = [Version(s.version) for s in declared.specifier if s.operator in (">=", "==", "~=")]
    assert lowest and min(lowest) >= Version(floor), f"pyproject.toml lets {package} below {floor}"


def _licence(dist: md.Distribution) -> str:
    meta = dist.metadata
    parts = [meta.get("License-Expression") or "", meta.get("License") or ""]
    parts += [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return " | ".join(p for p in parts if p and len(p) < 300) or (meta.get("License") or "")[:300]


def test_no_copyleft_licence_in_the_runtime_closure() -> None:
    closure = _runtime_closure()
    assert {"starlette", "spacy", "slack-bolt"} <= set(closure)
    problems = []
    for name, dist in sorted(closure.items()):
        licence = _licence(dist)
        if not licence.strip():
            problems.append(f"{name}: no licence in its metadata")
        elif STRONG_COPYLEFT.search(WEAK_COPYLEFT.sub("", licence)):
            problems.append(f"{name}: {licence}")
        elif WEAK_COPYLEFT.search(licence) and name not in WEAK_COPYLEFT_ALLOWED:
            problems.append(f"{name}: weak copyleft not reviewed ({licence})")
    assert problems == []
    unused = set(WEAK_COPYLEFT_ALLOWED) - set(closure) - {"psycopg-binary"}
    assert unused == set(), f"no longer in the closure, drop from the allowed list: {unused}"


def test_the_copyleft_check_would_catch_gpl() -> None:
    assert STRONG_COPYLEFT.search("License :: OSI Approved :: GNU General Public License v3 (GPLv3)")
    assert STRONG_COPYLEFT.search("GPL-3.0-or-later") and STRONG_COPYLEFT.search("AGPL-3.0")
    assert not STRONG_COPYLEFT.search(WEAK_COPYLEFT.sub("", "LGPL-3.0-only"))
    assert not STRONG_COPYLEFT.search("BSD-3-Clause | License :: OSI Approved :: MIT License")


def test_test_tools_and_runners_are_extras_not_runtime_dependencies() -> None:
    runtime = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    for name in ("aiosmtpd", "honcho", "pytest", "playwright", "hypothesis", "python-json-logger", "html2text"):
        assert name not in runtime, name
    extras = PROJECT["optional-dependencies"]
    assert any(Requirement(r).name == "aiosmtpd" for r in extras["sandbox"])
    assert any(Requirement(r).name == "aiosmtpd" for r in extras["test"])
    assert any(Requirement(r).name == "honcho" for r in extras["procfile"])
    assert "aiosmtpd" not in _runtime_closure()
