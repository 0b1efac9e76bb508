"""A cheap look at a mail's MIME nesting before the stdlib parser sees it.

Why: ``email.feedparser`` parses each nested multipart or ``message/*`` part in a nested
generator, so a mail nested 2,000 deep raises ``RecursionError`` inside ``feed()``, long before our
own ``max_depth`` (which only decides which parts are read) is looked at. A mail deeper than
``limit`` is refused with the stable reason ``too_deep`` before any parsing.

Cost: one C-speed regular-expression pass counts container ``Content-Type`` headers; nesting can't
be deeper than that count, so ordinary mail (a handful of containers) is done there. Only a mail
with more containers than ``limit`` gets the line scan below, which follows boundaries the way the
feed parser does (a delimiter line closes every part opened inside its multipart).
"""

from __future__ import annotations

import re

__all__ = ["DEFAULT_MAX_NESTING", "nesting_depth"]

DEFAULT_MAX_NESTING = 64  # the stdlib parser needs a few frames per level; 1,000 frames in all

_CONTAINER = re.compile(rb"(?im)^content-type:[ \t]*(?:\r?\n[ \t]+)?(?:multipart|message)/")
_CTYPE = re.compile(rb"(?is)^content-type:\s*(multipart|message)/([!#-'*+.0-9A-Z^-~-]*)(.*)")
_BOUNDARY = re.compile(rb"""(?is)\bboundary\s*=\s*(?:"([^"]*)"|([^\s;]+))""")


def nesting_depth(raw: bytes, limit: int = DEFAULT_MAX_NESTING) -> int:
    """The deepest multipart / message nesting of ``raw``, counted up to ``limit + 1`` (the scan
    stops once the limit is passed)."""
    containers = 0
    for _ in _CONTAINER.finditer(raw):
        containers += 1
        if containers > limit:
            break
    if containers <= limit:
        return containers
    return _scan(raw, limit)


def _scan(raw: bytes, limit: int) -> int:
    stack: list[bytes | None] = []  # one entry per open container: its boundary, None for message/*
    open_boundaries: dict[bytes, int] = {}
    deepest = 0
    in_headers = True
    header: list[bytes] = []

    def end_of_headers() -> bool:
        """Returns whether the next lines are a header block again (a message/* body)."""
        nonlocal deepest
        kind, boundary = _container(header)
        header.clear()
        if kind is None:
            return False
        stack.append(boundary)
        if boundary is not None:
            open_boundaries[boundary] = open_boundaries.get(boundary, 0) + 1
        deepest = max(deepest, len(stack))
        return kind == b"message"

    for line in raw.splitlines():
        if in_headers:
            if line.strip():
                if line[:1] in (b" ", b"\t") and header:
                    header[-1] += b" " + line.strip()
                else:
                    header.append(line)
                continue
            in_headers = end_of_headers()
            if deepest > limit:
                return deepest
            continue
        if not line.startswith(b"--") or not open_boundaries:
            continue
        token = line.rstrip()[2:]
        closing = token.endswith(b"--") and token[:-2] in open_boundaries
        name = token[:-2] if closing else token
        if name not in open_boundaries:
            continue
        while stack:  # close every part opened inside this multipart
            top = stack[-1]
            if top == name:
                break
            stack.pop()
            if top is not None:
                _forget(open_boundaries, top)
        if closing and stack:
            _forget(open_boundaries, stack.pop())  # type: ignore[arg-type]
        else:
            in_headers = True
    return deepest


def _forget(open_boundaries: dict[bytes, int], boundary: bytes) -> None:
    left = open_boundaries.get(boundary, 0) - 1
    if left > 0:
        open_boundaries[boundary] = left
    else:
        open_boundaries.pop(boundary, None)


def _container(header: list[bytes]) -> tuple[bytes | None, bytes | None]:
    for field in header:
        m = _CTYPE.match(field)
        if m is None:
            continue
        kind = m.group(1).lower()
        if kind == b"message":
            return kind, None
        b = _BOUNDARY.search(m.group(3))
        if b is None:
            return None, None  # a multipart without a boundary is read as one text part
        return kind, (b.group(1) if b.group(1) is not None else b.group(2)).strip()
    return None, None
