"""The read API (``/api/v1``) on SQLite and PostgreSQL: tokens and roles, filters, pagination, problem
bodies, audit rows, never a redacted value; and the ``supportbot api-token`` commands."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from starlette.routing import Mount

from intake.store.models import ApiToken, AuditEntry
from intake.web import api_schema
from tests.web.api_data import CANARIES, Seeded, seed


@pytest.fixture
def data(factory, clock) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(factory, now=clock.now)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _walk(client, path: str, token: str, **params: object) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Every item of a list, following next_cursor; asserts each page respects the limit."""
    items: list[dict[str, object]] = []
    query = dict(params)
    for _ in range(100):
        resp = client.get(path, params=query, headers=_auth(token))
        assert resp.status_code == 200, resp.text
        page = resp.json()
        assert len(page["items"]) <= int(query.get("limit", 50))  # type: ignore[arg-type]
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]
    raise AssertionError("pagination did not end")


# -- tokens and roles ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/tickets/SB-000001", "/api/v1/redactions"])
def test_no_token_an_unknown_one_or_a_revoked_one_is_401_with_a_bearer_challenge(client, data, path):
    for headers in ({}, _auth("sbt_not-a-real-token"), _auth(data.tokens["revoked"]), {"Authorization": "Basic eDp5"}):
        resp = client.get(path + "?limit=0", headers=headers)  # auth before parameters: still 401
        assert resp.status_code == 401, (headers, resp.text)
        assert resp.headers["WWW-Authenticate"].startswith('Bearer realm="supportbot"')
        assert resp.headers["Content-Type"] == "application/problem+json"
        body = resp.json()
        assert body["status"] == 401 and body["title"] == "Unauthorized" and body["type"] == "about:blank"
    bad = client.get(path, headers=_auth("sbt_not-a-real-token"))
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]


def test_a_compliance_token_gets_403_on_tickets_and_an_operator_token_on_redactions(client, data, factory):
    for path in ("/api/v1/tickets", "/api/v1/tickets/SB-000001"):
        resp = client.get(path, headers=_auth(data.tokens["compliance"]))
        assert resp.status_code == 403 and resp.json()["status"] == 403
        assert "Checkout" not in resp.text
    resp = client.get("/api/v1/redactions", headers=_auth(data.tokens["operator"]))
    assert resp.status_code == 403
    assert resp.headers["WWW-Authenticate"] == 'Bearer realm="supportbot", error="insufficient_scope"'
    for value in data.redactions[0]["fingerprints"]:  # type: ignore[attr-defined]
        assert value not in resp.text
    with factory() as s:
        denied = s.execute(select(AuditEntry.username, AuditEntry.target).where(AuditEntry.action == "denied")).all()
    assert ("api:test-compliance", "/api/v1/tickets") in denied
    assert ("api:test-operator", "/api/v1/redactions") in denied


def test_use_marks_last_used_at_and_revocation_takes_effect_at_the_next_request(client, data, factory, clock):
    assert client.get("/api/v1/tickets", headers=_auth(data.tokens["operator"])).status_code == 200
    with factory.begin() as s:
        row = s.scalar(select(ApiToken).where(ApiToken.name == "test-operator"))
        assert row is not None and row.last_used_at == clock.now
        row.revoked_at = clock.now
    assert client.get("/api/v1/tickets", headers=_auth(data.tokens["operator"])).status_code == 401


# -- tickets -----------------------------------------------------------------------------------------------------

def test_pages_of_tickets_give_every_ticket_once_in_submission_order_ties_by_id(client, data):
    items = _walk(client, "/api/v1/tickets", data.tokens["operator"], limit=5)
    expected = sorted(data.tickets, key=lambda t: (t["submitted_at"], t["id"]))  # type: ignore[arg-type,return-value]
    assert [i["token"] for i in items] == [t["token"] for t in expected]
    assert len({t["submitted_at"] for t in data.tickets}) < len(data.tickets)  # ties exist


@pytest.mark.parametrize("params", [
    {"state": ["open", "responded"]},
    {"severity": "S1"},
    {"severity": ["S2", "S4"], "channel": "email"},
    {"organization": "Müller & Söhne Sàrl"},
    {"submitted_since": "2026-11-22T09:00:00Z", "submitted_until": "2026-11-23T10:00:00+01:00"},
    {"state": "closed", "organization": "Acme GmbH", "limit": 2},
])
def test_ticket_filters_select_exactly_the_matching_tickets(client, data, params):
    items = _walk(client, "/api/v1/tickets", data.tokens["operator"], **params)

    def wanted(t: dict[str, object]) -> bool:
        def any_of(name: str, key: str) -> bool:
            given = params.get(name)
            return given is None or t[key] in ([given] if isinstance(given, str) else given)
        since = params.get("submitted_since")
        until = params.get("submitted_until")
        at: dt.datetime = t["submitted_at"]  # type: ignore[assignment]
        return (any_of("state", "state") and any_of("severity", "severity") and any_of("channel", "channel")
                and any_of("organization", "organization")
                and (since is None or at >= dt.datetime.fromisoformat(str(since)))
                and (until is None or at < dt.datetime.fromisoformat(str(until))))

    expected = [t["token"] for t in sorted(data.tickets, key=lambda t: (t["submitted_at"], t["id"]))  # type: ignore[arg-type,return-value]
                if wanted(t)]
    assert expected, "a filter test needs matches"
    assert [i["token"] for i in items] == expected


def test_a_ticket_with_its_events_sla_and_sender(client, data, factory, clock):
    responded = next(t for t in data.tickets if t["state"] == "responded")
    resp = client.get(f"/api/v1/tickets/{responded['token']}", headers=_auth(data.tokens["operator"]))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["token"] == responded["token"] and body["body"].startswith("The checkout fails")
    assert [e["kind"] for e in body["events"]] == ["opened", "initial_response"]
    assert body["sla"]["state"] == "responded" and body["sla"]["initial_response_at"].endswith("Z")
    assert body["sender"]["email"].endswith("@example.com") and isinstance(body["sender"]["verified"], bool)
    open_ = next(t for t in data.tickets if t["state"] == "open")
    sla = client.get(f"/api/v1/tickets/{open_['token']}", headers=_auth(data.tokens["operator"])).json()["sla"]
    assert sla["state"] in ("breached", "at_risk", "on_track")
    assert (sla["overdue_seconds"] is None) != (sla["remaining_seconds"] is None)
    with factory() as s:
        viewed = s.scalars(select(AuditEntry.target).where(AuditEntry.action == "api_view_ticket")).all()
    assert viewed == [f"ticket:{responded['token']}", f"ticket:{open_['token']}"]


def test_the_api_is_read_only_other_methods_are_405_and_head_works(client, data):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        resp = client.request(method, "/api/v1/tickets", headers=_auth(data.tokens["operator"]))
        assert resp.status_code == 405 and "GET" in resp.headers["Allow"], method
    head = client.head("/api/v1/tickets", headers=_auth(data.tokens["operator"]))
    assert head.status_code == 200 and head.content == b""


def test_an_unknown_ticket_or_path_is_a_404_problem(client, data):
    for path in ("/api/v1/tickets/SB-999999", "/api/v1/tickets/" + "X" * 40, "/api/v1/nothing-here"):
        resp = client.get(path, headers=_auth(data.tokens["operator"]))
        assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/problem+json", path


@pytest.mark.parametrize(("query", "parameters"), [
    ("limit=0", ["limit"]),
    ("limit=201", ["limit"]),
    ("limit=ten", ["limit"]),
    ("limit=-1", ["limit"]),
    ("state=pending", ["state"]),
    ("severity=S5&channel=fax", ["severity", "channel"]),
    ("submitted_since=yesterday", ["submitted_since"]),
    ("submitted_since=2026-11-24", ["submitted_since"]),  # a date is not an instant
    ("submitted_until=2026-11-24T10:00:00", ["submitted_until"]),  # no offset
    ("submitted_until=2026-02-30T10:00:00Z", ["submitted_until"]),
    ("submitted_until=0001-01-01T00:00:00%2B01:00", ["submitted_until"]),  # overflows when made UTC
    ("organization=", ["organization"]),
    ("organization=a%00b", ["organization"]),
    ("organization=Acme&organization=Globex", ["organization"]),
    ("cursor=%21%21", ["cursor"]),
    ("cursor=cnwxMg", ["cursor"]),  # a redaction-log cursor ("r|12")
    ("cursor=" + api_schema.TICKET_CURSOR.encode("0001-01-01T00:00:00+05:00", "1"), ["cursor"]),  # not UTC
    ("cursor=" + api_schema.TICKET_CURSOR.encode("2026-11-24T09:00:00", "1"), ["cursor"]),  # naive
    ("cursor=" + api_schema.TICKET_CURSOR.encode("2026-11-24T09:00:00+00:00", "99999999999999999999"), ["cursor"]),
    ("severty=S1", ["severty"]),
])
def test_bad_ticket_parameters_are_a_400_problem_naming_each(client, data, query, parameters):
    resp = client.get(f"/api/v1/tickets?{query}", headers=_auth(data.tokens["operator"]))
    assert resp.status_code == 400, resp.text
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.json()
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert sorted(e["parameter"] for e in body["errors"]) == sorted(parameters)


# -- redaction log ---------------------------------------------------------------------------------------------

def test_redaction_pages_give_every_entry_once_in_chain_order_and_never_a_value(client, data, factory):
    items = _walk(client, "/api/v1/redactions", data.tokens["compliance"], limit=4)
    assert [i["id"] for i in items] == [e["id"] for e in data.redactions]
    first = items[0]
    assert set(first["findings"][0]) == {"type", "start", "end", "recognizer", "score", "fingerprint"}
    assert first["findings"][0]["fingerprint"] in data.redactions[0]["fingerprints"]  # type: ignore[operator]
    text = str(items)
    for canary in CANARIES:
        assert canary not in text and canary[:10] not in text
    with factory() as s:
        shown = s.scalars(select(AuditEntry.data).where(AuditEntry.action == "api_list_redactions")).all()
    assert sorted(i for d in shown for i in d["shown"]) == [e["id"] for e in data.redactions]


def test_redaction_filters_type_exact_channel_org_and_time(client, data):
    token = data.tokens["compliance"]
    only_email = _walk(client, "/api/v1/redactions", token, type="EMAIL_ADDRESS")
    assert [i["id"] for i in only_email] == [e["id"] for e in data.redactions if "EMAIL_ADDRESS" in e["types"]]  # type: ignore[operator]
    assert _walk(client, "/api/v1/redactions", token, type="EMAIL") == []
    assert _walk(client, "/api/v1/redactions", token, type="EMAIL_ADDRES_") == []  # '_' is no wildcard
    since = data.redactions[5]["created_at"]
    until = data.redactions[15]["created_at"]
    window = _walk(client, "/api/v1/redactions", token, since=since.isoformat(),  # type: ignore[attr-defined]
                   until=until.isoformat(), channel="slack", organization="Globex AG")  # type: ignore[attr-defined]
    expected = [e["id"] for e in data.redactions[5:15] if e["channel"] == "slack" and e["organization"] == "Globex AG"]
    assert expected and [i["id"] for i in window] == expected


def test_bad_redaction_parameters_are_a_400_problem(client, data):
    token = data.tokens["compliance"]
    for query, param in (("type=EMAIL%25", "type"), ("since=last+week", "since"), ("limit=1000", "limit"),
                         ("cursor=" + api_schema.REDACTION_CURSOR.encode("-1"), "cursor"),
                         ("cursor=" + api_schema.REDACTION_CURSOR.encode("9" * 30), "cursor"),
                         ("cursor=" + api_schema.REDACTION_CURSOR.encode("1_0"), "cursor"),
                         ("cursor=dHwyMDI2LTExLTI0VDA5OjAwOjAwKzAwOjAwfDE", "cursor"), ("state=open", "state")):
        resp = client.get(f"/api/v1/redactions?{query}", headers=_auth(token))
        assert resp.status_code == 400, (query, resp.text)
        assert [e["parameter"] for e in resp.json()["errors"]] == [param]


# -- the document --------------------------------------------------------------------------------------------------

def test_the_openapi_document_is_public_and_describes_every_route_of_the_mount(app, client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["openapi"].startswith("3.1") and doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == api_schema.PREFIX)
    served = {api_schema.PREFIX + r.path.replace("{token}", "{token}") for r in mount.routes}
    assert set(doc["paths"]) == served
    listed = doc["paths"]["/api/v1/tickets"]["get"]
    assert {p["name"] for p in listed["parameters"]} == {
        "state", "severity", "channel", "organization", "submitted_since", "submitted_until", "limit", "cursor"}
    assert set(listed["responses"]) == {"200", "400", "401", "403"}
    assert doc["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_the_openapi_document_is_a_valid_openapi_3_1_document(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").json())


# -- the commands --------------------------------------------------------------------------------------------------

def test_api_token_commands_create_list_and_revoke_with_audit(db_url, engine, factory, monkeypatch, tmp_path,
                                                              web_settings, clock):
    from click.testing import CliRunner
    from starlette.testclient import TestClient

    from intake.cli import main
    from intake.domain.policy import Policy
    from intake.settings import get_settings
    from intake.web.app import create_app

    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        created = runner.invoke(main, ["api-token", "create", "--name", "portal-sync", "--role", "operator"])
        assert created.exit_code == 0, created.output
        token = created.stdout.strip()
        assert token.startswith("sbt_") and len(token) > 40 and "\n" not in token
        again = runner.invoke(main, ["api-token", "create", "--name", "portal-sync", "--role", "compliance"])
        assert again.exit_code == 1 and "exists" in again.output
        assert runner.invoke(main, ["api-token", "create", "--name", "x", "--role", "root"]).exit_code == 2
        listed = runner.invoke(main, ["api-token", "list"])
        assert listed.exit_code == 0 and "portal-sync\toperator\tactive" in listed.output and "last used never" in listed.output
        assert token not in listed.output
        app = create_app(web_settings, factory=factory, clock=clock, policy=Policy.default(), health_checks={})
        with TestClient(app) as client:
            assert client.get("/api/v1/tickets", headers=_auth(token)).status_code == 200
            assert runner.invoke(main, ["api-token", "revoke", "portal-sync"]).exit_code == 0
            assert client.get("/api/v1/tickets", headers=_auth(token)).status_code == 401
        twice = runner.invoke(main, ["api-token", "revoke", "portal-sync"])
        assert twice.exit_code == 1 and "already revoked" in twice.output
        assert runner.invoke(main, ["api-token", "revoke", "nobody"]).exit_code == 1
        assert "revoked" in runner.invoke(main, ["api-token", "list"]).output
    finally:
        get_settings.cache_clear()
    with factory() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.target).where(AuditEntry.action.like("api_token_%"))
                         .order_by(AuditEntry.id)).all()
        stored = s.scalar(select(ApiToken.token_hash).where(ApiToken.name == "portal-sync"))
    assert rows == [("api_token_created", "api_token:portal-sync"), ("api_token_revoked", "api_token:portal-sync")]
    assert stored is not None and token not in stored


# -- instants ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-01T00:00:00Z", dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),
    ("2026-12-01t00:00:00z", dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),  # RFC 3339 5.6 allows lower case
    ("2026-12-01T01:30:00+01:30", dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),
    ("2026-11-30T23:00:00.5-01:00", dt.datetime(2026, 12, 1, 0, 0, 0, 500000, tzinfo=dt.UTC)),
    ("2026-12-01T00:00:00.123456789Z", dt.datetime(2026, 12, 1, 0, 0, 0, 123456, tzinfo=dt.UTC)),  # cut, not rounded
    ("2016-12-31T23:59:60Z", dt.datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)),  # a leap second
])
def test_instants_are_rfc_3339_date_times_made_utc(text, expected):
    assert api_schema.parse_instant(text) == expected


@pytest.mark.parametrize("text", [
    "2026-12-01", "2026-12-01T00:00:00", "2026-12-01 00:00:00Z", "2026-12-01T00:00Z", "2026-13-01T00:00:00Z",
    "2026-12-01T24:00:00Z", "2026-12-01T00:00:00+24:00", "2026-12-01T00:00:00+0100", "0001-01-01T00:00:00+00:01",
    "9999-12-31T23:59:59-00:01", "２０２６-12-01T00:00:00Z", "",
])
def test_anything_else_is_not_an_instant(text):
    with pytest.raises(ValueError):
        api_schema.parse_instant(text)
