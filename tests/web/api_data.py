"""Data for the read API's tests: tickets in every state, severity and channel, with events, and a
redaction log holding canary values in the rejected texts (which the log must never store)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from intake.domain.ticket import TicketState
from intake.store.models import Ticket, TicketEvent
from intake.store.redaction_log import append
from intake.web import api_tokens

ORGS = ("Acme GmbH", "Globex AG", None, "Müller & Söhne Sàrl")
CHANNELS = ("email", "slack", "web")
STATES = tuple(s.value for s in TicketState)
CANARIES = ("AKIAQ7APICANARY4EXAM", "hunter2-ApiCanaryPassw0rd!", "erika.apicanary@example.org",
            "DE89370400440532013000")
KEY = b"api-test-hmac-key-0123456789abcdef"


@dataclass
class Seeded:
    tickets: list[dict[str, object]] = field(default_factory=list)  # what was written, for expectations
    redactions: list[dict[str, object]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # operator, compliance, revoked -> token


def _rejected_text() -> tuple[str, list[dict[str, object]]]:
    parts = ["Deploy fails with key ", CANARIES[0], " and password ", CANARIES[1], " for ", CANARIES[2],
             ", refund to ", CANARIES[3], "."]
    kinds = {1: ("AWS_ACCESS_KEY", "aws_access_key", 0.95), 3: ("PASSWORD", "secret_assignment", 0.8),
             5: ("EMAIL_ADDRESS", "email_address", 0.9), 7: ("IBAN_CODE", "iban", 1.0)}
    text, findings, pos = "", [], 0
    for i, part in enumerate(parts):
        if i in kinds:
            t, rec, score = kinds[i]
            findings.append({"type": t, "start": pos, "end": pos + len(part), "recognizer": rec, "score": score})
        text += part
        pos += len(part)
    return text, findings


def seed(factory: sessionmaker[Session], *, now: dt.datetime, tickets: int = 42, entries: int = 23) -> Seeded:
    out = Seeded()
    with factory.begin() as s:
        for i in range(tickets):
            state = STATES[i % len(STATES)]
            sev = f"S{i % 4 + 1}"
            # Pairs of tickets share a submission time: the cursor must break the tie by id.
            submitted = now - dt.timedelta(hours=2 * tickets - 2 * (i // 2), minutes=0)
            responded = submitted + dt.timedelta(hours=3) if state in ("responded", "closed") else None
            due = None if state in ("deflected", "rejected_redaction") else submitted + dt.timedelta(hours=4 + i % 5)
            row = Ticket(token=f"SB-{i + 1:06d}", channel=CHANNELS[i % 3], state=state, requested_severity=sev,
                         effective_severity=sev, organization=ORGS[i % 4], project="shop" if i % 2 else None,
                         sender_email=f"customer{i}@example.com", sender_name=f"Customer {i}",
                         sender_trusted=i % 2 == 0, priority_eligible=i % 3 == 0,
                         subject=f"Checkout problem {i}", body=f"The checkout fails since {i} minutes.",
                         answers={"production": i % 2 == 0}, submitted_at=submitted, due_at=due,
                         initial_response_at=responded, waiver="redaction_rejection"
                         if state == "rejected_redaction" else None,
                         closed_at=submitted + dt.timedelta(days=1) if state == "closed" else None,
                         created_at=submitted, updated_at=submitted)
            s.add(row)
            s.flush()
            s.add(TicketEvent(ticket_id=row.id, at=submitted, kind="opened", actor=None,
                              data={"requested": sev, "effective": sev}))
            if responded is not None:
                s.add(TicketEvent(ticket_id=row.id, at=responded, kind="initial_response", actor="U-ENGINEER",
                                  data={"by": "U-ENGINEER"}))
            out.tickets.append({"id": row.id, "token": row.token, "state": state, "severity": sev,
                                "channel": row.channel, "organization": row.organization, "submitted_at": submitted,
                                "events": 1 + (responded is not None)})
        text, findings = _rejected_text()
        for i in range(entries):
            which = [findings[j] for j in range(4) if (i >> j) & 1] or [findings[i % 4]]
            e = append(s, key=KEY, now=now - dt.timedelta(hours=entries - i), channel=("email", "slack")[i % 2],
                       message_ref=f"<rejected-{i}@customer.example>", sender_org=ORGS[i % 4], text=text,
                       findings=which)
            out.redactions.append({"id": e.id, "types": set(e.entity_types), "created_at": e.created_at,
                                   "channel": e.channel, "organization": e.sender_org,
                                   "fingerprints": [f["fingerprint"] for f in e.findings]})
        for role in ("operator", "compliance"):
            out.tokens[role] = api_tokens.create(s, name=f"test-{role}", role=role, now=now, actor="test")
        out.tokens["revoked"] = api_tokens.create(s, name="test-revoked", role="operator", now=now, actor="test")
        api_tokens.revoke(s, name="test-revoked", now=now, actor="test")
    return out
