"""The domain's error for a bad policy file: every table's parser raises it with file, key and reason."""

from __future__ import annotations


class PolicyError(ValueError):
    """A policy file is invalid. The message names the file, the key and the reason."""

    def __init__(self, source: str, key: str, reason: str) -> None:
        super().__init__(f"{source}: [{key}] {reason}")
        self.source = source
        self.key = key
        self.reason = reason
