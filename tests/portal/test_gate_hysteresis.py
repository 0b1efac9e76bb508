"""The gate's state machine: pure, time passed in, one observation at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from intake.portal import (
    GateConfig,
    GateState,
    StatusObservation,
    effective_state,
    observe_probe,
    observe_status,
)

T0 = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
CONFIG = GateConfig(down_after=3, up_after=2)
UP = StatusObservation("up", "status page: Support Portal is operational", "operational")
OUTAGE = StatusObservation("down", "status page: Support Portal is major_outage", "major_outage")
UNKNOWN = StatusObservation("unknown", "status page: HTML instead of JSON")


def run(events, *, config=CONFIG, state=None):
    """Feed ``events`` ("S:up", "S:down", "S:?", "P:ok", "P:fail") one minute apart; return the states."""
    state = state or GateState()
    states = []
    for i, event in enumerate(events):
        now = T0 + timedelta(minutes=i)
        if event.startswith("S:"):
            obs = {"S:up": UP, "S:down": OUTAGE, "S:?": UNKNOWN}[event]
            state = observe_status(state, obs, now=now, config=config)
        else:
            state = observe_probe(state, event == "P:ok", f"probe {event}", now=now, config=config)
        states.append(state.state)
    return states, state


def test_nothing_observed_is_unknown_and_counts_as_down_by_default():
    assert GateState().state == "unknown"
    assert effective_state(GateState(), CONFIG) == "down"
    assert effective_state(GateState(), GateConfig(unknown_means="up")) == "up"


def test_operational_component_and_healthy_probe_is_up():
    states, state = run(["S:up", "P:ok"])
    assert states == ["up", "up"]
    assert effective_state(state, CONFIG) == "up"


def test_component_outage_is_down_at_once_even_with_a_healthy_probe():
    states, state = run(["S:up", "P:ok", "S:down", "P:ok"])
    assert states == ["up", "up", "down", "down"]
    assert "major_outage" in state.reason


def test_probe_must_fail_n_times_in_a_row_before_down():
    states, state = run(["S:up", "P:fail", "P:fail", "P:fail"])
    assert states == ["up", "up", "up", "down"]
    assert "failed 3 times in a row" in state.reason


def test_a_healthy_probe_in_between_restarts_the_failure_count():
    states, _ = run(["S:up", "P:fail", "P:fail", "P:ok", "P:fail", "P:fail"])
    assert "down" not in states


def test_up_again_only_after_m_healthy_probes():
    states, state = run(["S:up", "P:fail", "P:fail", "P:fail", "P:ok", "P:ok"])
    assert states[3:] == ["down", "down", "up"]
    assert "2 healthy probes in a row" in state.reason


def test_recovering_reason_counts_the_healthy_probes():
    _, state = run(["P:fail", "P:fail", "P:fail", "P:ok"])
    assert state.state == "down"
    assert "recovering: 1/2" in state.reason


def test_flapping_probe_does_not_flip_flop():
    # the website answers every other probe: once down, it stays down
    events = ["S:up"] + ["P:fail"] * 3 + ["P:ok", "P:fail"] * 6
    states, _ = run(events)
    first_down = states.index("down")
    assert set(states[first_down:]) == {"down"}
    transitions = sum(1 for a, b in zip(states, states[1:], strict=False) if a != b)
    assert transitions == 1


def test_flapping_component_needs_fresh_healthy_probes_after_each_outage_signal():
    # status page flaps outage/operational while probes are healthy: every outage signal resets
    # the healthy-probe count, so one operational reading is not enough to reopen
    states, _ = run(["S:up", "P:ok", "P:ok", "S:down", "P:ok", "S:up", "P:ok", "S:down", "P:ok", "S:up"])
    assert states[3:] == ["down"] * 7


def test_component_recovery_plus_m_healthy_probes_reopens():
    states, _ = run(["S:down", "P:ok", "S:up", "P:ok", "P:ok"])
    assert states == ["down", "down", "down", "down", "up"]


def test_healthy_probes_do_not_reopen_while_the_component_is_in_outage():
    states, _ = run(["S:down"] + ["P:ok"] * 5)
    assert set(states) == {"down"}


def test_status_page_unreadable_and_no_probe_is_unknown_with_both_reasons():
    config = GateConfig(probe_enabled=False)
    states, state = run(["S:?"], config=config)
    assert states == ["unknown"]
    assert "HTML" in state.reason and "no health probe configured" in state.reason
    assert "counts as down" in state.reason


def test_unreadable_status_page_with_a_healthy_probe_is_up():
    states, _ = run(["S:?", "P:ok"])
    assert states == ["unknown", "up"]


def test_down_stays_down_when_both_sources_go_silent():
    states, _ = run(["P:fail", "P:fail", "P:fail", "S:?", "S:?"])
    assert states[2:] == ["down", "down", "down"]


def test_without_a_probe_recovery_needs_m_operational_readings():
    config = GateConfig(probe_enabled=False, up_after=2)
    states, _ = run(["S:down", "S:up", "S:up"], config=config)
    assert states == ["down", "down", "up"]


def test_since_is_the_time_of_the_last_change():
    _, state = run(["S:up", "P:ok", "S:down", "P:ok"])
    assert state.since == T0 + timedelta(minutes=2)


def test_resumed_down_state_still_needs_m_healthy_probes():
    state = GateState.resume("down", "probe failed", T0)
    states, _ = run(["S:up", "P:ok", "P:ok"], state=state)
    assert states == ["down", "down", "up"]


@pytest.mark.parametrize("bad", [dict(down_after=0), dict(up_after=0), dict(unknown_means="maybe")])
def test_bad_thresholds_are_refused(bad):
    with pytest.raises(ValueError):
        GateConfig(**bad)
