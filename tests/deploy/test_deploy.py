"""The deployment files: Prometheus alert rules (promtool check and unit tests), the Grafana
dashboard (every query names a metric the served app really exports) and the systemd units
(``systemd-analyze verify``, sandboxing)."""

from __future__ import annotations

import configparser
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from intake.domain.policy import Policy
from intake.domain.severity import Severity
from intake.settings import load_settings
from intake.store import redaction_log
from intake.store.models import Lease, PortalObservation
from intake.web.app import create_app
from redaction.types import Finding
from tests.clock.helpers import open_ticket

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
METRIC = re.compile(r"\b(supportbot_[a-z0-9_]+)")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (./scripts/test installs it as root)")
        pytest.skip(f"{name} not installed")
    return path


def test_alert_rules_pass_promtool_check_and_their_unit_tests() -> None:
    promtool = _tool("promtool")
    check = subprocess.run([promtool, "check", "rules", "alerts.yml"], cwd=DEPLOY / "prometheus",
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    unit = subprocess.run([promtool, "test", "rules", "alerts.test.yml"], cwd=DEPLOY / "prometheus",
                          capture_output=True, text=True)
    assert unit.returncode == 0, unit.stdout + unit.stderr
    assert "SUCCESS" in unit.stdout


def test_every_alert_has_a_runbook_section_and_a_unit_test() -> None:
    rules = [r for g in yaml.safe_load((DEPLOY / "prometheus/alerts.yml").read_text())["groups"] for r in g["rules"]]
    tested = {t["alertname"] for case in yaml.safe_load((DEPLOY / "prometheus/alerts.test.yml").read_text())["tests"]
              for t in case["alert_rule_test"]}
    ops = (ROOT / "docs/operations.md").read_text()
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", ops, re.M)}
    for rule in rules:
        assert rule["alert"] in tested, f"{rule['alert']} has no promtool unit test"
        anchor = rule["annotations"]["runbook"].split("#", 1)[1]
        assert anchor in anchors, f"{rule['alert']}: docs/operations.md has no section #{anchor}"


def _exported_metric_names(factory: sessionmaker[Session], tmp_path: Path) -> set[str]:
    """Scrape /metrics of the served app with every kind of row present; family names plus the
    series names a query can use (histogram _bucket/_sum/_count, counter _total)."""
    open_ticket(factory, Severity.S1, now=NOW - dt.timedelta(minutes=10))
    with factory() as session, session.begin():
        session.add(PortalObservation(at=NOW, state="down", effective="down", reason="t", source="t"))
        session.add(Lease(name="imap:INBOX", holder="w", expires_at=NOW + dt.timedelta(seconds=60)))
        redaction_log.append(session, key=b"k" * 32, now=NOW, channel="email", message_ref=None,
                             sender_org=None, text="Anna Berg", findings=[Finding("PERSON", 0, 9, 0.9, "person")])
    settings = load_settings(data_dir=tmp_path, secret_key="test-secret-key-0123456789abcdef",
                             metrics_token=SecretStr("scrape-token-0123456789"))
    app = create_app(settings, factory=factory, policy=Policy.default(), health_checks={}, clock=lambda: NOW)
    with TestClient(app) as client:
        client.get("/healthz")
        body = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"}).text
    return {m.group(1) for m in re.finditer(r"^(supportbot_[a-z0-9_]+)[{ ]", body, re.M)}


def test_dashboard_and_alerts_query_only_metrics_the_app_exports(factory: sessionmaker[Session], tmp_path: Path) -> None:
    exported = _exported_metric_names(factory, tmp_path)
    dashboard = json.loads((DEPLOY / "grafana/supportbot.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [r["expr"] for g in yaml.safe_load((DEPLOY / "prometheus/alerts.yml").read_text())["groups"]
              for r in g["rules"]]
    used = {name for expr in exprs for name in METRIC.findall(expr)}
    assert used, "no supportbot metric in the dashboard or alerts"
    missing = sorted(used - exported)
    assert not missing, f"queried but not exported: {missing}"
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in ("sla state", "first response", "gate", "outbox", "redaction rejections"):
        assert topic in titles, f"the dashboard has no panel on {topic}"


UNITS = ("supportbot-web.service", "supportbot-worker.service", "supportbot-clock.service")


def test_systemd_units_verify_and_are_sandboxed(tmp_path: Path) -> None:
    analyze = _tool("systemd-analyze")
    supportbot = Path(sys.executable).with_name("supportbot")
    assert supportbot.exists()
    for name in (*UNITS, "supportbot.target"):
        text = (DEPLOY / "systemd" / name).read_text().replace("/opt/supportbot/.venv/bin/supportbot", str(supportbot))
        (tmp_path / name).write_text(text)
    out = subprocess.run([analyze, "verify", *[f"./{n}" for n in (*UNITS, "supportbot.target")]], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 0 and not (out.stdout + out.stderr).strip(), out.stdout + out.stderr
    pre_starts = []
    for name in UNITS:
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.optionxform = str  # type: ignore[assignment,method-assign]
        unit.read(DEPLOY / "systemd" / name)
        svc = unit["Service"]
        assert svc["ProtectSystem"] == "strict" and svc["NoNewPrivileges"] == "yes"
        assert svc["User"] == "supportbot" and svc["StateDirectory"] == "supportbot"
        assert svc["StateDirectoryMode"] == "0700" and svc["UMask"] == "0077"
        command = svc["ExecStart"].split()[1:]
        assert subprocess.run([str(supportbot), *command, "--help"], capture_output=True).returncode == 0
        if "ExecStartPre" in svc:
            pre_starts.append((name, svc["ExecStartPre"].split()[1:]))
    assert pre_starts == [("supportbot-web.service", ["db", "upgrade"])]


def test_a_broken_unit_fails_verification(tmp_path: Path) -> None:
    analyze = _tool("systemd-analyze")
    text = (DEPLOY / "systemd/supportbot-web.service").read_text().replace(
        "/opt/supportbot/.venv/bin/supportbot", str(Path(sys.executable).with_name("supportbot")))
    (tmp_path / "supportbot-web.service").write_text(text.replace("ProtectSystem=strict", "ProtectSystm=strict"))
    out = subprocess.run([analyze, "verify", "./supportbot-web.service"], cwd=tmp_path, capture_output=True, text=True)
    assert "Unknown key" in out.stdout + out.stderr
