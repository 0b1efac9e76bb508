"""The operator page's outbox actions over HTTP: operators only, CSRF-checked, bad ids answered 400."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from intake import services
from intake.domain.severity import Severity
from intake.store.models import OutboxItem
from tests.clock.helpers import POLICY

from .conftest import csrf_of, sign_in


def _parked(factory) -> int:  # type: ignore[no-untyped-def]
    now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    with factory.begin() as s:
        t = services.open_ticket(s, policy=POLICY, now=now, channel="email", subject="s", body="b",
                                 requested_severity=Severity.S3, sender_email="a@shop.example")
        item = s.scalars(select(OutboxItem).where(OutboxItem.ticket_id == t.id)).first()
        item.state = "parked"
        return item.id


def test_only_operators_act_and_only_with_the_form_token(client, accounts, factory):
    item_id = _parked(factory)
    sign_in(client, "clara")
    page = client.get("/operator")
    assert page.status_code == 200 and f'data-outbox-id="{item_id}"' in page.text
    assert 'data-testid="retry"' not in page.text  # compliance sees the queue, not the buttons
    assert client.post(f"/operator/outbox/{item_id}/retry", data={"csrf_token": csrf_of(page.text)}).status_code == 403
    client.post("/signout", data={"csrf_token": csrf_of(page.text)})

    sign_in(client, "otto")
    page = client.get("/operator")
    token = csrf_of(page.text)
    assert client.post(f"/operator/outbox/{item_id}/retry", data={}).status_code == 403  # no CSRF token
    assert client.post(f"/operator/outbox/{item_id}/discard", data={"csrf_token": token}).status_code == 400
    missing = client.post("/operator/outbox/987654/retry", data={"csrf_token": token})
    assert missing.status_code == 400 and "no outbox item 987654" in missing.text
    ok = client.post(f"/operator/outbox/{item_id}/retry", data={"csrf_token": token})
    assert ok.status_code == 303 and ok.headers["location"].startswith("/operator?outbox=retried")
    with factory() as s:
        assert s.get(OutboxItem, item_id).state == "pending"
    again = client.post(f"/operator/outbox/{item_id}/discard", data={"csrf_token": token, "reason": "dup"})
    assert again.status_code == 303
    with factory() as s:
        assert s.get(OutboxItem, item_id).state == "discarded"
