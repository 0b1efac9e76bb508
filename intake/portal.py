"""The portal gate: is the support website usable right now?

Support terms: email is the fallback channel for when the support website is unavailable. When the
website is up, a mail gets one pointer to the website; when it is down, the mail becomes a ticket.
This module decides "up" or "down" from two sources:

* the website's component on its **Statuspage** (public v2 API, ``summary.json`` or
  ``components.json``; the component configured by id or name; a group's rolled-up status);
* a **health probe** of the website (HTTP GET, explicit timeout; 2xx/3xx is healthy).

Rule (hysteresis, so a flapping website doesn't flip customers between "use the website" and
"we opened a ticket"): **down** as soon as the component is in partial/major outage or the probe
has failed ``down_after`` times in a row; **up again** only after ``up_after`` consecutive
healthy probes counted after the last outage signal, with the component not in outage.
**unknown** when neither source gives an answer (HTML or truncated bodies, unknown enum values,
timeouts, non-2xx from the status page, no probe yet); it resolves to ``unknown_means``, by
default **down**: a customer who writes while we can't tell must not be bounced to a website
that may be broken; the cost of the other mistake is one ticket that staff close as "use the
portal".

Layers: :class:`GateState` + :func:`observe_status` / :func:`observe_probe` are a pure state
machine (time passed in); :func:`interpret_status` and :func:`parse_unresolved_incidents` parse
bytes; :class:`PortalMonitor` does the two HTTP calls with an ``httpx.Client`` passed in; the
``record_reading`` / ``latest_reading`` helpers persist readings to ``PortalObservation``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import httpx

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.orm import Session

    from intake.settings import Settings

__all__ = [
    "GateConfig",
    "GateReading",
    "GateState",
    "PortalError",
    "PortalMonitor",
    "StatusIncident",
    "StatusObservation",
    "StatusPageError",
    "effective_state",
    "incidents_for_component",
    "interpret_status",
    "latest_reading",
    "observe_probe",
    "observe_status",
    "parse_unresolved_incidents",
    "record_reading",
]

log = logging.getLogger(__name__)

State = Literal["up", "down", "unknown"]
Effective = Literal["up", "down"]

# Statuspage v2 component status enum (statuspage-samples README; statuspage.io client types).
_COMPONENT_UP = {"operational": "operational", "degraded_performance": "degraded but usable"}
_COMPONENT_DOWN = {"partial_outage", "major_outage"}
_MAINTENANCE = "under_maintenance"
_INCIDENT_CLOSED = {"resolved", "postmortem", "completed"}
_MAX_STATUS_BYTES = 5 * 1024 * 1024


class PortalError(Exception):
    """Base of errors raised by the portal module."""


class StatusPageError(PortalError):
    """The status page could not be read or understood (always transient: try again later)."""

    permanent = False

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# --------------------------------------------------------------------------------------------
# pure parsing


@dataclass(frozen=True)
class StatusObservation:
    """What the status page says about our component: ``verdict`` up/down/unknown, the raw
    component ``status`` when there was one, and the ``reason`` in words."""

    verdict: State
    reason: str
    status: str | None = None


def _decode_json(body: bytes, content_type: str | None) -> Any:
    head = body.lstrip()[:64].lower()
    if (content_type and "html" in content_type.lower()) or head.startswith((b"<!doctype", b"<html", b"<")):
        raise StatusPageError("HTML instead of JSON (an error page in front of the status page?)")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise StatusPageError("body is not UTF-8 JSON") from exc
    except json.JSONDecodeError as exc:
        raise StatusPageError(f"invalid JSON ({exc.msg} at byte {exc.pos}; truncated?)") from exc


def _find_component(components: list[Any], wanted: str) -> dict[str, Any]:
    items = [c for c in components if isinstance(c, dict)]
    by_id = [c for c in items if str(c.get("id", "")) == wanted]
    if by_id:
        return by_id[0]
    key = wanted.strip().casefold()
    by_name = [c for c in items if str(c.get("name", "")).strip().casefold() == key]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        ids = ", ".join(str(c.get("id")) for c in by_name)
        raise StatusPageError(f"component name {wanted!r} is ambiguous ({ids}); configure the id")
    raise StatusPageError(f"component {wanted!r} not on the status page")


def interpret_status(
    body: bytes,
    *,
    component: str,
    content_type: str | None = None,
    maintenance_means: Effective = "down",
) -> StatusObservation:
    """Read our component's state from a ``components.json`` or ``summary.json`` body.

    Never raises: anything we can't read is an ``unknown`` observation with the reason. The
    component is matched by id, else by name (case-insensitive; ambiguous names are unknown). A
    group component's own status is its rolled-up status (Statuspage sets it to the worst child).
    """
    try:
        doc = _decode_json(body, content_type)
        if not isinstance(doc, dict) or not isinstance(doc.get("components"), list):
            raise StatusPageError("no components list in the response")
        comp = _find_component(doc["components"], component)
    except StatusPageError as exc:
        return StatusObservation("unknown", f"status page: {exc.reason}")
    status = comp.get("status")
    label = f"{comp.get('name', component)!s}{' (group)' if comp.get('group') else ''}"
    if not isinstance(status, str):
        return StatusObservation("unknown", f"status page: {label} has no status")
    if status in _COMPONENT_DOWN:
        return StatusObservation("down", f"status page: {label} is {status}", status)
    if status in _COMPONENT_UP:
        return StatusObservation("up", f"status page: {label} is {status}", status)
    if status == _MAINTENANCE:
        return StatusObservation(
            maintenance_means, f"status page: {label} is under_maintenance (counts as {maintenance_means})", status
        )
    return StatusObservation("unknown", f"status page: {label} has unknown status {status[:40]!r}", status)


@dataclass(frozen=True)
class StatusIncident:
    """An unresolved status-page incident, for the Slack "link a status-page incident" action."""

    id: str
    name: str
    shortlink: str | None
    status: str
    impact: str
    component_ids: tuple[str, ...]


def parse_unresolved_incidents(body: bytes, *, content_type: str | None = None) -> list[StatusIncident]:
    """Unresolved incidents from ``summary.json``, ``incidents/unresolved.json`` or ``incidents.json``
    (resolved and post-mortem ones are left out). Raises :class:`StatusPageError` on a bad body."""
    doc = _decode_json(body, content_type)
    if not isinstance(doc, dict) or not isinstance(doc.get("incidents"), list):
        raise StatusPageError("no incidents list in the response")
    out: list[StatusIncident] = []
    for inc in doc["incidents"]:
        if not isinstance(inc, dict) or not inc.get("id"):
            continue
        status = str(inc.get("status") or "")
        if status in _INCIDENT_CLOSED:
            continue
        ids: list[str] = []
        for comp in inc.get("components") or []:
            if isinstance(comp, dict) and comp.get("id"):
                ids.append(str(comp["id"]))
        for update in inc.get("incident_updates") or []:
            for affected in (update.get("affected_components") or []) if isinstance(update, dict) else []:
                if isinstance(affected, dict) and affected.get("code"):
                    ids.append(str(affected["code"]))
        out.append(
            StatusIncident(
                id=str(inc["id"]),
                name=str(inc.get("name") or ""),
                shortlink=str(inc["shortlink"]) if inc.get("shortlink") else None,
                status=status,
                impact=str(inc.get("impact") or "none"),
                component_ids=tuple(dict.fromkeys(ids)),
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# pure state machine


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


# --------------------------------------------------------------------------------------------
# the HTTP side


@dataclass(frozen=True)
class GateReading:
    """One refresh's result, as persisted to ``PortalObservation`` and recorded with each mail."""

    state: State
    effective: Effective
    reason: str
    at: datetime
    source: str = "monitor"


def _api_base(url: str) -> str:
    idx = url.find("/api/v2/")
    return url[:idx] if idx >= 0 else url.rstrip("/")


class PortalMonitor:
    """Reads the status page and probes the website, feeding the :class:`GateState`.

    The ``httpx.Client`` is passed in (tests give one that talks to the local fake); every request
    has the explicit ``timeout`` and the body reads are capped in size and total time.
    ``status_url`` is the page's base URL (``https://status.example.com``, then ``summary.json``
    is read) or the full URL of ``summary.json``/``components.json``.
    """

    def __init__(
        self,
        *,
        http_client: httpx.Client,
        status_url: str | None,
        component: str,
        health_url: str | None,
        timeout: float = 5.0,
        config: GateConfig | None = None,
        state: GateState | None = None,
    ) -> None:
        if status_url is None and health_url is None:
            raise ValueError("the portal gate needs a status page URL, a health URL, or both")
        self._client = http_client
        self.status_url = (
            None if status_url is None
            else status_url if status_url.endswith(".json")
            else f"{_api_base(status_url)}/api/v2/summary.json"
        )
        self.incidents_url = None if status_url is None else f"{_api_base(status_url)}/api/v2/incidents/unresolved.json"
        self.component = component
        self.health_url = health_url
        self.timeout = timeout
        base = config or GateConfig()
        self.config = replace(base, probe_enabled=health_url is not None)
        self.state = state or GateState()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, http_client: httpx.Client, resume: GateReading | None = None
    ) -> PortalMonitor:
        """Wire a monitor from settings; ``resume`` continues from the last persisted reading."""
        config = GateConfig(
            down_after=settings.portal_down_after,
            up_after=settings.portal_up_after,
            unknown_means=settings.portal_unknown_means,
            maintenance_means=settings.portal_maintenance_means,
        )
        state = GateState.resume(resume.state, resume.reason, resume.at) if resume else None
        return cls(
            http_client=http_client,
            status_url=settings.statuspage_url,
            component=settings.statuspage_component,
            health_url=settings.health_url,
            timeout=settings.http_timeout,
            config=config,
            state=state,
        )

    # -- fetching ------------------------------------------------------------------------------

    def _get(self, url: str, *, follow_redirects: bool) -> tuple[int, str | None, bytes]:
        """GET with the explicit timeout; the body is read up to a size cap and within the total
        time budget (httpx's read timeout is per chunk: a drip-feeding server could last forever)."""
        deadline = time.monotonic() + self.timeout
        with self._client.stream(
            "GET", url, timeout=httpx.Timeout(self.timeout), follow_redirects=follow_redirects,
            headers={"Accept": "application/json", "User-Agent": "supportbot-portal-gate"},
        ) as resp:
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > _MAX_STATUS_BYTES:
                    raise StatusPageError(f"response larger than {_MAX_STATUS_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(f"body not complete within {self.timeout:g}s")
            return resp.status_code, resp.headers.get("content-type"), b"".join(chunks)

    def read_status(self) -> StatusObservation:
        """One status-page reading (never raises; failures are ``unknown`` with the reason)."""
        if self.status_url is None:
            return StatusObservation("unknown", "no status page configured")
        try:
            code, ctype, body = self._get(self.status_url, follow_redirects=True)
        except httpx.TimeoutException:
            return StatusObservation("unknown", f"status page: no answer within {self.timeout:g}s")
        except (httpx.HTTPError, OSError) as exc:
            return StatusObservation("unknown", f"status page: {type(exc).__name__}")
        except StatusPageError as exc:
            return StatusObservation("unknown", f"status page: {exc.reason}")
        if not 200 <= code < 300:
            return StatusObservation("unknown", f"status page: HTTP {code}")
        return interpret_status(
            body, component=self.component, content_type=ctype, maintenance_means=self.config.maintenance_means
        )

    def probe(self) -> tuple[bool, str]:
        """One health probe of the website: ``(healthy, detail)``. 2xx and 3xx are healthy
        (a redirect to a login page still means the site answers); redirects are not followed."""
        if self.health_url is None:
            return False, "no health probe configured"
        started = time.monotonic()
        try:
            code, _, _ = self._get(self.health_url, follow_redirects=False)
        except httpx.TimeoutException:
            return False, f"probe: no answer within {self.timeout:g}s"
        except (httpx.HTTPError, OSError, StatusPageError) as exc:
            return False, f"probe: {type(exc).__name__}"
        ms = (time.monotonic() - started) * 1000
        if 200 <= code < 400:
            return True, f"probe: HTTP {code} in {ms:.0f} ms"
        return False, f"probe: HTTP {code}"

    def refresh(self, now: datetime) -> GateReading:
        """Read the status page, probe the website, update the gate, return the reading."""
        if self.status_url is not None:
            self.state = observe_status(self.state, self.read_status(), now=now, config=self.config)
        if self.health_url is not None:
            healthy, detail = self.probe()
            self.state = observe_probe(self.state, healthy, detail, now=now, config=self.config)
        return self.reading(now)

    def reading(self, now: datetime) -> GateReading:
        state = self.state
        return GateReading(state.state, effective_state(state, self.config), state.reason, now)

    def unresolved_incidents(self) -> list[StatusIncident]:
        """The status page's unresolved incidents. Raises :class:`StatusPageError` when it can't
        be read (the Slack action shows the reason)."""
        if self.incidents_url is None:
            raise StatusPageError("no status page configured")
        try:
            code, ctype, body = self._get(self.incidents_url, follow_redirects=True)
        except httpx.TimeoutException as exc:
            raise StatusPageError(f"no answer within {self.timeout:g}s") from exc
        except (httpx.HTTPError, OSError) as exc:
            raise StatusPageError(type(exc).__name__) from exc
        if not 200 <= code < 300:
            raise StatusPageError(f"HTTP {code}")
        return parse_unresolved_incidents(body, content_type=ctype)


# --------------------------------------------------------------------------------------------
# persistence


def record_reading(session: Session, reading: GateReading) -> Any:
    """Add the reading to ``PortalObservation`` (the caller commits). Returns the row."""
    from intake.store.models import PortalObservation

    row = PortalObservation(
        at=reading.at, state=reading.state, effective=reading.effective,
        reason=reading.reason[:2000], source=reading.source[:32],
    )
    session.add(row)
    session.flush()
    return row


def latest_reading(session: Session) -> GateReading | None:
    """The most recent persisted reading, or None when the gate never ran."""
    from sqlalchemy import select

    from intake.store.models import PortalObservation

    row = session.execute(
        select(PortalObservation).order_by(PortalObservation.at.desc(), PortalObservation.id.desc()).limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    state: State = row.state if row.state in ("up", "down", "unknown") else "unknown"  # type: ignore[assignment]
    effective: Effective = row.effective if row.effective in ("up", "down") else "down"  # type: ignore[assignment]
    return GateReading(state, effective, row.reason, row.at, row.source or "monitor")


def incidents_for_component(incidents: Iterable[StatusIncident], component_id: str) -> list[StatusIncident]:
    """Incidents that name ``component_id`` first, then the rest (impact-``none`` incidents with
    no components are kept: staff may still want to link them)."""
    incidents = list(incidents)
    return [i for i in incidents if component_id in i.component_ids] + [
        i for i in incidents if component_id not in i.component_ids
    ]

