"""A small in-memory IMAP4rev1 server: the sandbox's mailbox when Dovecot is not installed.

**For ``supportbot demo`` only.** It implements just what the bot's poller and the sandbox use
(LOGIN, SELECT/EXAMINE of INBOX, UID SEARCH with the usual keys, UID FETCH of RFC822.SIZE / BODY.PEEK[] /
INTERNALDATE / FLAGS, UID STORE, EXPUNGE / UID EXPUNGE, APPEND with synchronizing and LITERAL+
literals, IDLE, NOOP, LOGOUT). It is not a conforming IMAP server, and the test suite never uses it:
tests talk to a real Dovecot (``tests/peers/dovecot.py``).
"""

from __future__ import annotations

import datetime as dt
import re
import select
import socketserver
import threading
import time
from dataclasses import dataclass, field

CAPABILITIES = "IMAP4rev1 IDLE UIDPLUS LITERAL+ ENABLE"
PERMANENT = r"\Answered \Flagged \Deleted \Seen \Draft \*"


@dataclass
class Mail:
    uid: int
    raw: bytes
    internaldate: dt.datetime
    flags: set[str] = field(default_factory=set)


class Store:
    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.uidvalidity = int(time.time())
        self.uidnext = 1
        self.lock = threading.Condition()

    def append(self, raw: bytes, flags: set[str] | None = None) -> int:
        with self.lock:
            uid = self.uidnext
            self.uidnext += 1
            self.mails.append(Mail(uid, raw, dt.datetime.now(dt.UTC), set(flags or ())))
            self.lock.notify_all()
            return uid


_TOKEN = re.compile(rb'\s*(?:"((?:[^"\\]|\\.)*)"|(\()|(\))|\{(\d+)\+?\}$|([^\s()"]+))')


def tokenize(line: bytes) -> list[object]:
    """IMAP arguments to nested lists of bytes (quoted strings unescaped)."""
    stack: list[list[object]] = [[]]
    pos = 0
    while pos < len(line):
        m = _TOKEN.match(line, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        quoted, open_, close, _literal, atom = m.groups()
        if quoted is not None:
            stack[-1].append(re.sub(rb"\\(.)", rb"\1", quoted))
        elif open_:
            stack.append([])
        elif close:
            inner = stack.pop()
            stack[-1].append(inner)
        elif atom is not None:
            stack[-1].append(atom)
    while len(stack) > 1:
        inner = stack.pop()
        stack[-1].append(inner)
    return stack[0]


def parse_set(text: str, maximum: int) -> set[int]:
    out: set[int] = set()
    for part in text.split(","):
        if ":" in part:
            a, b = part.split(":", 1)
            lo = maximum if a == "*" else int(a)
            hi = maximum if b == "*" else int(b)
            lo, hi = min(lo, hi), max(lo, hi)
            out.update(range(lo, hi + 1))
        else:
            out.add(maximum if part == "*" else int(part))
    return out


class Handler(socketserver.StreamRequestHandler):
    server: ImapStandIn

    def setup(self) -> None:
        super().setup()
        self.authed = False
        self.selected = False
        self.seen_count = 0

    def send(self, text: str | bytes) -> None:
        data = text.encode() if isinstance(text, str) else text
        self.wfile.write(data if data.endswith(b"\r\n") else data + b"\r\n")
        self.wfile.flush()

    def read_command(self) -> bytes | None:
        """One command line with its literals inlined as quoted-free bytes."""
        line = self.rfile.readline(1 << 20)
        if not line:
            return None
        buf = line.rstrip(b"\r\n")
        while True:
            m = re.search(rb"\{(\d+)(\+?)\}$", buf)
            if not m:
                return buf
            size = int(m.group(1))
            if not m.group(2):
                self.send("+ Ready for literal data")
            data = self.rfile.read(size)
            self.literals.append(data)
            buf = buf[:m.start()] + b"\x00LIT%d\x00" % (len(self.literals) - 1)
            rest = self.rfile.readline(1 << 20).rstrip(b"\r\n")
            buf += rest

    def handle(self) -> None:
        self.literals: list[bytes] = []
        self.send(f"* OK [CAPABILITY {CAPABILITIES}] supportbot sandbox IMAP stand-in ready")
        while True:
            try:
                line = self.read_command()
            except (ConnectionError, OSError):
                return
            if line is None:
                return
            parts = line.split(b" ", 2)
            if len(parts) < 2:
                self.send(b"* BAD missing command")
                continue
            tag, cmd = parts[0].decode(), parts[1].decode().upper()
            args = parts[2] if len(parts) > 2 else b""
            try:
                if not self.dispatch(tag, cmd, args):
                    return
            except (ValueError, IndexError, KeyError) as exc:
                self.send(f"{tag} BAD {exc}")

    def _lit(self, token: object) -> bytes:
        if isinstance(token, bytes):
            m = re.fullmatch(rb"\x00LIT(\d+)\x00", token)
            if m:
                return self.literals[int(m.group(1))]
            return token
        raise ValueError("expected a string")

    def dispatch(self, tag: str, cmd: str, args: bytes) -> bool:  # noqa: C901 - one branch per command
        store = self.server.store
        if cmd == "CAPABILITY":
            self.send(f"* CAPABILITY {CAPABILITIES}")
        elif cmd == "NOOP" or cmd == "CHECK":
            self._updates()
        elif cmd == "LOGOUT":
            self.send("* BYE logging out")
            self.send(f"{tag} OK LOGOUT completed")
            return False
        elif cmd == "LOGIN":
            toks = tokenize(args)
            user, password = self._lit(toks[0]).decode(), self._lit(toks[1]).decode()
            if (user, password) != (self.server.user, self.server.password):
                time.sleep(0.5)
                self.send(f"{tag} NO [AUTHENTICATIONFAILED] Authentication failed.")
                return True
            self.authed = True
            self.send(f"{tag} OK [CAPABILITY {CAPABILITIES}] Logged in")
            return True
        elif cmd == "ENABLE":
            self.send("* ENABLED")
        elif not self.authed:
            self.send(f"{tag} NO not authenticated")
            return True
        elif cmd in ("SELECT", "EXAMINE"):
            name = self._lit(tokenize(args)[0]).decode()
            if name.upper() != "INBOX":
                self.send(f"{tag} NO [NONEXISTENT] only INBOX exists here")
                return True
            with store.lock:
                self.selected = True
                self.seen_count = len(store.mails)
                self.send(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)")
                self.send(f"* OK [PERMANENTFLAGS ({PERMANENT})] Flags permitted.")
                self.send(f"* {len(store.mails)} EXISTS")
                self.send("* 0 RECENT")
                self.send(f"* OK [UIDVALIDITY {store.uidvalidity}] UIDs valid")
                self.send(f"* OK [UIDNEXT {store.uidnext}] Predicted next UID")
            mode = "READ-ONLY" if cmd == "EXAMINE" else "READ-WRITE"
            self.send(f"{tag} OK [{mode}] {cmd} completed")
            return True
        elif cmd == "LIST":
            self.send('* LIST (\\HasNoChildren) "/" INBOX')
        elif cmd in ("CLOSE", "UNSELECT"):
            if cmd == "CLOSE":
                self._expunge(None, silent=True)
            self.selected = False
        elif cmd == "APPEND":
            toks = tokenize(args)
            raw = self._lit(toks[-1])
            flag_list = next((t for t in toks[1:-1] if isinstance(t, list)), [])
            flags = {t.decode() for t in flag_list if isinstance(t, bytes)}
            uid = store.append(raw, flags)
            self.send(f"{tag} OK [APPENDUID {store.uidvalidity} {uid}] APPEND completed")
            return True
        elif cmd == "IDLE":
            self._idle()
        elif cmd == "EXPUNGE":
            self._expunge(None)
        elif cmd == "UID":
            sub, _, rest = args.partition(b" ")
            self._uid(tag, sub.decode().upper(), rest)
        elif cmd == "SEARCH":
            self._search(tag, args, uid=False)
        else:
            self.send(f"{tag} BAD unsupported command {cmd}")
            return True
        self.send(f"{tag} OK {cmd} completed")
        return True

    def _updates(self) -> None:
        with self.server.store.lock:
            n = len(self.server.store.mails)
        if self.selected and n != self.seen_count:
            self.seen_count = n
            self.send(f"* {n} EXISTS")

    def _idle(self) -> None:
        self.send("+ idling")
        store = self.server.store
        sock = self.request
        while True:
            self._updates()
            ready, _, _ = select.select([sock], [], [], 0.2)
            if ready:
                line = self.rfile.readline(1024)
                if not line or line.strip().upper() == b"DONE":
                    return
            with store.lock:
                store.lock.wait(0.05)

    def _expunge(self, uids: set[int] | None, *, silent: bool = False) -> None:
        store = self.server.store
        with store.lock:
            seq = len(store.mails)
            for i in range(len(store.mails) - 1, -1, -1):
                m = store.mails[i]
                if "\\Deleted" in m.flags and (uids is None or m.uid in uids):
                    del store.mails[i]
                    if not silent:
                        self.send(f"* {i + 1} EXPUNGE")
                    seq -= 1
            self.seen_count = len(store.mails)

    def _search(self, tag: str, args: bytes, *, uid: bool) -> None:
        toks = [t for t in tokenize(args)]
        store = self.server.store
        with store.lock:
            hits = [m for m in store.mails if self._matches(m, list(toks), store)]
            numbers = [m.uid if uid else store.mails.index(m) + 1 for m in hits]
        self.send("* SEARCH" + "".join(f" {n}" for n in numbers))

    def _matches(self, m: Mail, toks: list[object], store: Store) -> bool:
        i = 0
        while i < len(toks):
            t = toks[i]
            if isinstance(t, list):
                if not self._matches(m, t, store):
                    return False
                i += 1
                continue
            key = self._lit(t).decode().upper()
            negate = False
            if key == "NOT":
                negate = True
                i += 1
                t = toks[i]
                key = self._lit(t).decode().upper() if not isinstance(t, list) else "(...)"
            ok, used = self._key(m, key, toks, i, store)
            if negate:
                ok = not ok
            if not ok:
                return False
            i += used
        return True

    def _key(self, m: Mail, key: str, toks: list[object], i: int, store: Store) -> tuple[bool, int]:
        flags = {f.lower() for f in m.flags}
        simple = {"ALL": True, "SEEN": "\\seen" in flags, "UNSEEN": "\\seen" not in flags,
                  "DELETED": "\\deleted" in flags, "UNDELETED": "\\deleted" not in flags,
                  "FLAGGED": "\\flagged" in flags, "UNFLAGGED": "\\flagged" not in flags,
                  "ANSWERED": "\\answered" in flags, "UNANSWERED": "\\answered" not in flags,
                  "RECENT": False, "NEW": False, "OLD": True}
        if key in simple:
            return bool(simple[key]), 1
        if key in ("KEYWORD", "UNKEYWORD"):
            word = self._lit(toks[i + 1]).decode().lower()
            return (word in flags) == (key == "KEYWORD"), 2
        if key == "UID":
            return m.uid in parse_set(self._lit(toks[i + 1]).decode(), store.uidnext - 1), 2
        if key == "HEADER":
            import email

            name, value = self._lit(toks[i + 1]).decode(), self._lit(toks[i + 2]).decode()
            msg = email.message_from_bytes(m.raw)
            return value.lower() in str(msg.get(name, "")).lower(), 3
        if key in ("SINCE", "BEFORE", "ON", "LARGER", "SMALLER"):
            return True, 2
        if re.fullmatch(r"[\d:*,]+", key):
            return store.mails.index(m) + 1 in parse_set(key, len(store.mails)), 1
        raise ValueError(f"unsupported search key {key}")

    def _uid(self, tag: str, sub: str, rest: bytes) -> None:
        store = self.server.store
        if sub == "SEARCH":
            self._search(tag, rest, uid=True)
            return
        if sub == "EXPUNGE":
            self._expunge(parse_set(rest.decode().strip(), store.uidnext - 1))
            return
        uidset_text, _, items = rest.partition(b" ")
        with store.lock:
            wanted = parse_set(uidset_text.decode(), max(store.uidnext - 1, 1))
            targets = [(i + 1, m) for i, m in enumerate(store.mails) if m.uid in wanted]
        if sub == "FETCH":
            parsed = tokenize(items)
            wanted_items = parsed[0] if items.strip().startswith(b"(") and isinstance(parsed[0], list) else parsed
            names = [self._lit(t).decode().upper() if not isinstance(t, list) else "" for t in wanted_items]
            for seq, m in targets:
                out: list[bytes] = [f"UID {m.uid}".encode()]
                for name in names:
                    if name == "RFC822.SIZE":
                        out.append(f"RFC822.SIZE {len(m.raw)}".encode())
                    elif name == "FLAGS":
                        out.append(("FLAGS (" + " ".join(sorted(m.flags)) + ")").encode())
                    elif name == "INTERNALDATE":
                        out.append(m.internaldate.strftime('INTERNALDATE "%d-%b-%Y %H:%M:%S +0000"').encode())
                    elif name in ("BODY.PEEK[]", "BODY[]", "RFC822"):
                        label = "RFC822" if name == "RFC822" else "BODY[]"
                        out.append(f"{label} {{{len(m.raw)}}}\r\n".encode() + m.raw)
                        if name != "BODY.PEEK[]":
                            m.flags.add("\\Seen")
                self.send(f"* {seq} FETCH (".encode() + b" ".join(out) + b")")
            return
        if sub == "STORE":
            toks = tokenize(items)
            op = self._lit(toks[0]).decode().upper()
            flag_tokens = toks[1] if isinstance(toks[1], list) else toks[1:]
            flags = {self._lit(f).decode() for f in flag_tokens}
            with store.lock:
                for seq, m in targets:
                    if op.startswith("+"):
                        m.flags |= flags
                    elif op.startswith("-"):
                        m.flags -= flags
                    else:
                        m.flags = set(flags)
                    if not op.endswith(".SILENT"):
                        self.send(f"* {seq} FETCH (UID {m.uid} FLAGS ({' '.join(sorted(m.flags))}))")
            return
        raise ValueError(f"unsupported UID {sub}")


class ImapStandIn(socketserver.ThreadingTCPServer):
    """``ImapStandIn(("127.0.0.1", port), user=..., password=...)``; ``serve_forever`` in a thread."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], *, user: str, password: str) -> None:
        super().__init__(address, Handler)
        self.store = Store()
        self.user = user
        self.password = password
