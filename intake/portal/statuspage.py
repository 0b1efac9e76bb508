"""The vendor's Statuspage (public v2 API): its JSON parsed into an observation of the website's
component and the unresolved incidents. Bytes in, values out; no I/O."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)

State = Literal["up", "down", "unknown"]
Effective = Literal["up", "down"]

# Statuspage v2 component status enum (statuspage-samples README; statuspage.io client types).
_COMPONENT_UP = {"operational": "operational", "degraded_performance": "degraded but usable"}
_COMPONENT_DOWN = {"partial_outage", "major_outage"}
_MAINTENANCE = "under_maintenance"
_INCIDENT_CLOSED = {"resolved", "postmortem", "completed"}
MAX_STATUS_BYTES = 5 * 1024 * 1024


class PortalError(Exception):
    """Base of errors raised by the portal module."""


class StatusPageError(PortalError):
    """The status page could not be read or understood (always transient: try again later)."""

    permanent = False

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


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


def incidents_for_component(incidents: Iterable[StatusIncident], component_id: str) -> list[StatusIncident]:
    """Incidents that name ``component_id`` first, then the rest (impact-``none`` incidents with
    no components are kept: staff may still want to link them)."""
    incidents = list(incidents)
    return [i for i in incidents if component_id in i.component_ids] + [
        i for i in incidents if component_id not in i.component_ids
    ]

