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

Modules: :mod:`.gate` (:class:`GateState` + :func:`observe_status` / :func:`observe_probe` ; a pure state
machine, time passed in), :mod:`.statuspage`: :func:`interpret_status` and :func:`parse_unresolved_incidents` parse
bytes; :mod:`.monitor`: :class:`PortalMonitor` does the two HTTP calls with an ``httpx.Client`` passed in;
:mod:`.readings`: ``record_reading`` / ``latest_reading`` persist readings to ``PortalObservation``.
"""

from intake.portal.gate import (
    GateConfig,
    GateReading,
    GateState,
    effective_state,
    observe_probe,
    observe_status,
)
from intake.portal.monitor import PortalMonitor
from intake.portal.readings import latest_reading, record_reading
from intake.portal.statuspage import (
    PortalError,
    StatusIncident,
    StatusObservation,
    StatusPageError,
    incidents_for_component,
    interpret_status,
    parse_unresolved_incidents,
)

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
