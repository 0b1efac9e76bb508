"""The HTTP side of the portal gate: the status page and the website probe, with an ``httpx.Client``
passed in, turned into a :class:`GateReading`."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

import httpx

from intake.portal.gate import (
    GateConfig,
    GateReading,
    GateState,
    effective_state,
    observe_probe,
    observe_status,
)
from intake.portal.statuspage import (
    MAX_STATUS_BYTES,
    StatusIncident,
    StatusObservation,
    StatusPageError,
    interpret_status,
    parse_unresolved_incidents,
)

if TYPE_CHECKING:  # pragma: no cover
    from intake.settings import Settings

log = logging.getLogger(__name__)


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
                if size > MAX_STATUS_BYTES:
                    raise StatusPageError(f"response larger than {MAX_STATUS_BYTES} bytes")
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
