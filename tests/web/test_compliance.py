"""The redaction log pages: filters, detail, verdicts, exports, chain status, audit trail."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select, update

from intake.store.models import AuditEntry, RedactionLogEntry
from tests.web.conftest import csrf_of, sign_in


def _ids(html: str) -> list[int]:
    import re

    return [int(m) for m in re.findall(r'<td><a href="/compliance/redactions/(\d+)">', html)]


def test_the_list_shows_all_entries_newest_first(client, entries):
    sign_in(client, "clara")
    page = client.get("/compliance/redactions")
    assert _ids(page.text) == list(reversed(entries))
    assert "5 entries match" in page.text


def test_filters_by_organization_type_channel_and_time(client, entries, clock):
    sign_in(client, "clara")
    assert _ids(client.get("/compliance/redactions?organization=Globex+AG").text) == [entries[4], entries[1]]
    assert _ids(client.get("/compliance/redactions?type=IBAN_CODE").text) == [entries[3], entries[2]]
    assert _ids(client.get("/compliance/redactions?channel=slack").text) == [entries[4], entries[2]]
    since = (clock.now.date().toordinal() - 3)
    import datetime as dt

    day = dt.date.fromordinal(since).isoformat()
    assert _ids(client.get(f"/compliance/redactions?since={day}").text) == [entries[4], entries[3], entries[2]]
    until = dt.date.fromordinal(clock.now.date().toordinal() - 8).isoformat()
    assert _ids(client.get(f"/compliance/redactions?until={until}").text) == [entries[1], entries[0]]
    both = client.get("/compliance/redactions?organization=Acme+GmbH&type=EMAIL_ADDRESS&channel=email")
    assert _ids(both.text) == [entries[3]]


def test_a_type_filter_matches_whole_type_names_only(client, entries):
    sign_in(client, "clara")
    assert _ids(client.get("/compliance/redactions?type=EMAIL").text) == []


def test_a_bad_filter_value_is_a_400_that_says_what_is_wrong(client, entries):
    sign_in(client, "clara")
    resp = client.get("/compliance/redactions?since=yesterday")
    assert resp.status_code == 400
    assert "since: expected a date" in resp.text
    assert client.get("/compliance/redactions?verdict=maybe").status_code == 400


def test_entry_detail_shows_types_offsets_recognizers_scores_and_fingerprints(client, entries, factory):
    sign_in(client, "clara")
    page = client.get(f"/compliance/redactions/{entries[3]}")
    assert page.status_code == 200
    with factory() as s:
        entry = s.get(RedactionLogEntry, entries[3])
    for f in entry.findings:
        assert f["type"] in page.text and f["recognizer"] in page.text and f["fingerprint"] in page.text
        assert f"{f['start']}–{f['end']}" in page.text
    assert client.get("/compliance/redactions/999999").status_code == 404


def test_a_reviewer_verdict_is_saved_with_note_and_name_and_can_be_filtered(client, entries, factory, clock):
    sign_in(client, "clara")
    page = client.get(f"/compliance/redactions/{entries[1]}")
    resp = client.post(f"/compliance/redactions/{entries[1]}/verdict",
                       data={"csrf_token": csrf_of(page.text), "verdict": "false_positive",
                             "note": "staff address of the customer, not a third party"})
    assert resp.status_code == 303
    with factory() as s:
        e = s.get(RedactionLogEntry, entries[1])
    assert (e.verdict, e.reviewed_by, e.reviewed_at) == ("false_positive", "clara", clock.now)
    assert e.verdict_note == "staff address of the customer, not a third party"
    assert _ids(client.get("/compliance/redactions?verdict=false_positive").text) == [entries[1]]
    assert entries[1] not in _ids(client.get("/compliance/redactions?verdict=unreviewed").text)
    bad = client.post(f"/compliance/redactions/{entries[1]}/verdict",
                      data={"csrf_token": csrf_of(page.text), "verdict": "whatever"})
    assert bad.status_code == 400


def test_a_verdict_does_not_break_the_chain(client, entries):
    sign_in(client, "clara")
    page = client.get(f"/compliance/redactions/{entries[0]}")
    client.post(f"/compliance/redactions/{entries[0]}/verdict",
                data={"csrf_token": csrf_of(page.text), "verdict": "confirmed"})
    chain = client.get("/compliance/chain")
    assert "Intact" in chain.text and "5 entries checked" in chain.text


def test_chain_page_names_the_first_tampered_entry(client, entries, factory):
    with factory.begin() as s:
        s.execute(update(RedactionLogEntry).where(RedactionLogEntry.id == entries[2])
                  .values(sender_org="Someone Else"))
    sign_in(client, "clara")
    chain = client.get("/compliance/chain")
    assert f"Broken at entry {entries[2]}" in chain.text
    listing = client.get("/compliance/redactions")
    assert "BROKEN" in listing.text


def test_csv_export_follows_the_filters_and_holds_only_whitelisted_fields(client, entries):
    sign_in(client, "clara")
    resp = client.get("/compliance/redactions/export.csv?organization=Acme+GmbH")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [int(r["id"]) for r in rows] == [entries[0], entries[2], entries[3]]
    for r in rows:
        for finding in json.loads(r["findings"]):
            assert set(finding) == {"type", "start", "end", "recognizer", "score", "fingerprint"}


def test_jsonl_export_has_one_entry_per_line(client, entries):
    sign_in(client, "clara")
    resp = client.get("/compliance/redactions/export.jsonl?type=PASSWORD")
    lines = [json.loads(line) for line in resp.text.splitlines()]
    assert [d["id"] for d in lines] == [entries[0], entries[3], entries[4]]
    assert all("PASSWORD" in d["entity_types"] for d in lines)


def test_views_exports_and_verdicts_leave_an_audit_trail(client, entries, factory):
    sign_in(client, "clara")
    client.get("/compliance/redactions?channel=slack")
    client.get(f"/compliance/redactions/{entries[2]}")
    client.get("/compliance/redactions/export.csv?type=IBAN_CODE")
    with factory() as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.username == "clara").order_by(AuditEntry.id)).all()
    actions = [(r.action, r.target) for r in rows]
    assert ("view_redaction_entry", f"redaction:{entries[2]}") in actions
    listing = next(r for r in rows if r.action == "view_redaction_log")
    assert listing.data["filters"] == {"channel": "slack"} and listing.data["shown"] == [entries[4], entries[2]]
    export = next(r for r in rows if r.action == "export_csv")
    assert export.data == {"filters": {"type": "IBAN_CODE"}, "entries": 2}
    trail = client.get("/compliance/audit?user=clara")
    assert "export_csv" in trail.text and "view_redaction_entry" in trail.text
    detail = client.get(f"/compliance/redactions/{entries[2]}")
    assert detail.text.count("view_redaction_entry") >= 2  # who looked at this entry
