"""schemathesis against the real ``supportbot web`` process: the read API as its OpenAPI document says.

The server is the ``supportbot web`` command itself (uvicorn on a free loopback port), on a real
database (SQLite and PostgreSQL) holding tickets, events, a redaction log and tokens. Generated
requests, valid and invalid, must never get a 5xx, every response must match the document (status,
content type, headers, body), and the tokens must hold: without one every protected operation is
401, with a token of the other role it is 403.

The run is bounded (``MAX_EXAMPLES`` per operation, no shrinking database) so the suite stays fast;
``SUPPORTBOT_API_FUZZ_EXAMPLES`` raises it for a longer hunt.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.overrides import Override
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from intake.store.db import make_engine, session_factory, upgrade
from tests.conftest import _truncate
from tests.web.api_data import Seeded, seed

MAX_EXAMPLES = int(os.environ.get("SUPPORTBOT_API_FUZZ_EXAMPLES", "25"))
ROLE_OF = {"/api/v1/tickets": "operator", "/api/v1/tickets/{token}": "operator", "/api/v1/redactions": "compliance"}
CONFORMANCE = [status_code_conformance, content_type_conformance, response_headers_conformance,
               response_schema_conformance]


@dataclass
class Server:
    base: str
    data: Seeded


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def api_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("api-fuzz")
    if request.param == "sqlite":
        url = f"sqlite:///{directory}/supportbot.db"
    else:
        url = request.getfixturevalue("postgres_server_url")
    upgrade(url)
    engine = make_engine(url)
    try:
        _truncate(engine)  # the PostgreSQL database is shared with the other modules' tests
        data = seed(session_factory(engine), now=dt.datetime.now(dt.UTC), tickets=60, entries=40)
    finally:
        engine.dispose()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTBOT_", "SLACK_"))}
    env |= {"SUPPORTBOT_DATABASE_URL": url, "SUPPORTBOT_DATA_DIR": str(directory), "SUPPORTBOT_WEB_HOST": "127.0.0.1",
            "SUPPORTBOT_WEB_PORT": str(port), "SUPPORTBOT_LOG_LEVEL": "WARNING"}
    exe = Path(sys.executable).with_name("supportbot")
    log_path = directory / "web.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(exe), "web"], cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5) as resp:
                    assert resp.status == 200
                break
            except OSError:
                assert proc.poll() is None, log_path.read_text(errors="replace")
                assert time.monotonic() < deadline, "supportbot web did not come up"
                time.sleep(0.3)
        yield Server(base, data)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text, text[-5000:]


def _operations(server: Server) -> list[APIOperation]:
    schema = schemathesis.openapi.from_url(server.base + "/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= set(ROLE_OF)
    return operations


def _fuzz(operations: list[APIOperation], mode: GenerationMode, check: Callable[[Case], None]) -> None:
    """Run ``check`` on generated cases of every operation (hypothesis drives schemathesis' strategies).

    schemathesis' own pytest loader (``from_fixture``) does not run under pytest 9, so the tests draw
    from the same strategies directly.
    """
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.path_parameters and not operation.query:
            continue  # nothing to make invalid

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Case) -> None:
            check(case)

        run()


def _coverage(operations: list[APIOperation], check: Callable[[Case], None]) -> int:
    """Run ``check`` on schemathesis' coverage cases: the deterministic boundary values (limit 0, 1, 200,
    201; empty, wrong-typed and unknown parameters; the longest allowed strings), valid and invalid."""
    count = 0
    for operation in operations:
        generator = CoverageGenerator(
            operation=operation, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=operation.schema.config.generation_for(operation=operation, phase="coverage"),
            auth_storage=None, override=Override(), feedback=FeedbackSources())
        for case in generator:
            check(case)
            count += 1
    return count


def _auth(api_server: Server, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_server.data.tokens[role]}"}


def _with_its_role(api_server: Server) -> Callable[[Case], None]:
    def check(case: Case) -> None:
        role = ROLE_OF.get(case.operation.path)
        # A cursor is opaque: the schema can say its alphabet, not which strings we handed out, so a
        # generated one is rightly refused (400). Every other valid request must be accepted.
        opaque = bool(case.query and "cursor" in case.query)
        case.call_and_validate(headers=_auth(api_server, role) if role else None,
                               excluded_checks=[positive_data_acceptance] if opaque else None)

    return check


def test_with_the_token_of_its_role_every_boundary_case_conforms(api_server):
    assert _coverage(_operations(api_server), _with_its_role(api_server)) > 200


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_with_the_token_of_its_role_every_operation_conforms_and_never_fails(api_server, mode):
    _fuzz(_operations(api_server), mode, _with_its_role(api_server))


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_without_a_token_every_protected_operation_is_401(api_server, mode):
    def check(case: Case) -> None:
        # schemathesis also generates Authorization headers of its own (the bearer scheme): none works.
        response = case.call()
        if case.operation.path in ROLE_OF:
            assert response.status_code == 401, response.text
            assert response.headers["www-authenticate"][0].startswith('Bearer realm="supportbot"')
        else:
            assert response.status_code == 200
        case.validate_response(response, checks=CONFORMANCE)

    _fuzz(_operations(api_server), mode, check)


def test_a_revoked_token_is_401_and_a_token_of_the_other_role_is_403(api_server):
    def check(case: Case) -> None:
        role = ROLE_OF.get(case.operation.path)
        if role is None:
            return
        revoked = case.call(headers=_auth(api_server, "revoked"))
        assert revoked.status_code == 401, revoked.text
        case.validate_response(revoked, checks=CONFORMANCE)
        other = case.call(headers=_auth(api_server, "compliance" if role == "operator" else "operator"))
        assert other.status_code == 403, other.text
        case.validate_response(other, checks=CONFORMANCE)

    _fuzz(_operations(api_server), GenerationMode.POSITIVE, check)
