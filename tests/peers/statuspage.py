"""pytest plugin: the status page peer (:class:`sandbox.statuspage.StatuspageServer`, the sandbox's own
status page serving the recorded scenarios in ``sandbox/statuspage_samples/``).

One server per test session; ``statuspage`` resets it for each test to the ``operational`` scenario,
no error, a healthy probe. Controls (see :mod:`sandbox.statuspage`)::

    statuspage.set_scenario("major-outage-critical")   # any of sandbox.statuspage.SCENARIOS
    statuspage.set_error("html-503")                   # html-503 | html-200 | truncated | unknown-status
                                                       # | http-500 | slow | drip | reset | None
    statuspage.set_health(503)                         # status code of /healthz
    statuspage.set_health_sequence([200, 503, 503])    # one code per probe, the last one repeats
    statuspage.set_health_delay(2.0)                   # /healthz answers late (probe timeouts)

``statuspage.base_url`` is the page URL to configure as ``statuspage_url``;
``statuspage.health_url`` the website probe URL; ``statuspage.requests`` records ``(method, path)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.statuspage import ERROR_MODES, SCENARIOS, StatuspageServer

__all__ = ["ERROR_MODES", "SCENARIOS", "StatuspageServer", "statuspage", "statuspage_server"]


@pytest.fixture(scope="session")
def statuspage_server() -> Iterator[StatuspageServer]:
    """The session's status-page server (prefer the function-scoped ``statuspage``)."""
    server = StatuspageServer(scenario="operational").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def statuspage(statuspage_server: StatuspageServer) -> Iterator[StatuspageServer]:
    """The status page + health endpoint, reset to operational/healthy for this test."""
    statuspage_server.reset()
    yield statuspage_server
    statuspage_server.reset()
