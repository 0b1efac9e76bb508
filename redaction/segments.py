"""How a message is read before recognizers run: a normalized *view* and its *layout*.

View: secrets hide in quoted replies (``> ``), HTML (``<code>``, ``&amp;``) and long tokens wrapped
across lines. The view removes quote markers and known HTML tags, decodes entities and joins
wrapped token lines, keeping a map back to the original offsets so findings point into the text
the caller holds.

Layout: which lines are prose (worth running NER on), code/log/stack-trace lines (not), the
greeting and the sender's own signature block of the top-level (non-quoted) part, which the
context rules treat as the sender's identity.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass, field

import regex

_BLOCK_TAGS = "p|div|br|tr|li|ul|ol|table|tbody|thead|pre|blockquote|h[1-6]|hr|section|article|header|footer|html|body|head"
_INLINE_TAGS = "span|b|i|u|em|strong|code|tt|small|sup|sub|font|a|kbd|samp|var|mark|label|s|strike|del|ins"
_VIEW_RX = re.compile(
    r"(?P<quote>(?m:^)[ \t]*(?:>[ \t]?)+)"
    r"|(?P<block></?(?:" + _BLOCK_TAGS + r")\b[^<>]{0,500}>)"
    r"|(?P<cell><(?:td|th)\b[^<>]{0,500}>)"  # a table cell starts: " | " keeps cells apart (and a table)
    # (a link holding an address, "mailto:" or URL-encoded, stays: its entities are decoded one by one)
    r"|(?P<inline></?(?:" + _INLINE_TAGS + r"|td|th)\b(?![^<>]*(?:mailto:|%40|@))[^<>]{0,500}>)"
    r"|(?P<entity>&(?:amp|lt|gt|quot|apos|nbsp|#\d{1,6}|#x[0-9a-fA-F]{1,6});)"
)
_NEEDS_VIEW = re.compile(r"(?m)^[ \t]*>|<[a-zA-Z/]|&[#a-z]")
# A token wrapped at the line end (mail clients wrap at ~72-78 columns, Slack anywhere): a run of
# non-space characters before the break and after it. Joining is only used for secrets, and only
# findings that cross a join count (see ``Redactor``), so prose is never glued together.
_WRAP = re.compile(r"(?<=[^\s>]{12})[ \t]*\r?\n(?=[^\S\n]*(?:>[ \t]?)*[^\s>]{4})")
_WRAP_HINT = re.compile(r"[^\s>]{12}[ \t]*\r?\n")


@dataclass
class View:
    """Normalized text plus a piecewise map back to the original offsets."""

    text: str
    original: str
    # (view_start, view_len, orig_start, orig_len) per piece, sorted by view_start; empty = identity.
    pieces: list[tuple[int, int, int, int]] = field(default_factory=list)
    quoted_lines: set[int] = field(default_factory=set)  # view offsets of line starts that were quoted
    _starts: list[int] = field(default_factory=list)

    @property
    def identity(self) -> bool:
        return not self.pieces

    def _locate(self, pos: int) -> int:
        """Original offset of view character ``pos``."""
        i = bisect_right(self._starts, pos) - 1
        vs, vl, os_, ol = self.pieces[max(i, 0)]
        if vl == ol:
            return os_ + (pos - vs)
        return os_

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        if self.identity:
            return start, end
        s = self._locate(start)
        i = bisect_right(self._starts, end - 1) - 1
        vs, vl, os_, ol = self.pieces[max(i, 0)]
        e = os_ + (end - vs) if vl == ol else os_ + ol
        return s, max(e, s + 1)


def make_view(text: str) -> View:
    if not _NEEDS_VIEW.search(text):
        return View(text=text, original=text)
    out: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    quoted: set[int] = set()
    vpos = 0
    last = 0

    def copy(upto: int) -> None:
        nonlocal vpos, last
        if upto > last:
            chunk = text[last:upto]
            out.append(chunk)
            pieces.append((vpos, len(chunk), last, len(chunk)))
            vpos += len(chunk)
        last = upto

    for m in _VIEW_RX.finditer(text):
        kind = m.lastgroup
        copy(m.start())
        if kind == "quote":
            quoted.add(vpos)
            replacement = ""
        elif kind == "block":
            replacement = "\n"
        elif kind == "cell":
            replacement = " | "
        elif kind == "entity":
            replacement = html.unescape(m.group())
            if replacement == "\xa0":
                replacement = " "
        else:  # inline tag
            replacement = ""
        if replacement:
            out.append(replacement)
            pieces.append((vpos, len(replacement), m.start(), m.end() - m.start()))
            vpos += len(replacement)
        last = m.end()
    copy(len(text))
    view = View(text="".join(out), original=text, pieces=pieces, quoted_lines=quoted)
    view._starts = [p[0] for p in pieces]
    if not pieces:
        view.pieces = [(0, 0, 0, 0)]
    return view


@dataclass
class Joined:
    """``view.text`` with wrapped lines joined; ``joins`` are the view offsets where breaks were."""

    text: str
    joins: list[int]
    # (joined_start, view_start) per piece
    _starts: list[int] = field(default_factory=list)
    _origins: list[int] = field(default_factory=list)

    def to_view(self, pos: int) -> int:
        i = bisect_right(self._starts, pos) - 1
        return self._origins[i] + (pos - self._starts[i])

    def crosses_join(self, start: int, end: int) -> bool:
        return any(start < j < end for j in self._starts[1:])


def joined_view(view: View) -> Joined | None:
    """Join wrapped lines of ``view.text`` (quote markers already removed); ``None`` if none."""
    text = view.text
    if not _WRAP_HINT.search(text):
        return None
    parts: list[str] = []
    starts: list[int] = [0]
    origins: list[int] = [0]
    last = 0
    pos = 0
    for m in _WRAP.finditer(text):
        # skip quote markers at the start of the continuation line too
        nxt = m.end()
        while nxt < len(text) and text[nxt] in " \t>":
            nxt += 1
        parts.append(text[last:m.start()])
        pos += m.start() - last
        starts.append(pos)
        origins.append(nxt)
        last = nxt
    if len(starts) == 1:
        return None
    parts.append(text[last:])
    return Joined(text="".join(parts), joins=origins[1:], _starts=starts, _origins=origins)


# -- layout ------------------------------------------------------------------------------------------

_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|guten (?:tag|morgen)|moin|servus|"
    r"greetings|bonjour|ciao|hej)\b[^\n]{0,60}$",
    re.IGNORECASE,
)
# A short closing line: "Best regards,", "Thanks a million,", "Schöne Grüße aus Münster", "Merci,", "--".
_SIGNOFF = re.compile(
    r"^\s*(?:--\s*|—\s*|(?=.{0,48}$)(?:[\w'’ ]{0,20}\s)?(?:regards|wishes|thanks|thank you|thx|cheers|best|br|mfg|rgds|"
    r"sincerely|yours|grüße|grüßen|grüsse|grüssen|gruß|gruss|danke|lg|vg|merci|cordialement|saluti|grazie|groeten|hälsningar|mvh|"
    r"saludos|gracias|obrigad[oa]|talk soon|take care|ciao)\b.*)$",
    re.IGNORECASE,
)
# A signature line: a name-shaped start followed by a title/company separator, or the name alone.
_NAME_LINE = re.compile(
    r"^\s*([A-ZÀ-Þ][\w'’\-]+(?:\s+(?:[a-z]{1,3}\s+)?[A-ZÀ-Þ][\w'’\-]+){1,3})\s*(?:$|[|·•,–—/]\s*\S)"
)
# Where a quoted reply or a forwarded mail starts, in the languages customers write: "On ... wrote:",
# "Am ... schrieb ...:", "Le ... a écrit :", "Op ... schreef ...:", "Il giorno ... ha scritto:",
# "El ... escribió:", "W dniu ... napisał(a):", and the separator lines mail clients insert.
REPLY_HEADER = re.compile(
    r"^\s*(?:on .{5,200} wrote:|am .{5,200} schrieb .{0,80}:|le .{5,200} a [ée]crit ?:|op .{5,200} schreef .{0,80}:|"
    r"(?:il giorno )?.{5,200} ha scritto ?:|el .{5,200} escribi[óo] ?:|(?:w dniu )?.{5,200} napisa[łl](?:\(a\)|a)? ?:|"
    r"den .{5,200} skrev .{0,80}:|wiadomość napisana przez .{3,200}:|"
    r"-{2,} ?(?:original message|ursprüngliche nachricht|originalnachricht|message d'origine|message original|"
    r"oorspronkelijk bericht|origineel bericht|messaggio originale|mensaje original|wiadomość oryginalna|"
    r"oryginalna wiadomość) ?-{2,}|"
    r"-{2,} ?(?:forwarded message|weitergeleitete nachricht|message transféré|doorgestuurd bericht|"
    r"messaggio inoltrato|mensaje reenviado|wiadomość przekazana|przekazana wiadomość) ?-{2,}|"
    r"begin forwarded message:|début du message réexpédié ?:|anfang der weitergeleiteten nachricht:|"
    r"_{10,})\s*$",
    re.IGNORECASE,
)
_REPLY_HEADER = REPLY_HEADER
# Header lines of a quoted or forwarded mail (English, German, French, Dutch, Italian, Spanish, Polish).
HEADER_LINE = re.compile(
    r"^\s*(?:from|to|cc|bcc|sent|date|subject|von|an|gesendet|datum|betreff|reply-to|de|à|a|envoyé|objet|date|"
    r"van|aan|verzonden|onderwerp|da|inviato|oggetto|data|para|enviado|asunto|fecha|od|do|wysłano|wysłane|temat|"
    r"dw|kopie|copie)[ \t]?:\s",
    re.IGNORECASE,
)
_HEADER_LINE = HEADER_LINE
# The first line of a forwarded header block without a separator line ("Von: ...", then "Gesendet: ...").
_FROM_LINE = re.compile(r"^\s*(?:from|von|de|van|da|od)[ \t]?:\s+\S", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_NON_PROSE = re.compile(
    r"^\s*(?:at\s+[\w$.<>]+[(:]|File \"|Traceback \(|Caused by:|\.\.\. \d+ more|#\d+\s|\w+(?:\.\w+)+(?:Error|Exception)\b"
    r"|\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\[?\d\d:\d\d:\d\d|\[?(?:INFO|WARN|WARNING|ERROR|DEBUG|TRACE|FATAL|CRITICAL)\b"
    r"|[{}\]]|\[(?!\d{1,2}:\d\d(?::\d\d)?\])|<[a-zA-Z/!?]|\$ |[A-Z_]{2,}=|[a-zA-Z_][\w.]*\s*[:=]\s*[\"'{\[]|(?:import|from|def|class|function|const"
    r"|let|var|return|SELECT|INSERT|UPDATE|curl|npm|yarn|git|docker|kubectl)\b|//|/\*)"
)
_SYMBOLS = re.compile(r"[{}()\[\];=<>|\\$`]")
# Any script's capitals (Łukasz Wróbel, Şule Çelik, Ólafur), not only Latin-1's.
_NAME_CANDIDATE = regex.compile(
    r"\b\p{Lu}[\p{Ll}'’]+(?:[ \-](?:(?:de|van|von|der|den|da|di|del|la|le|al|bin|ter|zu|o')\s)?\p{Lu}[\p{Ll}'’]+)+"
    r"|\b(?:Mr|Mrs|Ms|Dr|Frau|Herr|Mme|Mlle|Prof|Pan|Pani|Sig|Sra|Sr|Dhr|Mevr)\.?\s+\p{Lu}"
)


@dataclass
class Layout:
    """Where the own-identity blocks are and which spans are prose for NER (view offsets)."""

    top_end: int
    greeting: tuple[int, int] | None
    signature: tuple[int, int] | None
    prose: list[tuple[int, int]]
    # When the signature was recognised only by a leading name line, that name: the context rules
    # accept the block as the sender's own only if the name is the sender's (when known).
    signature_name: str | None = None
    # The name line under the closing of a closing-marked signature.
    closing_name: str | None = None
    # Every prose line run (``prose`` keeps only those with a name candidate).
    prose_all: list[tuple[int, int]] = field(default_factory=list)
    # Set by the engine before the recognizers run: the message's language (ISO 639-1, from all of
    # its prose) and the language of each ``prose`` segment (NER is routed by it).
    lang: str = ""
    prose_langs: list[str] = field(default_factory=list)

    def lang_at(self, pos: int) -> str:
        """The language of the prose segment holding view offset ``pos`` (else the message's)."""
        for (s, e), lang in zip(self.prose, self.prose_langs, strict=False):
            if s <= pos <= e:
                return lang
        return self.lang

    def in_signature(self, start: int, end: int) -> bool:
        return self.signature is not None and self.signature[0] <= start and end <= self.signature[1] + 1

    def in_greeting(self, start: int, end: int) -> bool:
        return self.greeting is not None and self.greeting[0] <= start and end <= self.greeting[1] + 1

    def own_block(self, start: int, end: int) -> bool:
        return self.in_signature(start, end) or self.in_greeting(start, end)


# Chat transcripts ("[14:02] Femke Silva: my order never arrived") are people talking: prose.
_CHAT_LINE = re.compile(r"^\s*\[?\d{1,2}:\d\d(?::\d\d)?\]?\s+[A-Z][\w.\- ]{1,40}:\s")


def _is_code_line(line: str) -> bool:
    if _CHAT_LINE.match(line):
        return False
    if _NON_PROSE.match(line):
        return True
    symbols = len(_SYMBOLS.findall(line))
    return symbols >= 3 and symbols / max(len(line), 1) > 0.06


def layout(view: View, *, max_signature_lines: int = 20) -> Layout:
    text = view.text
    lines: list[tuple[int, int]] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        stripped_end = pos + len(raw.rstrip("\r\n"))
        lines.append((pos, stripped_end))
        pos += len(raw)

    # The top-level part ends at the first quoted line or reply/forward header.
    top_n = len(lines)
    for i, (s, e) in enumerate(lines):
        if s in view.quoted_lines or _REPLY_HEADER.match(text[s:e]) or (
                _FROM_LINE.match(text[s:e]) and i + 1 < len(lines)
                and HEADER_LINE.match(text[lines[i + 1][0]:lines[i + 1][1]])):
            top_n = i
            break
    top_end = lines[top_n][0] if top_n < len(lines) else len(text)

    greeting = None
    for s, e in lines[:top_n]:
        if text[s:e].strip():
            if _GREETING.match(text[s:e]):
                greeting = (s, e)
            break

    signature = None
    signature_name: str | None = None  # set when only a name line (no closing line) marks the signature
    closing_name: str | None = None  # the name under a closing line, if any
    first_content = next((i for i, (s, e) in enumerate(lines[:top_n]) if text[s:e].strip()), top_n)
    for i in range(top_n - 1, first_content, -1):
        if top_n - i > max_signature_lines:
            break
        s, e = lines[i]
        if text[s:e].strip() and _SIGNOFF.match(text[s:e]):
            signature = (s, lines[top_n - 1][1])
            # Who signs: the name line after the closing (checked against the sender by the
            # context rules when the block may be a pasted third party's mail).
            for ns, ne in lines[i + 1:top_n]:
                if text[ns:ne].strip():
                    m = _NAME_LINE.match(text[ns:ne])
                    closing_name = m.group(1) if m else None
                    break
            else:
                closing_name = None
            break
    if signature is None:
        # No closing line: the last paragraph of the top-level part, when it starts with a name
        # line ("Noah Williams" / "Olivia Bennett | Director of E-commerce | PeakGear Inc.") and
        # has only short lines.
        last = top_n - 1
        while last > first_content and not text[lines[last][0]:lines[last][1]].strip():
            last -= 1
        first = last
        while first - 1 > first_content and text[lines[first - 1][0]:lines[first - 1][1]].strip():
            first -= 1
        block = lines[first:last + 1]
        if (first > first_content and 0 < len(block) <= 8 and _NAME_LINE.match(text[block[0][0]:block[0][1]])
                and all(e - s <= 100 for s, e in block)):
            signature = (block[0][0], block[-1][1])
            signature_name = _NAME_LINE.match(text[block[0][0]:block[0][1]]).group(1)  # type: ignore[union-attr]

    prose: list[tuple[int, int]] = []
    in_fence = False
    seg_start: int | None = None
    seg_end = 0
    for s, e in lines:
        line = text[s:e]
        if _FENCE.match(line):
            in_fence = not in_fence
            usable = False
        elif in_fence or not line.strip() or _is_code_line(line) or _HEADER_LINE.match(line) or _REPLY_HEADER.match(line):
            usable = False
        elif (greeting and greeting[0] == s) or (signature and signature[0] <= s <= signature[1]):
            usable = False
        else:
            usable = True
        if usable:
            if seg_start is None:
                seg_start = s
            seg_end = e
        elif seg_start is not None:
            prose.append((seg_start, seg_end))
            seg_start = None
    if seg_start is not None:
        prose.append((seg_start, seg_end))
    prose_all = prose
    prose = [(s, e) for s, e in prose if _NAME_CANDIDATE.search(text, s, e)]
    return Layout(top_end=top_end, greeting=greeting, signature=signature, prose=prose, signature_name=signature_name,
                  closing_name=closing_name, prose_all=prose_all)
