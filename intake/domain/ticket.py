"""Tickets and their life cycle. Transitions are pure: they return the new state and the events.

States (support terms and DESIGN.md):
    received -> deflected              (email while the website is up: pointer to the website, no ticket)
    received -> rejected_redaction     (third-party PII or secrets: deleted, resubmission asked; no target)
    received -> open                   (a request with an SLA clock)
    open -> awaiting_customer          (the vendor asked for specific missing information)
    open|awaiting_customer -> responded(any later human reply after the initial response)
    * -> closed
The initial response is the first *non-automated*, customer-facing reply that confirms the vendor is
acting or asks for missing information; automated acknowledgements never count.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, replace
from typing import Any

from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.domain.sla import due_at


class TicketState(enum.StrEnum):
    RECEIVED = "received"
    DEFLECTED = "deflected"
    REJECTED_REDACTION = "rejected_redaction"
    OPEN = "open"
    AWAITING_CUSTOMER = "awaiting_customer"
    RESPONDED = "responded"
    CLOSED = "closed"


TERMINAL = frozenset({TicketState.DEFLECTED, TicketState.REJECTED_REDACTION, TicketState.CLOSED})
ACTIVE = frozenset({TicketState.OPEN, TicketState.AWAITING_CUSTOMER, TicketState.RESPONDED})
# The same set as the strings stored in the ``tickets.state`` column (for queries).
ACTIVE_VALUES: tuple[str, ...] = tuple(sorted(state.value for state in ACTIVE))


def response_clock_runs(state: str, *, initial_response_at: dt.datetime | None, waiver: object | None) -> bool:
    """The initial-response clock runs: the ticket is active, nobody responded yet, no target waiver."""
    return state in ACTIVE_VALUES and initial_response_at is None and waiver is None


class TransitionError(ValueError):
    """A transition that the ticket's state does not allow."""


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    at: dt.datetime
    actor: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Waiver(enum.StrEnum):
    STATUS_PAGE = "status_page_incident"
    REDACTION = "redaction_rejection"


@dataclass(frozen=True)
class Ticket:
    """The domain view of a ticket: what the SLA and the transitions need."""

    submitted_at: dt.datetime
    requested_severity: Severity
    effective_severity: Severity
    state: TicketState = TicketState.RECEIVED
    due_at: dt.datetime | None = None
    initial_response_at: dt.datetime | None = None
    waiver: Waiver | None = None
    waiver_ref: str | None = None
    max_severity: Severity | None = None

    @property
    def clock_running(self) -> bool:
        return response_clock_runs(self.state, initial_response_at=self.initial_response_at, waiver=self.waiver)

    # -- transitions -------------------------------------------------------------------------------

    def open(self, *, policy: Policy, now: dt.datetime, actor: str | None = None) -> tuple[Ticket, list[Event]]:
        self._require(self.state == TicketState.RECEIVED, "open")
        effective = self.effective_severity.capped(self.max_severity)
        due = due_at(effective, self.submitted_at, policy)
        t = replace(self, state=TicketState.OPEN, effective_severity=effective, due_at=due)
        events = [Event("opened", now, actor, {"requested": self.requested_severity.name,
                                                "effective": effective.name, "due_at": due.isoformat()})]
        if effective != self.effective_severity:
            events.append(Event("severity_capped", now, actor, {
                "requested": self.effective_severity.name, "cap": effective.name}))
        return t, events

    def deflect(self, *, now: dt.datetime, reason: str) -> tuple[Ticket, list[Event]]:
        self._require(self.state == TicketState.RECEIVED, "deflect")
        return replace(self, state=TicketState.DEFLECTED), [Event("deflected", now, None, {"reason": reason})]

    def reject_for_redaction(self, *, now: dt.datetime, reasons: dict[str, int]) -> tuple[Ticket, list[Event]]:
        self._require(self.state == TicketState.RECEIVED, "reject")
        t = replace(self, state=TicketState.REJECTED_REDACTION, waiver=Waiver.REDACTION, due_at=None)
        return t, [Event("rejected_redaction", now, None, {"types": dict(reasons)}),
                   Event("waived", now, None, {"waiver": Waiver.REDACTION.value})]

    def set_severity(self, severity: Severity, *, policy: Policy, now: dt.datetime, actor: str | None,
                     reason: str | None = None) -> tuple[Ticket, list[Event]]:
        """Set the effective severity (vendor's review). The clock still runs from submission."""
        self._require(self.state in ACTIVE, "set severity")
        effective = severity.capped(self.max_severity)
        due = due_at(effective, self.submitted_at, policy)
        t = replace(self, effective_severity=effective, due_at=due)
        data: dict[str, Any] = {"from": self.effective_severity.name, "to": effective.name,
                                "due_at": due.isoformat()}
        if reason:
            data["reason"] = reason
        if effective != severity:
            data["capped_from"] = severity.name
        return t, [Event("severity_changed", now, actor, data)]

    def downgrade(self, *, policy: Policy, now: dt.datetime, actor: str | None,
                  reason: str) -> tuple[Ticket, list[Event]]:
        """Support terms: on S1/S2, if the vendor cannot obtain the information it needs, it may downgrade."""
        if self.effective_severity not in (Severity.S1, Severity.S2):
            raise TransitionError(f"only S1/S2 requests are downgraded, this one is {self.effective_severity.name}")
        t, events = self.set_severity(self.effective_severity.downgraded(), policy=policy, now=now,
                                      actor=actor, reason=reason)
        return t, [Event("downgraded", now, actor, {**events[0].data})]

    def waive(self, waiver: Waiver, *, now: dt.datetime, actor: str | None,
              ref: str | None = None) -> tuple[Ticket, list[Event]]:
        """Stop the clock: the response target no longer has to be met (status page or redaction)."""
        self._require(self.state not in TERMINAL or waiver == Waiver.REDACTION, "waive")
        t = replace(self, waiver=waiver, waiver_ref=ref)
        return t, [Event("waived", now, actor, {"waiver": waiver.value, "ref": ref})]

    def respond(self, *, now: dt.datetime, actor: str, automated: bool = False,
                asks_for_information: bool = False) -> tuple[Ticket, list[Event]]:
        """A customer-facing reply. The first human one is the initial response and stops the clock."""
        self._require(self.state in ACTIVE, "respond")
        if automated:
            # Support terms: automated acknowledgements do not count as the initial response.
            return self, [Event("automated_reply", now, actor)]
        events: list[Event] = []
        t = self
        if self.initial_response_at is None:
            met = self.due_at is None or now <= self.due_at
            t = replace(t, initial_response_at=now)
            events.append(Event("initial_response", now, actor, {
                "due_at": self.due_at.isoformat() if self.due_at else None,
                "met": met, "waived": self.waiver.value if self.waiver else None}))
        new_state = TicketState.AWAITING_CUSTOMER if asks_for_information else TicketState.RESPONDED
        t = replace(t, state=new_state)
        events.append(Event("replied", now, actor, {"state": new_state.value}))
        return t, events

    def customer_replied(self, *, now: dt.datetime) -> tuple[Ticket, list[Event]]:
        self._require(self.state in ACTIVE, "receive a follow-up")
        new_state = TicketState.OPEN if self.state == TicketState.AWAITING_CUSTOMER else self.state
        return replace(self, state=new_state), [Event("customer_follow_up", now)]

    def close(self, *, now: dt.datetime, actor: str | None, reason: str | None = None) -> tuple[Ticket, list[Event]]:
        self._require(self.state in ACTIVE, "close")
        return replace(self, state=TicketState.CLOSED), [Event("closed", now, actor, {"reason": reason})]

    def _require(self, ok: bool, what: str) -> None:
        if not ok:
            raise TransitionError(f"cannot {what} a ticket in state {self.state.value}")
