"""HTML mail bodies to readable text, in time linear in the input and under a deadline.

Why our own streaming converter rather than a tree: every HTML5 tree builder (Lexbor, html5lib,
html5ever) checks the stack of open elements for each start tag, so 200,000 nested ``<div>`` cost
their square (measured: selectolax/Lexbor 1.6 s for 16,000 levels, minutes for a 1 MiB mail), and
the stdlib ``html.parser`` of Python 3.11 still has quadratic cases on unclosed constructs. Here a
regular expression that can never scan across a ``<`` cuts the input into tags and text, and a
loop turns them into text with no tree and no nesting state beyond a few counters, so the cost is
one pass whatever the structure: an unclosed ``<script>`` or ``<!--`` runs to the end of the
document (as browsers read it) and is dropped with one ``find``. The caller's deadline is checked
every few hundred tags, inside the conversion. Input over ``max_chars`` is stripped by two
C-speed substitutions instead (its text is still kept for the redaction scan).

Output: paragraphs and block elements on their own lines, list items with ``-``, table cells
separated by ``|`` (pasted credential tables keep their columns), links as ``text (url)``;
scripts, styles, the head, templates and other non-rendered elements never reach the text.
"""

from __future__ import annotations

import html as html_mod
import re
from collections.abc import Callable

__all__ = ["DEFAULT_MAX_HTML_CHARS", "html_to_text", "strip_tags"]

DEFAULT_MAX_HTML_CHARS = 2 * 1024 * 1024  # larger HTML is stripped, not converted (0.3 s CPU per MiB at worst)
_CHECK_EVERY = 512  # tags between deadline checks

# raw-text elements (WHATWG "raw text" / "escapable raw text" and friends): their content runs to
# the matching end tag, whatever it contains; none of it is what the sender wrote
_RAW = ("script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript")
_RAW_END = {name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE) for name in _RAW}
# not rendered, but ordinary markup inside: skipped while one is open
_HIDDEN = frozenset({"head", "template", "svg", "math", "select", "object", "datalist"})
_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "header", "legend", "li", "main", "nav",
    "ol", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul", "caption",
    "body", "html",
})
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol"})
_CELL = frozenset({"td", "th"})
_WS = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_TRAILING_WS = re.compile(r"[ \t]+\n")
# One token: a comment start, a markup declaration / processing instruction, or a tag. None of the
# alternatives can run past the next "<", so a run of unclosed "<" costs one pass, not a square.
_TOKEN = re.compile(r"<(?:(!--)|[!?][^<>]*>|(/?)([A-Za-z][^\s/<>]*)([^<>]*)>)")
_HREF = re.compile(r"""(?is)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_ALT = re.compile(r"""(?is)\balt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
_TAG = re.compile(r"<[^<>]*>")
_BREAKING_TAG = re.compile(r"(?i)<(?:br|/p|/div|/tr|/li|/h[1-6]|/table)\b[^<>]*>")


def html_to_text(html: str, *, max_chars: int = DEFAULT_MAX_HTML_CHARS,
                 check: Callable[[str], None] | None = None) -> str:
    """Readable text of ``html``. ``check(where)`` is called every few hundred tags and may raise
    to stop the conversion (the mail parser passes its time budget's check)."""
    if len(html) > max_chars:
        if check is not None:
            check("stripping HTML")
        return strip_tags(html)
    return _convert(html, check)


def strip_tags(html: str) -> str:
    """The cheap fallback: tags out, entities decoded, line breaks kept; linear time."""
    text = _BREAKING_TAG.sub("\n", html)
    text = _TAG.sub("", text)
    text = html_mod.unescape(text)
    return _tidy(text)


_LINE, _PARA, _ITEM, _CELL_, _ROW, _LINK, _IMG, _RULE, _PRE, _HIDE, _RAWTEXT = range(1, 12)
_ACTIONS: dict[str, int] = {
    **dict.fromkeys(_BLOCK, _LINE), **dict.fromkeys(_PARAGRAPH, _PARA), **dict.fromkeys(_CELL, _CELL_),
    **dict.fromkeys(_HIDDEN, _HIDE), **dict.fromkeys(_RAW, _RAWTEXT),
    "br": _LINE, "li": _ITEM, "tr": _ROW, "a": _LINK, "img": _IMG, "hr": _RULE, "pre": _PRE,
}
# Line breaks are written as markers while converting and turned into newlines at the end, after
# white space is collapsed, so the loop never looks back at what it wrote.
_BR, _PB = "\x01", "\x02"
_MARKERS = str.maketrans("", "", "\x01\x02")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_PB_RUN = re.compile(r" ?\x02 ?")
_BR_RUN = re.compile(r" ?\x01 ?")
_MAX_OPEN = 64  # open <a>/<tr> remembered (their bookkeeping only; deeper ones are plain markup)


def _attr(pattern: re.Pattern[str], attrs: str) -> str:
    m = pattern.search(attrs)
    if m is None:
        return ""
    return html_mod.unescape(next(g for g in m.groups() if g is not None)).strip()


def _link(attrs: str) -> str | None:
    href = _attr(_HREF, attrs)
    low = href.lower()
    if low.startswith("mailto:"):
        return href[7:] or None
    return href if low.startswith(("http://", "https://")) else None


def _convert(html: str, check: Callable[[str], None] | None) -> str:
    html = html.translate(_MARKERS)
    parts: list[str] = []
    emit = parts.append
    marker = ""  # the marker last written, while nothing but white space followed it

    marker_at = 0

    def brk(kind: str) -> None:
        nonlocal marker, marker_at
        if marker:
            if kind == _PB and marker == _BR:
                parts[marker_at] = _PB
                marker = _PB
            return
        emit(kind)
        marker = kind
        marker_at = len(parts) - 1

    hidden = dict.fromkeys(_HIDDEN, 0)
    hiding = 0  # hidden elements open
    pre = 0
    links: list[tuple[str | None, int]] = []  # (href, len(parts) at <a>) per open <a>
    cells: list[int] = []  # cells written in each open <tr>
    tags = 0
    pos = 0
    n = len(html)
    tokens = _TOKEN.finditer(html)
    while True:
        m = next(tokens, None)
        end = m.start() if m is not None else n
        if end > pos and not hiding:
            chunk = html[pos:end]
            if "&" in chunk:
                chunk = html_mod.unescape(chunk).translate(_MARKERS)
            if pre:
                emit(chunk.replace(" ", "\xa0").replace("\n", _BR))
                marker = ""
            elif not chunk.isspace():
                emit(chunk)
                marker = ""
        if m is None:
            break
        pos = m.end()
        tags += 1
        if check is not None and not tags % _CHECK_EVERY:
            check("converting HTML")
        if m.group(1):  # "<!--": to the next "-->", or the end (an unclosed comment hides the rest)
            close = html.find("-->", pos)
            pos = n if close < 0 else close + 3
            tokens = _TOKEN.finditer(html, pos)
            continue
        name = m.group(3)
        if name is None:  # <!DOCTYPE ...>, <?xml ...?>
            continue
        name = name.lower()
        action = _ACTIONS.get(name)
        if action is None:
            continue  # inline markup: <b>, <span>, <font>, ...
        closing = bool(m.group(2))
        if name == "body" and not closing and hidden["head"]:  # <body> ends an unclosed <head>
            hiding -= hidden["head"]
            hidden["head"] = 0
        if action == _HIDE:
            if closing:
                if hidden[name]:
                    hidden[name] -= 1
                    hiding -= 1
            elif not m.group(4).rstrip().endswith("/"):
                hidden[name] += 1
                hiding += 1
            continue
        if action == _RAWTEXT:
            if not closing:  # to the matching end tag, or the end (as a browser reads it)
                found = _RAW_END[name].search(html, pos)
                gt = html.find(">", found.end() - 1) if found is not None else -1
                pos = n if gt < 0 else gt + 1
                tokens = _TOKEN.finditer(html, pos)
            continue
        if hiding:
            continue
        if action == _LINE:
            brk(_BR)
        elif action == _PARA:
            brk(_PB)
        elif action == _ITEM:
            brk(_BR)
            if not closing:
                emit("- ")
                marker = ""
        elif action == _CELL_:
            if not closing and cells:
                if cells[-1]:
                    emit(" | ")
                    marker = ""
                cells[-1] += 1
        elif action == _ROW:
            if not closing and len(cells) < _MAX_OPEN:
                cells.append(0)
            elif closing and cells:
                cells.pop()
            brk(_BR)
        elif action == _PRE:
            pre = pre + 1 if not closing else max(pre - 1, 0)
            brk(_PB)
        elif action == _RULE:
            brk(_BR)
            emit("---")
            marker = ""
            brk(_BR)
        elif action == _IMG:
            alt = _attr(_ALT, m.group(4)) if not closing else ""
            if alt:
                emit(f" {alt.translate(_MARKERS)} ")
                marker = ""
        elif action == _LINK:
            if not closing:
                if len(links) < _MAX_OPEN:
                    links.append((_link(m.group(4)), len(parts)))
            elif links:
                href, at = links.pop()
                # a link whose text is its address is written once; the look-back is bounded
                if href and (len(parts) - at > 16 or href not in "".join(parts[at:])):
                    emit(f" ({href}) ")
                    marker = ""
    text = _SPACES.sub(" ", "".join(parts))
    text = _PB_RUN.sub("\n\n", _BR_RUN.sub("\n", text))
    return _tidy(text)


def _tidy(text: str) -> str:
    text = text.replace("\r", "").replace("\xa0", " ")
    text = _TRAILING_WS.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()
