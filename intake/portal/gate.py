"""The portal gate's state machine: hysteresis over status-page observations and health probes
(time passed in, no I/O)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from intake.portal.statuspage import Effective, State, StatusObservation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateConfig:
    """Thresholds of the gate (settings ``portal_*``)."""

    down_after: int = 3
    up_after: int = 2
    unknown_means: Effective = "down"
    maintenance_means: Effective = "down"
    probe_enabled: bool = True

    def __post_init__(self) -> None:
        if self.down_after < 1 or self.up_after < 1:
            raise ValueError("down_after and up_after must be at least 1")
        if self.unknown_means not in ("up", "down") or self.maintenance_means not in ("up", "down"):
            raise ValueError("unknown_means and maintenance_means must be 'up' or 'down'")


@dataclass(frozen=True)
class GateState:
    """Everything the gate remembers between observations. Immutable; each observe_* returns a
    new one."""

    state: State = "unknown"
    reason: str = "no observation yet"
    since: datetime | None = None
    component: State = "unknown"
    component_reason: str = "status page not read yet"
    probe_seen: bool = False
    probe_failures: int = 0  # consecutive failed probes
    probe_successes: int = 0  # consecutive healthy probes since the last failure or outage signal
    component_ups: int = 0  # consecutive "up" component readings (recovery when no probe is configured)
    probe_reason: str = "no probe yet"

    @classmethod
    def resume(cls, state: State, reason: str, at: datetime | None) -> GateState:
        """Continue from a persisted reading (a restarted worker): the same state, counters at
        zero, so a "down" gate still needs ``up_after`` healthy probes to reopen."""
        return cls(state=state, reason=f"resumed: {reason}", since=at)


def effective_state(state: GateState | State, config: GateConfig) -> Effective:
    """``up``/``down`` for the intake flow; ``unknown`` resolved by ``config.unknown_means``."""
    value = state.state if isinstance(state, GateState) else state
    if value == "unknown":
        return config.unknown_means
    return "up" if value == "up" else "down"


def _decide(s: GateState, config: GateConfig, now: datetime) -> GateState:
    probe_down = config.probe_enabled and s.probe_failures >= config.down_after
    new: State
    if s.component == "down" or probe_down:
        causes = []
        if s.component == "down":
            causes.append(s.component_reason)
        if probe_down:
            causes.append(f"health probe failed {s.probe_failures} times in a row ({s.probe_reason})")
        new, reason = "down", "; ".join(causes)
    elif s.state == "down":
        streak = s.probe_successes if config.probe_enabled else s.component_ups
        what = "healthy probes" if config.probe_enabled else "operational status readings"
        if streak >= config.up_after:
            new, reason = "up", f"{streak} {what} in a row since the outage; {s.component_reason}"
        else:
            new, reason = "down", f"recovering: {streak}/{config.up_after} {what} since the outage"
    elif s.component == "up" or (config.probe_enabled and s.probe_seen and s.probe_failures == 0):
        answer = s.component_reason if s.component == "up" else f"health probe healthy ({s.probe_reason})"
        new, reason = "up", answer
        if s.probe_failures:
            reason += f"; probe failed {s.probe_failures}/{config.down_after} (not yet down)"
    elif s.state == "up" and s.probe_failures:
        new = "up"
        reason = f"probe failed {s.probe_failures}/{config.down_after} (not yet down); {s.component_reason}"
    else:
        new = "unknown"
        probe = s.probe_reason if config.probe_enabled else "no health probe configured"
        reason = f"{s.component_reason}; {probe}; counts as {config.unknown_means}"
    since = s.since if new == s.state and s.since is not None else now
    if new != s.state:
        log.info("portal gate %s -> %s: %s", s.state, new, reason)
    return replace(s, state=new, reason=reason, since=since)


def observe_status(
    state: GateState, observation: StatusObservation, *, now: datetime, config: GateConfig
) -> GateState:
    """Fold a status-page observation into the gate. An outage signal restarts the count of
    healthy probes needed to reopen (hysteresis against a flapping component)."""
    s = replace(state, component=observation.verdict, component_reason=observation.reason)
    if observation.verdict == "down":
        s = replace(s, probe_successes=0, component_ups=0)
    elif observation.verdict == "up":
        s = replace(s, component_ups=s.component_ups + 1)
    else:
        s = replace(s, component_ups=0)
    return _decide(s, config, now)


def observe_probe(
    state: GateState, healthy: bool, detail: str, *, now: datetime, config: GateConfig
) -> GateState:
    """Fold one health-probe result into the gate."""
    if healthy:
        # a healthy probe while the status page still reports an outage doesn't count towards
        # reopening: recovery means both sources agree for up_after refreshes in a row
        successes = 0 if state.component == "down" else state.probe_successes + 1
        s = replace(state, probe_seen=True, probe_failures=0, probe_successes=successes, probe_reason=detail)
    else:
        s = replace(state, probe_seen=True, probe_failures=state.probe_failures + 1, probe_successes=0,
                    probe_reason=detail)
    return _decide(s, config, now)


@dataclass(frozen=True)
class GateReading:
    """One refresh's result, as persisted to ``PortalObservation`` and recorded with each mail."""

    state: State
    effective: Effective
    reason: str
    at: datetime
    source: str = "monitor"
