"""``supportbot customers import-csv`` / ``check``: CSV rows into the registry TOML, errors by line number."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli import main
from intake.domain.severity import Severity
from intake.registry import Registry, load_registry, merge_csv

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLE = ROOT / "config" / "customers.example.toml"


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_a_csv_export_becomes_a_valid_registry() -> None:
    result = merge_csv((FIXTURES / "customers.csv").read_text(encoding="utf-8"))
    assert result.ok, result.errors
    registry = Registry.from_mapping(result.document)
    initech = registry.org("initech")
    assert initech is not None
    assert initech.domains == ("initech.example", "initech-corp.example")
    assert initech.escalation_contact.email == "pager@initech.example"
    assert [u.email for u in initech.users] == ["peter@initech.example", "milton@initech.example"]
    assert [u.role for u in initech.users] == ["admin", "member"]
    assert [(p.id, p.production) for p in initech.projects] == [("tps", True), ("tps-staging", False)]
    assert registry.max_severity("initech", "Reports") is Severity.S2
    assert registry.max_severity("initech", "Reports", "Exports") is Severity.S3
    assert registry.max_severity("umbrella", "Anything") is Severity.S3
    assert registry.org_for_email("wesker@umbrella.example").id == "umbrella"  # type: ignore[union-attr]


def test_every_bad_row_is_reported_with_its_line_number() -> None:
    result = merge_csv((FIXTURES / "customers_bad.csv").read_text(encoding="utf-8"))
    by_line = {line: message for line, message in result.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "org_id is empty" in by_line[3]
    assert "org_name is required" in by_line[4]
    assert "conflicts with 'Initech LLC' from line 2" in by_line[5]
    assert "not a valid email address" in by_line[6]
    assert "production must be yes or no" in by_line[7]
    assert "not a severity" in by_line[8]
    assert "component given without product" in by_line[9]
    assert "shared mailbox provider" in by_line[10]
    assert "escalation" in by_line[11]  # the support terms' 24/7 contact, checked on the merged result


@pytest.mark.parametrize(
    ("csv_text", "line", "message"),
    [
        ("org_id,colour\nx,red\n", 1, "unknown column"),
        ("org_name\nX\n", 1, "org_id column is required"),
        ("org_id,org_name\n", 1, "no data rows"),
        ("org_id,org_name,escalation_email\nx,X,a@x.example,extra\n", 2, "more fields than the header"),
        ("org_id,org_name,escalation_email,project_id\nx,X,a@x.example,p1\n", 2, "production (yes/no) is required"),
        ("org_id,org_name,escalation_email,user_email\nx,X,a@x.example,u@x.example\n", 2, "user_name is required"),
        ("org_id,org_name,escalation_email,user_name\nx,X,a@x.example,Ann\n", 2, "without user_email"),
        ("org_id,org_name,escalation_email,product,component\nx,X,a@x.example,P,C\n", 2, "max_severity is required"),
        ("org_id,org_name,escalation_email\nx,X,a@x.example\nx,,b@x.example\n", 3, "conflicts with"),
        ('org_id,org_name,escalation_email\nx,"X\n', 2, "unreadable"),
    ],
)
def test_csv_problems_table(csv_text: str, line: int, message: str) -> None:
    result = merge_csv(csv_text)
    assert any(ln == line and message in msg for ln, msg in result.errors), result.errors


def test_column_aliases_and_header_case_are_accepted() -> None:
    result = merge_csv("ORG_ID,Org_Name,Domain,Escalation_Email,Email,User_Name\n"
                       "x,X Ltd,x.example,oncall@x.example,Ann@X.example,Ann\n")
    assert result.ok, result.errors
    registry = Registry.from_mapping(result.document)
    assert registry.user("ann@x.example") is not None


def test_merge_updates_an_existing_registry_and_keeps_the_rest() -> None:
    base = load_registry(EXAMPLE).to_document()
    result = merge_csv((FIXTURES / "customers_update.csv").read_text(encoding="utf-8"), base)
    assert result.ok, result.errors
    registry = Registry.from_mapping(result.document)
    acme = registry.org("acme")
    assert acme is not None
    assert acme.escalation_contact.email == "emergency@acme.example"
    assert acme.escalation_contact.name == "ACME on-call desk"  # untouched field stays
    assert registry.user("dave@acme.example") is not None
    assert registry.user("alice@acme.example") is not None
    assert registry.find_project("acme", "shop-us").production is True  # type: ignore[union-attr]
    assert registry.org("globex") is not None
    assert base["organizations"][0]["escalation_contact"]["email"] == "oncall@acme.example"  # base not mutated


def test_cli_import_writes_the_toml_and_check_accepts_it(tmp_path: Path) -> None:
    out = tmp_path / "customers.toml"
    code, _, err = run("customers", "import-csv", str(FIXTURES / "customers.csv"), "--output", str(out))
    assert code == 0, err
    assert load_registry(out).org("umbrella") is not None
    code, stdout, _ = run("customers", "check", "--file", str(out))
    assert code == 0
    assert "2 organizations, 3 registered users, 3 projects" in stdout


def test_cli_import_without_output_prints_toml() -> None:
    code, stdout, _ = run("customers", "import-csv", str(FIXTURES / "customers.csv"))
    assert code == 0
    assert Registry.from_toml(stdout).org("initech") is not None


def test_cli_import_reports_line_numbers_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "customers.toml"
    bad = FIXTURES / "customers_bad.csv"
    code, _, err = run("customers", "import-csv", str(bad), "--output", str(out))
    assert code == 1
    assert f"{bad}:3: org_id is empty" in err
    assert f"{bad}:7: production must be yes or no" in err
    assert "nothing written" in err
    assert not out.exists()


def test_cli_import_refuses_to_overwrite_without_merge(tmp_path: Path) -> None:
    out = tmp_path / "customers.toml"
    shutil.copy(EXAMPLE, out)
    before = out.read_bytes()
    code, _, err = run("customers", "import-csv", str(FIXTURES / "customers_update.csv"), "--output", str(out))
    assert code == 1
    assert "--merge" in err
    assert out.read_bytes() == before


def test_cli_import_merges_into_the_output_file(tmp_path: Path) -> None:
    out = tmp_path / "customers.toml"
    shutil.copy(EXAMPLE, out)
    code, _, err = run("customers", "import-csv", str(FIXTURES / "customers_update.csv"),
                       "--output", str(out), "--merge")
    assert code == 0, err
    registry = load_registry(out)
    assert registry.user("dave@acme.example") is not None
    assert registry.user("hank@globex.example") is not None


def test_cli_check_fails_loudly_on_a_bad_registry(tmp_path: Path) -> None:
    bad = tmp_path / "customers.toml"
    bad.write_text('[[organizations]]\nid = "x"\nname = "X"\n', encoding="utf-8")
    code, _, err = run("customers", "check", "--file", str(bad))
    assert code == 1
    assert str(bad) in err
    assert "organizations[0] (id=x).escalation_contact" in err


def test_the_installed_command_checks_the_configured_registry(tmp_path: Path) -> None:
    """Through the real console script and settings: ``SUPPORTBOT_CUSTOMERS`` picks the file."""
    exe = Path(sys.executable).with_name("supportbot")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTBOT_")}
    env["SUPPORTBOT_CUSTOMERS"] = str(EXAMPLE)
    done = subprocess.run([str(exe), "customers", "check"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "2 organizations" in done.stdout
    env["SUPPORTBOT_CUSTOMERS"] = str(tmp_path / "missing.toml")
    done = subprocess.run([str(exe), "check"], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert "FAIL customers" in done.stderr


def test_a_user_or_domain_of_another_organization_is_a_row_error() -> None:
    csv_text = ("org_id,org_name,domains,escalation_email,user_email,user_name\n"
                "a,A,a.example,oncall@a.example,ann@a.example,Ann\n"
                "b,B,b.example,oncall@b.example,,\n"
                "b,,A.example,,ann@a.example,Ann\n")
    result = merge_csv(csv_text)
    assert result.errors == [(4, "domain a.example already belongs to 'a'"),
                             (4, "user ann@a.example is already registered with 'a'")]
