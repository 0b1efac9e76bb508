"""Print the sha256 of the dependency lists in pyproject.toml (what the lock files are made from).

Only ``[project] dependencies`` and ``[project.optional-dependencies]`` count, normalised, so editing
anything else in pyproject.toml does not call for a new lock. Used by ./scripts/lock and the tests."""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path


def inputs_sha256(pyproject: Path) -> str:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lists = {"dependencies": sorted(project.get("dependencies", [])),
             "optional": {k: sorted(v) for k, v in sorted(project.get("optional-dependencies", {}).items())}}
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.stdout.write(inputs_sha256(root / "pyproject.toml") + "\n")
