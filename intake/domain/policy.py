"""The support policy: calendar, severities with targets and support hours, caps.

Loaded from ``config/policy.toml`` (format in docs/DESIGN-notes.md and shared DESIGN.md). A file
holding only ``[calendar]`` and ``[severity.*]`` loads; every other table has a documented default.
Bad files fail loudly with file, key and reason (house style rule 11).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from intake.domain.calendar import Closure, SupportCalendar
from intake.domain.durations import parse_duration
from intake.domain.errors import PolicyError
from intake.domain.nag_policy import NagPolicy, parse_nag_table
from intake.domain.severity import DEFINITIONS, Severity

__all__ = ["DEFAULT_RULES", "IcalReader", "Policy", "PolicyError", "SeverityRule", "parse_duration"]

# Turns the bytes of an iCalendar file into closures (``intake.policy_file`` passes one): the domain
# reads no file format beyond TOML itself.
IcalReader = Callable[[bytes], list[Closure]]

Hours = Literal["24/7", "24/5"]


@dataclass(frozen=True, slots=True)
class SeverityRule:
    severity: Severity
    name: str
    hours: Hours
    target: dt.timedelta


# Support terms defaults: S1 60 min and S2 180 min around the clock; S3 12 h and S4 48 h in support hours.
DEFAULT_RULES: Mapping[Severity, SeverityRule] = {
    Severity.S1: SeverityRule(Severity.S1, DEFINITIONS[Severity.S1].name, "24/7", dt.timedelta(minutes=60)),
    Severity.S2: SeverityRule(Severity.S2, DEFINITIONS[Severity.S2].name, "24/7", dt.timedelta(minutes=180)),
    Severity.S3: SeverityRule(Severity.S3, DEFINITIONS[Severity.S3].name, "24/5", dt.timedelta(hours=12)),
    Severity.S4: SeverityRule(Severity.S4, DEFINITIONS[Severity.S4].name, "24/5", dt.timedelta(hours=48)),
}
_DEFAULT_HOURS = {severity: rule.hours for severity, rule in DEFAULT_RULES.items()}

@dataclass(frozen=True)
class Policy:
    calendar: SupportCalendar
    rules: Mapping[Severity, SeverityRule]
    # product or "product/component" (case-insensitive) -> maximum severity
    caps: Mapping[str, Severity] = field(default_factory=dict)
    nag: NagPolicy = field(default_factory=lambda: parse_nag_table({}, source="<defaults>", hours=_DEFAULT_HOURS))
    # Top-level tables this module does not know, kept as they were read.
    extra: Mapping[str, Any] = field(default_factory=dict)
    source: str = "<defaults>"

    def rule(self, severity: Severity) -> SeverityRule:
        return self.rules[severity]

    def max_severity(self, product: str | None, component: str | None = None) -> Severity | None:
        """The strictest cap known for a product/component, or ``None`` when it is not capped."""
        if not product:
            return None
        if component:
            found = self.caps.get(f"{product}/{component}".casefold())
            if found is not None:
                return found
        return self.caps.get(product.casefold())

    @classmethod
    def default(cls) -> Policy:
        return cls(calendar=SupportCalendar(), rules=dict(DEFAULT_RULES))

    @classmethod
    def load(cls, path: str | Path, *, ical: IcalReader | None = None) -> Policy:
        """Read a policy file; ``ical`` reads the closures of ``closures_ical`` (``intake.policy_file``)."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise PolicyError(str(path), "-", f"cannot read file: {exc.strerror or exc}") from exc
        return cls.loads(raw.decode("utf-8", errors="strict"), source=str(path), base_dir=path.parent, ical=ical)

    @classmethod
    def loads(cls, text: str, *, source: str = "<string>", base_dir: Path | None = None,
              ical: IcalReader | None = None) -> Policy:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(source, "-", f"not valid TOML: {exc}") from exc
        return cls.from_dict(data, source=source, base_dir=base_dir, ical=ical)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>",
                  base_dir: Path | None = None, ical: IcalReader | None = None) -> Policy:
        calendar = _parse_calendar(data.get("calendar", {}), source, base_dir, ical)
        rules = dict(DEFAULT_RULES)
        severities = data.get("severity", {})
        if not isinstance(severities, Mapping):
            raise PolicyError(source, "severity", "must be a table of [severity.S1] ... [severity.S4]")
        for key, table in severities.items():
            try:
                sev = Severity.parse(key)
            except ValueError:
                raise PolicyError(source, f"severity.{key}", "unknown severity (expected S1..S4)") from None
            if not isinstance(table, Mapping):
                raise PolicyError(source, f"severity.{key}", "must be a table")
            rules[sev] = _parse_rule(sev, table, source)
        caps = _parse_caps(data.get("caps", {}), source)
        nag = parse_nag_table(data.get("nag", {}), source=source, hours={s: r.hours for s, r in rules.items()})
        extra = {k: v for k, v in data.items() if k not in {"calendar", "severity", "caps", "nag"}}
        return cls(calendar=calendar, rules=rules, caps=caps, nag=nag, extra=extra, source=source)


_RULE_KEYS = {"name", "hours", "target", "description"}


def _parse_rule(sev: Severity, table: Mapping[str, Any], source: str) -> SeverityRule:
    key = f"severity.{sev.name}"
    unknown = set(table) - _RULE_KEYS
    if unknown:
        raise PolicyError(source, key, f"unknown key(s): {', '.join(sorted(unknown))}")
    default = DEFAULT_RULES[sev]
    hours = table.get("hours", default.hours)
    if hours not in ("24/7", "24/5"):
        raise PolicyError(source, f"{key}.hours", f"must be '24/7' or '24/5', got {hours!r}")
    try:
        target = parse_duration(table["target"]) if "target" in table else default.target
    except ValueError as exc:
        raise PolicyError(source, f"{key}.target", str(exc)) from None
    name = table.get("name", default.name)
    if not isinstance(name, str) or not name.strip():
        raise PolicyError(source, f"{key}.name", "must be a non-empty string")
    return SeverityRule(sev, name, hours, target)


_CAL_KEYS = {"timezone", "holidays", "closures", "closures_ical", "workdays"}
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _parse_calendar(table: Any, source: str, base_dir: Path | None, ical: IcalReader | None) -> SupportCalendar:
    if not isinstance(table, Mapping):
        raise PolicyError(source, "calendar", "must be a table")
    unknown = set(table) - _CAL_KEYS
    if unknown:
        raise PolicyError(source, "calendar", f"unknown key(s): {', '.join(sorted(unknown))}")
    tz = table.get("timezone", "Europe/Berlin")
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(source, "calendar.timezone", f"unknown time zone {tz!r}") from None
    hol = table.get("holidays", {"country": "DE", "subdivision": "BY"})
    country: str | None = None
    subdivision: str | None = None
    if hol:
        if not isinstance(hol, Mapping) or "country" not in hol:
            raise PolicyError(source, "calendar.holidays", "must be { country = \"DE\", subdivision = \"BY\" }")
        country = str(hol["country"]).upper()
        subdivision = str(hol["subdivision"]) if hol.get("subdivision") else None
        if country not in holidays_lib.list_supported_countries():
            raise PolicyError(source, "calendar.holidays.country", f"unknown country code {country!r}")
        subdivs = holidays_lib.list_supported_countries()[country]
        if subdivision is not None and subdivision not in subdivs:
            raise PolicyError(source, "calendar.holidays.subdivision",
                              f"{subdivision!r} is not a subdivision of {country} "
                              f"(known: {', '.join(subdivs) or 'none'})")
    closures: list[Closure] = []
    raw_closures = table.get("closures", [])
    if not isinstance(raw_closures, list):
        raise PolicyError(source, "calendar.closures", "must be a list of { start, end, name }")
    for i, item in enumerate(raw_closures):
        key = f"calendar.closures[{i}]"
        if not isinstance(item, Mapping) or "start" not in item:
            raise PolicyError(source, key, "must be { start = YYYY-MM-DD, end = YYYY-MM-DD, name = \"...\" }")
        start, end = item["start"], item.get("end", item["start"])
        for name, value in (("start", start), ("end", end)):
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                raise PolicyError(source, f"{key}.{name}", f"must be a TOML local date (2026-12-24), got {value!r}")
        try:
            closures.append(Closure(start, end, str(item.get("name", "Company closure"))))
        except ValueError as exc:
            raise PolicyError(source, key, str(exc)) from None
    ical_file = table.get("closures_ical")
    if ical_file:
        if ical is None:
            raise PolicyError(source, "calendar.closures_ical",
                              "needs an iCalendar reader: load the file with intake.policy_file.load_policy")
        ical_path = Path(ical_file)
        if not ical_path.is_absolute() and base_dir is not None:
            ical_path = base_dir / ical_path
        try:
            closures.extend(ical(ical_path.read_bytes()))
        except OSError as exc:
            raise PolicyError(source, "calendar.closures_ical", f"cannot read {ical_path}: {exc}") from None
        except ValueError as exc:
            raise PolicyError(source, "calendar.closures_ical", f"not a valid iCalendar file: {exc}") from None
    workdays_raw = table.get("workdays", ["mon", "tue", "wed", "thu", "fri"])
    try:
        workdays = frozenset(_WEEKDAYS[str(d).lower()[:3]] for d in workdays_raw)
    except KeyError as exc:
        raise PolicyError(source, "calendar.workdays", f"unknown weekday {exc.args[0]!r}") from None
    if not workdays:
        raise PolicyError(source, "calendar.workdays", "needs at least one weekday")
    return SupportCalendar(timezone=str(tz), country=country, subdivision=subdivision,
                           closures=tuple(closures), workdays=workdays)


def _parse_caps(table: Any, source: str) -> dict[str, Severity]:
    if not isinstance(table, Mapping):
        raise PolicyError(source, "caps", "must be a table of \"Product\" or \"Product/Component\" = \"S2\"")
    caps: dict[str, Severity] = {}
    for key, value in table.items():
        try:
            caps[str(key).casefold()] = Severity.parse(value)
        except ValueError as exc:
            raise PolicyError(source, f"caps.{key}", str(exc)) from None
    return caps
