"""The [nag] table of the policy: defaults, overrides, and bad values failing at load with file and key."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from intake.domain.policy import Policy, PolicyError
from intake.domain.severity import Severity


def test_defaults_without_a_nag_table() -> None:
    np_ = (Policy.loads("", source="empty.toml")).nag
    assert np_.schedule(Severity.S1).thresholds == (0.5, 0.75, 0.9)
    assert np_.schedule(Severity.S1).repeat == dt.timedelta(minutes=15)
    assert np_.schedule(Severity.S2).repeat == dt.timedelta(minutes=30)
    assert np_.schedule(Severity.S3).repeat is None and np_.schedule(Severity.S3).daytime_only
    assert not np_.schedule(Severity.S2).daytime_only
    assert np_.morning == dt.time(9) and np_.evening == dt.time(18)
    assert np_.oncall_group is None and np_.lead is None


def test_overrides_per_severity_and_global() -> None:
    np_ = (Policy.loads("""
[nag]
thresholds = [0.25, 0.5]
morning = "08:30"
oncall_group = "S0ONCALL"
lead = "U0LEAD"
escalation = { reminder = ["oncall"] }
[nag.S2]
thresholds = [0.8]
repeat = "1h"
daytime_only = true
""", source="custom.toml")).nag
    assert np_.schedule(Severity.S1).thresholds == (0.25, 0.5)
    assert np_.schedule(Severity.S2).thresholds == (0.8,)
    assert np_.schedule(Severity.S2).repeat == dt.timedelta(hours=1)
    assert np_.schedule(Severity.S2).daytime_only
    assert np_.morning == dt.time(8, 30)
    assert np_.escalation["reminder"] == ("oncall",)
    assert np_.escalation["overdue"] == ("assignee", "oncall", "lead")


@pytest.mark.parametrize(("toml", "key", "reason"), [
    ("[nag]\nthresholds = [0.5, 1.2]", "nag.thresholds", "strictly between 0 and 1"),
    ("[nag]\nthresholds = [0.75, 0.5]", "nag.thresholds", "strictly increasing"),
    ("[nag]\nthresholds = '50%'", "nag.thresholds", "must be a list"),
    ("[nag]\nthresholds = [true]", "nag.thresholds", "must hold numbers"),
    ("[nag.S1]\nthresholds = [0]", "nag.S1.thresholds", "strictly between 0 and 1"),
    ("[nag.S1]\nrepeat = 'often'", "nag.S1.repeat", "'daily' or a duration"),
    ("[nag.S2]\nrepeat = '10s'", "nag.S2.repeat", "at least 1 minute"),
    ("[nag.S3]\ndaytime_only = 'yes'", "nag.S3.daytime_only", "true or false"),
    ("[nag.S3]\nrepeats = 'daily'", "nag.S3", "unknown key(s): repeats"),
    ("[nag]\nmorning = '25:00'", "nag.morning", "HH:MM"),
    ("[nag]\nmorning = '19:00'", "nag.evening", "later than nag.morning"),
    ("[nag]\noncall_group = 'U0PERSON'", "nag.oncall_group", "user-group id"),
    ("[nag]\nlead = '@bob'", "nag.lead", "Slack user id"),
    ("[nag]\nescalation = { panic = ['lead'] }", "nag.escalation.panic", "unknown stage"),
    ("[nag]\nescalation = { breach = ['boss'] }", "nag.escalation.breach", "must be a list of"),
    ("[nag]\nsnooze = true", "nag", "unknown key(s): snooze"),
    ("nag = 3", "nag", "must be a table"),
])
def test_bad_nag_values_fail_at_policy_load_with_file_and_key(toml: str, key: str, reason: str) -> None:
    with pytest.raises(PolicyError) as err:
        Policy.loads(toml, source="policy.toml")
    assert err.value.source == "policy.toml"
    assert err.value.key == key
    assert reason in err.value.reason


def test_supportbot_check_reports_a_bad_nag_table(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from intake.cli import main
    from intake.settings import get_settings

    bad = tmp_path / "policy.toml"
    bad.write_text("[nag.S1]\nrepeat = 'sometimes'\n")
    monkeypatch.setenv("SUPPORTBOT_POLICY", str(bad))
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["check"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "[nag.S1.repeat]" in result.output and str(bad) in result.output
