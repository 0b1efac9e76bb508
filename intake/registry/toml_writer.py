"""Writing a registry document back as TOML (``supportbot customers import-csv``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tomli_w


def plain_copy(value: Any) -> Any:
    """Plain dicts and lists all the way down (what tomli_w writes)."""
    if isinstance(value, Mapping):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_copy(v) for v in value]
    return value


def registry_to_toml(document: Mapping[str, Any]) -> str:
    """Serialize a registry document to TOML (comments of a merged file are not kept)."""
    return tomli_w.dumps(plain_copy(document))

