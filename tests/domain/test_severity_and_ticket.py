from __future__ import annotations

import datetime as dt

import pytest

from intake.domain.policy import Policy
from intake.domain.severity import Severity, suggest_severity
from intake.domain.ticket import Ticket, TicketState, TransitionError, Waiver
from tests.paths import ROOT

POLICY = Policy.load(ROOT / "config" / "policy.toml")
T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("text", "sev"), [("S1", Severity.S1), ("s2", Severity.S2), ("3", Severity.S3),
                                           (4, Severity.S4), (" S4 ", Severity.S4)])
def test_severity_parses(text: object, sev: Severity) -> None:
    assert Severity.parse(text) is sev  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["S0", "S5", "high", ""])
def test_bad_severity_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Severity.parse(text)


def test_caps_and_downgrade() -> None:
    assert Severity.S1.capped(Severity.S3) is Severity.S3
    assert Severity.S4.capped(Severity.S2) is Severity.S4
    assert Severity.S1.downgraded() is Severity.S2
    assert Severity.S4.downgraded() is Severity.S4


@pytest.mark.parametrize(("production", "stopped", "workaround", "expected"), [
    (True, True, False, Severity.S1),
    (True, False, False, Severity.S2),
    (True, True, True, Severity.S3),
    (False, True, False, Severity.S3),
    (None, None, None, Severity.S4),
    (True, None, None, Severity.S3),
])
def test_suggested_severity_follows_the_support_terms(production, stopped, workaround, expected) -> None:  # type: ignore[no-untyped-def]
    assert suggest_severity(production=production, business_stopped=stopped, workaround=workaround) is expected


def _opened(sev: Severity = Severity.S2, cap: Severity | None = None) -> Ticket:
    t, _ = Ticket(submitted_at=T0, requested_severity=sev, effective_severity=sev, max_severity=cap).open(
        policy=POLICY, now=T0)
    return t


def test_opening_caps_the_severity_and_sets_the_due_time() -> None:
    t, events = Ticket(submitted_at=T0, requested_severity=Severity.S1, effective_severity=Severity.S1,
                       max_severity=Severity.S3).open(policy=POLICY, now=T0)
    assert t.state is TicketState.OPEN and t.effective_severity is Severity.S3
    assert [e.kind for e in events] == ["opened", "severity_capped"]
    assert t.due_at is not None and t.clock_running


def test_first_human_reply_is_the_initial_response_and_stops_the_clock() -> None:
    t = _opened()
    t2, events = t.respond(now=T0 + dt.timedelta(minutes=30), actor="U1", automated=True)
    assert t2.initial_response_at is None and events[0].kind == "automated_reply"
    t3, events = t.respond(now=T0 + dt.timedelta(minutes=30), actor="U1", asks_for_information=True)
    assert t3.initial_response_at == T0 + dt.timedelta(minutes=30)
    assert t3.state is TicketState.AWAITING_CUSTOMER and not t3.clock_running
    assert events[0].kind == "initial_response" and events[0].data["met"] is True
    t4, events = t3.respond(now=T0 + dt.timedelta(hours=5), actor="U2")
    assert t4.initial_response_at == t3.initial_response_at
    assert [e.kind for e in events] == ["replied"]


def test_severity_change_keeps_the_clock_running_from_submission() -> None:
    t = _opened(Severity.S2)
    t2, events = t.set_severity(Severity.S1, policy=POLICY, now=T0 + dt.timedelta(minutes=10), actor="U1",
                                reason="shop down")
    assert t2.due_at == T0 + dt.timedelta(minutes=60)
    assert events[0].data["reason"] == "shop down"


def test_downgrade_only_from_s1_or_s2() -> None:
    t = _opened(Severity.S1)
    t2, _ = t.downgrade(policy=POLICY, now=T0, actor="U1", reason="no answer")
    assert t2.effective_severity is Severity.S2
    with pytest.raises(TransitionError):
        _opened(Severity.S3).downgrade(policy=POLICY, now=T0, actor="U1", reason="x")


def test_waivers_stop_the_clock() -> None:
    t, events = _opened().waive(Waiver.STATUS_PAGE, now=T0, actor="U1", ref="inc-1")
    assert not t.clock_running and events[0].data == {"waiver": "status_page_incident", "ref": "inc-1"}
    r, events = Ticket(submitted_at=T0, requested_severity=Severity.S1,
                       effective_severity=Severity.S1).reject_for_redaction(now=T0, reasons={"AWS_KEY": 1})
    assert r.state is TicketState.REJECTED_REDACTION and r.due_at is None and r.waiver is Waiver.REDACTION


def test_closed_tickets_refuse_transitions() -> None:
    t, _ = _opened().close(now=T0, actor="U1")
    with pytest.raises(TransitionError):
        t.respond(now=T0, actor="U1")


def test_the_strictest_cap_wins() -> None:
    from intake.domain.severity import strictest

    assert strictest(Severity.S1, Severity.S3) is Severity.S3
    assert strictest(None, Severity.S2) is Severity.S2
    assert strictest(Severity.S4, None, Severity.S2) is Severity.S4
    assert strictest(None, None) is None
